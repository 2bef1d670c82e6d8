"""The explorer driven by keys, as a responder uses it, on the sample incident.

Every expected count comes from what the generator recorded about the sample it wrote
(``tests/facts.py``), never from ctir's own engine.
"""

from __future__ import annotations

from typing import Any

import pytest

from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig, Settings
from ctir_tui.ui.screens.help import HelpScreen
from ctir_tui.ui.screens.problems import ProblemsScreen
from ctir_tui.ui.screens.quit import QuitScreen
from ctir_tui.ui.widgets.event_detail import EventDetail
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.filter_bar import FilterBar
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix
from tests import facts as F
from tests.conftest import SAMPLE_LOGS
from tests.ui.pilot import current, main, search_for, settle, status, type_text

ATTACKER_IP = F.incident()["attacker_ips"][0]
LEAKED_KEY = F.incident()["leaked_key"]
ISSUED_KEY = F.incident()["asia_key"]


def app_for(**kwargs: Any) -> CtirApp:
    return CtirApp(ExplorerConfig([str(SAMPLE_LOGS)], **kwargs))


def test_the_facts_describe_the_attacker_ip_as_incident_only() -> None:
    # The pivots below rely on it: every event from the attacker's first IP is the incident's.
    assert F.count("by_source_ip", ATTACKER_IP) == F.incident()["by_source_ip"][ATTACKER_IP]


async def test_opens_with_list_focused_and_every_event_counted() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(f"{F.total():,} of {F.total():,} events")
        problems = F.problems()
        assert f"{problems:,} load problem{'s' if problems != 1 else ''} (L)" in status(pilot)
        assert isinstance(app.focused, EventList)
        # The detail follows the cursor.
        await pilot.press("j", "j")
        await settle(pilot)
        text = "\n".join(line.text for line in main(pilot).query_one(EventDetail).lines)
        assert f'"eventID": "{current(pilot)["event_id"]}"' in text


async def test_search_then_pivots_narrow_to_the_attacker() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, ATTACKER_IP)
        assert current(pilot)["source_ip"] == ATTACKER_IP
        await pilot.press("i")  # pivot: this source IP
        await settle(pilot)
        by_ip = F.count("by_source_ip", ATTACKER_IP)
        assert status(pilot).startswith(F.shown(by_ip))
        assert f"source_ip={ATTACKER_IP}" in status(pilot)
        await pilot.press("a")  # and this access key
        await settle(pilot)
        key = current(pilot)["access_key_id"]
        assert key == LEAKED_KEY
        both = F.incident_events(lambda e: e["ip"] == ATTACKER_IP and e["key"] == key)
        assert 0 < len(both) < by_ip
        assert status(pilot).startswith(F.shown(len(both)))
        # Back, back, forward through the history of views.
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(by_ip))
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.total()))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(by_ip))
        # Exclude instead: capital letter.
        await pilot.press("I")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.total() - by_ip))


async def test_typed_filters_and_invalid_ones_keep_the_view() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("equals_sign")
        await type_text(pilot, "since 3x")
        await pilot.press("enter")
        await settle(pilot)
        bar = main(pilot).query_one(FilterBar)
        assert bar.has_class("-error")
        assert status(pilot).startswith(F.shown(F.total()))
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "tactic defense evasion")
        await pilot.press("enter")
        await settle(pilot)
        evasion = F.counts_of("by_event_name", F.DEFENSE_EVASION)
        assert evasion > 0
        assert status(pilot).startswith(F.shown(evasion))
        # Errors only, then remove the tactic chip from the filter bar.
        await pilot.press("exclamation_mark")
        await settle(pilot)
        failed_evasion = F.counts_of("errors_by_event_name", F.DEFENSE_EVASION)
        assert status(pilot).startswith(F.shown(failed_evasion))
        bar.focus()
        await pilot.press("home", "left", "delete")
        await settle(pilot)
        assert main(pilot).filters.labels() == ["errors"]
        assert status(pilot).startswith(F.shown(F.facts()["counts"]["errors"]))


async def test_matrix_cell_and_header_filter_the_list() -> None:
    app = app_for()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        matrix = main(pilot).query_one(TacticMatrix)
        matrix.focus()
        await pilot.press("down")  # Initial Access -> ConsoleLogin
        assert matrix.current() == ("Initial Access", "ConsoleLogin")
        await pilot.press("enter")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_event_name", "ConsoleLogin")))
        assert isinstance(app.focused, EventList)
        await pilot.press("C")
        await settle(pilot)
        matrix.focus()
        await pilot.press("right", "right", "right", "right", "up", "enter")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.counts_of("by_event_name", F.DEFENSE_EVASION)))


async def test_detail_field_pivot_follows_the_issued_session_key() -> None:
    initial = Filters((make("event", "AssumeRole"), make("principal", F.incident()["new_user"])))
    app = app_for(filters=initial)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        hops = F.incident_events(lambda e: e["name"] == "AssumeRole" and e["issued_key"])
        assert status(pilot).startswith(F.shown(len(hops)))
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
        assert main(pilot).filters.labels()[-1] == f"session={ISSUED_KEY}"
        # Drop the two first chips: the session alone is the key's events and its AssumeRole.
        bar = main(pilot).query_one(FilterBar)
        bar.focus()  # the last chip is selected; right wraps to the first
        await pilot.press("right", "delete")
        await settle(pilot)
        await pilot.press("delete")
        await settle(pilot)
        assert main(pilot).filters.labels() == [f"session={ISSUED_KEY}"]
        session = F.incident()["by_access_key"][ISSUED_KEY] + 1
        assert status(pilot).startswith(F.shown(session))


async def test_walk_the_incident_to_the_attackers_complete_activity() -> None:
    """From launch to everything the attacker did, by keys alone."""
    app = app_for()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        # 1. The matrix says logging was tampered with: filter to StopLogging.
        matrix = main(pilot).query_one(TacticMatrix)
        matrix.focus()
        await pilot.press("right", "right", "right", "right", "down", "enter")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_event_name", "StopLogging")))
        stop = current(pilot)
        assert stop["event_name"] == "StopLogging"
        assert stop["access_key_id"] == ISSUED_KEY
        # 2. Who did it: the session key came from an AssumeRole: follow the session.
        await pilot.press("s")
        await settle(pilot)
        assert main(pilot).filters.labels()[-1] == f"session={ISSUED_KEY}"
        await pilot.press("left_square_bracket", "left_square_bracket")  # back to everything
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.total()))
        # 3. Where from: every source IP the attacker used, typed as one list.
        await pilot.press("equals_sign")
        await type_text(pilot, "ip 185.220.101.0/24,2a0b:f4c2:2::/48")
        await pilot.press("enter")
        await settle(pilot)
        ips = F.incident()["attacker_ips"]
        assert status(pilot).startswith(F.shown(F.counts_of("by_source_ip", ips)))
        # Everything from those addresses is the incident, every step of it.
        assert F.counts_of("by_source_ip", ips) == len(F.incident_events())
        # 4. The list is walkable to its last event, which is the attacker's last call.
        await pilot.press("G")
        await settle(pilot)
        last = max(F.incident_events(), key=lambda e: (e["time"], e["id"]))
        assert current(pilot)["time"].strftime("%Y-%m-%dT%H:%M:%SZ") == last["time"]


async def test_panes_toggle_and_help_lists_bindings() -> None:
    app = app_for()
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
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(app.screen.page.plain_lines)
        for description in ("Principal", "Source IP", "Session", "Add filter", "Back"):
            assert description in text
        await pilot.press("escape")
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsScreen)
        # Long paths wrap: read the page as one string.
        page = "".join(line.rstrip() for line in app.screen.page.plain_lines)
        for path in F.facts()["load"]["salvaged"]:
            assert path in page
        for skipped in F.facts()["load"]["skipped"]:
            assert skipped["path"] in page


async def test_copy_gives_the_original_record() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, ISSUED_KEY)
        await pilot.press("y")
        assert ISSUED_KEY in app.clipboard
        assert current(pilot)["event_id"] in app.clipboard


async def test_quit_and_back() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert main(pilot).filters.labels() != []
        await pilot.press("q")  # back one view
        await settle(pilot)
        assert main(pilot).filters == Filters()
        assert status(pilot).startswith(F.shown(F.total()))
        await pilot.press("q")  # at the root: asks first
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("n")  # stays
        await pilot.pause()
        assert app.return_code is None
        assert status(pilot).startswith(F.shown(F.total()))
        await pilot.press("q", "q")  # a second q confirms
        await pilot.pause()
    assert app.return_code == 0


async def test_initial_cli_filters_open_the_app_filtered() -> None:
    app = app_for(filters=Filters((make("ip", ATTACKER_IP),)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_source_ip", ATTACKER_IP)))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_keymap_from_config_remaps_a_pivot(size: tuple[int, int]) -> None:
    app = app_for(settings=Settings(keymap={"pivot.ip": "ctrl+o"}))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        ip = str(current(pilot)["source_ip"])
        await pilot.press("i")  # no longer bound
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.total()))
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_source_ip", ip)))
