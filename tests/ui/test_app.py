"""The explorer driven by keys, as a responder uses it, on the sample incident."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from textual.pilot import Pilot

from ctir_tui.engine.query.clauses import field_clause, session_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make
from ctir_tui.engine.session import Session
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig, Settings
from ctir_tui.ui.screens.main import MainScreen
from ctir_tui.ui.widgets.event_detail import EventDetail
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.filter_bar import FilterBar
from ctir_tui.ui.widgets.status import StatusLine
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix
from tests.conftest import SAMPLE_LOGS

ATTACKER_IP = "185.220.101.47"
LEAKED_KEY = "AKIA655VG2DDCFHC4Q5H"
ISSUED_KEY = "ASIANKBYLZI5RBDQ7IS6"


@pytest.fixture(scope="module")
def engine() -> Session:
    """The same data, loaded by the engine alone: the counts the UI must show."""
    return Session.open([SAMPLE_LOGS])


async def settle(pilot: Pilot[int]) -> None:
    """Wait for every worker (load, view, detail) and the messages they post."""
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            await pilot.pause()
            return


def main(pilot: Pilot[int]) -> MainScreen:
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    return screen


def status(pilot: Pilot[int]) -> str:
    return main(pilot).query_one(StatusLine).plain


def current(pilot: Pilot[int]) -> dict[str, object]:
    event = main(pilot).query_one(EventList).current_event()
    assert event is not None
    return event


def shown(engine: Session, *clauses: object) -> str:
    filters = Filters(tuple(clauses))  # type: ignore[arg-type]
    return f"{engine.view(filters).height:,} of {engine.frame.height:,} events"


async def type_text(pilot: Pilot[int], text: str) -> None:
    for char in text:
        await pilot.press(char if char != " " else "space")


async def test_opens_with_list_focused_and_every_event_counted(engine: Session) -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(shown(engine))
        assert f"{engine.report.problems:,} load problems" in status(pilot)
        assert isinstance(app.focused, EventList)
        # The detail follows the cursor.
        await pilot.press("j", "j")
        await settle(pilot)
        detail = main(pilot).query_one(EventDetail)
        event = current(pilot)
        assert detail.lines, "the detail shows the event"
        text = "\n".join(line.text for line in detail.lines)
        assert str(event["event_id"]) in text


async def test_search_then_pivots_narrow_to_the_attacker(engine: Session) -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, ATTACKER_IP)
        await pilot.press("enter")
        await settle(pilot)
        assert current(pilot)["source_ip"] == ATTACKER_IP
        await pilot.press("i")  # pivot: this source IP
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, field_clause("source_ip", ATTACKER_IP)))
        assert f"source_ip={ATTACKER_IP}" in status(pilot)
        await pilot.press("a")  # and this access key
        await settle(pilot)
        key = str(current(pilot)["access_key_id"])
        assert status(pilot).startswith(
            shown(
                engine, field_clause("source_ip", ATTACKER_IP), field_clause("access_key_id", key)
            )
        )
        # Back, back, forward through the history of views.
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, field_clause("source_ip", ATTACKER_IP)))
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status(pilot).startswith(shown(engine))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, field_clause("source_ip", ATTACKER_IP)))
        # Exclude instead: capital letter.
        await pilot.press("I")
        await settle(pilot)
        assert status(pilot).startswith(
            shown(engine, field_clause("source_ip", ATTACKER_IP, negate=True))
        )


async def test_typed_filters_invalid_ones_keep_the_view(engine: Session) -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("equals_sign")
        await type_text(pilot, "since 3x")
        await pilot.press("enter")
        await settle(pilot)
        bar = main(pilot).query_one(FilterBar)
        assert bar.has_class("-error")
        assert status(pilot).startswith(shown(engine))
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "tactic defense evasion")
        await pilot.press("enter")
        await settle(pilot)
        tactic = make("tactic", "Defense Evasion")
        assert status(pilot).startswith(shown(engine, tactic))
        # errors only, then remove the first chip from the filter bar.
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, tactic, make("errors")))
        bar.focus()
        await pilot.press("home", "left", "delete")
        await settle(pilot)
        remaining = main(pilot).filters.labels()
        assert len(remaining) == 1


async def test_matrix_cell_and_header_filter_the_list(engine: Session) -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        matrix = main(pilot).query_one(TacticMatrix)
        matrix.focus()
        await pilot.press("down")  # Initial Access -> ConsoleLogin
        assert matrix.current() == ("Initial Access", "ConsoleLogin")
        await pilot.press("enter")
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, field_clause("event_name", "ConsoleLogin")))
        assert isinstance(app.focused, EventList)
        matrix.focus()
        await pilot.press("right", "right", "right", "right", "up", "enter")
        await settle(pilot)
        evasion = make("tactic", "Defense Evasion")
        assert status(pilot).startswith(
            shown(engine, field_clause("event_name", "ConsoleLogin"), evasion)
        )


async def test_detail_field_pivot_follows_the_issued_session_key(engine: Session) -> None:
    app = CtirApp(
        ExplorerConfig(
            [str(SAMPLE_LOGS)],
            filters=Filters((make("event", "AssumeRole"), make("principal", "backup-sync"))),
        )
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert current(pilot)["issued_access_key_id"] == ISSUED_KEY
        detail = main(pilot).query_one(EventDetail)
        detail.focus()
        for _ in range(200):
            if detail.cursor_path() == "responseElements.credentials.accessKeyId":
                break
            await pilot.press("j")
        assert detail.cursor_value() == ISSUED_KEY
        await pilot.press("f")
        await settle(pilot)
        expected = engine.view(
            Filters(
                (
                    make("event", "AssumeRole"),
                    make("principal", "backup-sync"),
                    session_clause(ISSUED_KEY),
                )
            )
        )
        assert status(pilot).startswith(f"{expected.height:,} of")


async def test_walk_the_incident_to_the_attackers_complete_activity(engine: Session) -> None:
    """From launch to everything the attacker did, by keys alone."""
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        # 1. The matrix says logging was tampered with: filter to StopLogging.
        matrix = main(pilot).query_one(TacticMatrix)
        matrix.focus()
        await pilot.press("right", "right", "right", "right", "down", "enter")
        await settle(pilot)
        stop = current(pilot)
        assert stop["event_name"] == "StopLogging"
        # 2. Who did it: the session key came from an AssumeRole: follow the session.
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to everything
        await settle(pilot)
        # 3. Where from: add every source IP the attacker used, typed as one list.
        await pilot.press("equals_sign")
        await type_text(pilot, "ip 185.220.101.0/24,2a0b:f4c2:2::/48")
        await pilot.press("enter")
        await settle(pilot)
        attacker = engine.view(Filters((make("ip", "185.220.101.0/24,2a0b:f4c2:2::/48"),)))
        assert status(pilot).startswith(f"{attacker.height:,} of")
        names = set(attacker.get_column("event_name"))
        for step in (
            "GetCallerIdentity",
            "ConsoleLogin",
            "CreateUser",
            "AttachUserPolicy",
            "AssumeRole",
            "StopLogging",
            "ModifySnapshotAttribute",
            "PutBucketPolicy",
            "RunInstances",
        ):
            assert step in names
        keys = set(attacker.get_column("access_key_id").drop_nulls())
        assert {LEAKED_KEY, ISSUED_KEY} <= keys
        # 4. The whole list is walkable to its last event, which is the attacker's last call.
        await pilot.press("G")
        await settle(pilot)
        assert current(pilot)["event_id"] == attacker.get_column("event_id")[-1]


async def test_panes_toggle_and_help_lists_bindings() -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main(pilot)
        assert not screen.query_one(TacticMatrix).display  # 80x24: the matrix starts hidden
        await pilot.press("M")
        assert screen.query_one(TacticMatrix).display
        await pilot.press("D")
        assert not screen.query_one(EventDetail).display
        await pilot.press("question_mark")
        await pilot.pause()
        from ctir_tui.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(app.screen.page.plain_lines)
        for description in ("Principal", "Source IP", "Session", "Add filter", "Back"):
            assert description in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("L")
        await pilot.pause()
        from ctir_tui.ui.screens.problems import ProblemsScreen

        assert isinstance(app.screen, ProblemsScreen)
        assert any("broken.json" in line for line in app.screen.page.plain_lines)


async def test_quit_and_back() -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("q")  # back one view
        await settle(pilot)
        assert main(pilot).filters == Filters()
        await pilot.press("q")  # quit at the root
        await pilot.pause()
    assert app.return_code == 0


async def test_initial_cli_filters_open_the_app_filtered(engine: Session) -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)], filters=Filters((make("ip", ATTACKER_IP),))))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, make("ip", ATTACKER_IP)))


async def test_keymap_from_config_remaps_a_pivot(tmp_path: Path, engine: Session) -> None:
    settings = Settings(keymap={"pivot.ip": "ctrl+o"})
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)], settings=settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ip = str(current(pilot)["source_ip"])
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert status(pilot).startswith(shown(engine, field_clause("source_ip", ip)))


def test_frame_of_the_sample_has_the_incident(engine: Session) -> None:
    # Guards the fixtures above: the generator's incident is really in sample_logs.
    frame = engine.frame
    assert frame.filter(pl.col("access_key_id") == ISSUED_KEY).height > 0
    assert frame.filter(pl.col("issued_access_key_id") == ISSUED_KEY).height == 1
