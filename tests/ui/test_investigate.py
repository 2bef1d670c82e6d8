"""The investigation screens driven by keys: triage, top values, timeline, chain, SQL, and the
Sigma markers on the matrix.

Expected values come from what the generator recorded about the sample (``tests/facts.py``),
from records written here, or from a rule written here: never from ctir's analyses.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig, Settings
from ctir_tui.ui.screens.chain import ChainScreen
from ctir_tui.ui.screens.sql import SqlScreen
from ctir_tui.ui.screens.timeline import TimelineScreen
from ctir_tui.ui.screens.top import TopScreen
from ctir_tui.ui.screens.triage import TriageScreen
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix
from tests import facts as F
from tests.conftest import SAMPLE_LOGS
from tests.factory import record, write_s3
from tests.ui.panes import cursor_to, drawn, pane, root, text_of, view_ids, view_names
from tests.ui.pilot import main, settle, status

ATTACKER_IP = F.incident()["attacker_ips"][0]
LEAKED_KEY = F.incident()["leaked_key"]
NEW_KEY = F.incident()["new_user_key"]
ASIA_KEY = F.incident()["asia_key"]
#: The leaked user's console sign-ins (no key) and the session key the console then used.
CONSOLE_SIGN_INS = F.incident_events(
    lambda e: e["name"] == "ConsoleLogin" and e["user"] == F.incident()["leaked_user"]
)
CONSOLE_KEY = next(
    k for k in F.incident()["by_access_key"] if k not in (LEAKED_KEY, NEW_KEY, ASIA_KEY)
)

#: A rule written for these tests: its author must be shown with its hits.
RULE = """\
title: Test trail stopped
id: 0c0ffee0-0000-4000-8000-000000000001
status: test
author: Jane Tester
date: 2026-12-01
tags:
    - attack.defense-impairment
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: StopLogging
    condition: selection
level: critical
"""


def app_for(*, filters: Filters | None = None, **settings: Any) -> CtirApp:
    return CtirApp(
        ExplorerConfig(
            [str(SAMPLE_LOGS)], filters=filters or Filters(), settings=Settings(**settings)
        )
    )


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "test_trail_stopped.yml").write_text(RULE)
    return folder


# -- triage -------------------------------------------------------------------------------


async def open_triage(pilot: Pilot[Any]) -> TriageScreen:
    """Press T, as a responder does first, and return the triage pane once it is shown."""
    await pilot.press("T")
    await settle(pilot)
    return pane(pilot, TriageScreen)


async def test_triage_question_opens_on_its_events() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        triage = await open_triage(pilot)
        expected = set(F.facts()["questions"]["console-no-mfa"]["event_ids"])
        await pilot.press("2")  # the registry's second question, on every incident
        line = drawn(triage.rows)[2]
        assert "console-no-mfa" in line
        assert f" {len(expected)} " in line
        assert "HIGH" in line
        await pilot.press("enter")
        await settle(pilot)
        assert main(pilot).is_current
        assert status(pilot).startswith(F.shown(len(expected)))
        assert view_ids(pilot) == expected
        assert isinstance(app.focused, EventList)


async def test_triage_grouped_row_is_a_door() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        triage = await open_triage(pilot)
        await pilot.press("6", "space")  # first-seen, and its rows
        # The leaked user first seen from the attacker's first IP: a row of its own, whose
        # door is that user's events from that IP.
        await cursor_to(pilot, triage.rows, ATTACKER_IP)
        await pilot.press("enter")
        await settle(pilot)
        user = F.incident()["leaked_user"]
        expected = F.incident_events(lambda e: e["ip"] == ATTACKER_IP and e["user"] == user)
        assert status(pilot).startswith(F.shown(len(expected)))
        assert view_ids(pilot) == {e["id"] for e in expected}


async def test_triage_shows_a_rule_with_its_author_and_opens_its_hits(rules: Path) -> None:
    app = app_for(sigma_rules=[str(rules)])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        triage = await open_triage(pilot)
        await pilot.press("G", "space")  # the last entry: the Sigma hits
        stopped = F.count("by_event_name", "StopLogging")
        line = await cursor_to(pilot, triage.rows, "Test trail stopped")
        assert "critical" in line
        assert f" {stopped} " in line
        assert "by Jane Tester" in "\n".join(drawn(triage.rows))
        assert "Jane Tester" in text_of(triage)
        await pilot.press("enter")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(stopped))
        assert view_names(pilot) == ["StopLogging"] * stopped


async def test_opening_the_last_entry_scrolls_its_rows_into_view() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        triage = await open_triage(pilot)
        await pilot.press("G", "space")  # the Sigma entry, with ctir's own rules
        await settle(pilot)
        lines = drawn(triage.rows)
        # The entry goes to the top, under the header, so that its rows fill the screen:
        # its first rule, that rule's author line, and more.
        assert "Sigma rule hits" in lines[1]
        assert "by ctir project" in lines[3]
        assert sum("by ctir project" in line for line in lines) >= 5


# -- top values ---------------------------------------------------------------------------


async def test_top_values_rank_a_column_and_filter_to_a_value() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("number_sign")
        await settle(pilot)
        top = pane(pilot, TopScreen)
        by_principal = F.facts()["counts"]["by_principal_arn"]
        first = drawn(top.rows)[1]
        assert first.split()[0] == f"{max(by_principal.values()):,}"
        await pilot.press("2")  # source IP
        await settle(pilot)
        assert "[2 ip]" in text_of(top)
        line = await cursor_to(pilot, top.rows, ATTACKER_IP)
        assert line.split()[0] == f"{F.count('by_source_ip', ATTACKER_IP):,}"
        await pilot.press("enter")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_source_ip", ATTACKER_IP)))
        assert f"source_ip={ATTACKER_IP}" in status(pilot)


async def test_top_values_follow_the_view() -> None:
    app = app_for(filters=Filters((make("ip", ATTACKER_IP),)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("number_sign", "3")  # event names of the attacker's IP
        await settle(pilot)
        top = pane(pilot, TopScreen)
        names = Counter(e["name"] for e in F.incident_events(lambda e: e["ip"] == ATTACKER_IP))
        assert {row.data.fields["value"] for row in top.rows.rows} == set(names)
        # Drawn most frequent first.
        assert drawn(top.rows)[1].split()[0] == str(max(names.values()))


# -- timeline -----------------------------------------------------------------------------


@pytest.fixture
def timed(tmp_path: Path) -> Path:
    """Seven events: three calls at 10:00, a failure, a refusal and a success at 11:15, one
    call at 12:30 (a span of 2 h 30: five-minute buckets)."""
    folder = tmp_path / "timed"
    failed = {"errorCode": "InvalidParameterValue", "errorMessage": "no"}
    denied = {"errorCode": "AccessDenied", "errorMessage": "no"}
    write_s3(
        folder / "a.json.gz",
        [
            record(1, eventTime="2026-03-01T10:00:01Z"),
            record(2, eventTime="2026-03-01T10:01:00Z"),
            record(3, eventTime="2026-03-01T10:04:59Z"),
            record(4, eventTime="2026-03-01T11:15:00Z", **failed),
            record(5, eventTime="2026-03-01T11:16:00Z", **denied),
            record(6, eventTime="2026-03-01T11:17:00Z"),
            record(7, eventTime="2026-03-01T12:30:00Z"),
        ],
    )
    return folder


def timed_app(folder: Path) -> CtirApp:
    return CtirApp(ExplorerConfig([str(folder)], load=LoadOptions(use_cache=False)))


async def test_timeline_stacks_outcomes_in_glyphs_and_zooms(timed: Path) -> None:
    app = timed_app(timed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        timeline = pane(pilot, TimelineScreen)
        assert "buckets of 5m" in timeline.title_text
        lines = drawn(timeline.rows)
        assert lines[0].startswith("2026-03-01T10:00Z")
        assert lines[0].split()[1] == "3"
        assert set(lines[0].split()[2]) == {"="}
        assert lines[1].split()[1:] == ["0", "·"]
        line = await cursor_to(pilot, timeline.rows, "T11:15Z")
        bar = line.split()[2]
        # success, failure, denied: one of each, each at least one cell, in that order.
        assert bar.startswith("=")
        assert bar.endswith("!")
        assert bar.index("=") < bar.index("x") < bar.index("!")
        await pilot.press("enter")  # zoom to the bucket
        await settle(pilot)
        assert pilot.app.screen is timeline
        assert root(pilot).filters.labels() == [
            "since 2026-03-01T11:15Z",
            "until 2026-03-01T11:19:59.999999Z",
        ]
        assert timeline.title_text.startswith("Timeline of 3 events")
        await pilot.press("minus")  # and out again
        await settle(pilot)
        assert root(pilot).filters.labels() == []
        assert timeline.title_text.startswith("Timeline of 7 events")


async def test_timeline_range_filters_from_one_bucket_to_another(timed: Path) -> None:
    app = timed_app(timed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        timeline = pane(pilot, TimelineScreen)
        await pilot.press("space")  # the range starts at 10:00
        await cursor_to(pilot, timeline.rows, "T11:15Z")
        assert "(6 events)" in timeline.detail_text
        await pilot.press("enter")
        await settle(pilot)
        assert root(pilot).filters.labels() == [
            "since 2026-03-01T10:00Z",
            "until 2026-03-01T11:19:59.999999Z",
        ]
        await pilot.press("q")
        await settle(pilot)
        assert status(pilot).startswith("6 of 7 events")


# -- chain --------------------------------------------------------------------------------


async def test_chain_from_the_issued_session_key_walks_back_to_the_leaked_key() -> None:
    app = app_for(filters=Filters((field_clause(c.ACCESS_KEY_ID, ASIA_KEY),)))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        chain = pane(pilot, ChainScreen)
        lines = [line for line in drawn(chain.rows) if line.strip()]
        # Five sessions, each with its line of facts, in the order of the hops: the leaked
        # user's own (its console sign-in without a key, the console's session key), then
        # the user it created and the role session that user opened.
        leaked = "user/" + F.incident()["leaked_user"]
        assert leaked in lines[0]
        assert LEAKED_KEY in lines[1]
        assert "<- same user" in lines[2]
        assert leaked in lines[2]
        assert "key -" in lines[3]
        assert "<- same user" in lines[4]
        assert CONSOLE_KEY in lines[5]
        assert "<- CreateAccessKey" in lines[6]
        assert "user/" + F.incident()["new_user"] in lines[6]
        assert NEW_KEY in lines[7]
        assert "<- AssumeRole" in lines[8]
        assert F.incident()["session_name"] in lines[8]
        assert ASIA_KEY in lines[9]
        assert len(lines) == 10
        await pilot.press("j", "j", "j", "enter")  # the new user's node
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_access_key", NEW_KEY)))
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("u")  # every node's events
        await settle(pilot)
        keys = (LEAKED_KEY, CONSOLE_KEY, NEW_KEY, ASIA_KEY)
        union = sum(F.count("by_access_key", k) for k in keys) + len(CONSOLE_SIGN_INS)
        assert status(pilot).startswith(F.shown(union))


# -- SQL ----------------------------------------------------------------------------------


async def test_sql_of_the_view_is_copied() -> None:
    app = app_for(filters=Filters((make("ip", ATTACKER_IP),)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("Q")
        await settle(pilot)
        sql = pilot.app.screen
        assert isinstance(sql, SqlScreen)
        assert any("Athena" in line for line in sql.lines)
        await pilot.press("y")
        copied = app.clipboard
        assert f"'{ATTACKER_IP}'" in copied
        assert "sourceipaddress" in copied
        assert "\x1b" not in copied
        await pilot.press("d")  # CloudTrail Lake
        await settle(pilot)
        await pilot.press("y")
        assert "sourceIPAddress" in app.clipboard
        assert f"'{ATTACKER_IP}'" in app.clipboard
        await pilot.press("escape")
        await settle(pilot)
        assert main(pilot).is_current


async def test_sql_names_a_filter_it_cannot_express() -> None:
    app = app_for(filters=Filters((make("marked"),)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("Q")
        await settle(pilot)
        sql = pilot.app.screen
        assert isinstance(sql, SqlScreen)
        assert "not expressible in SQL" in "\n".join(sql.lines)
        await pilot.press("y")
        assert app.clipboard == ""


# -- Sigma on the matrix ------------------------------------------------------------------


def _matrix_text(matrix: TacticMatrix) -> str:
    return "\n".join(matrix.render_line(y).text for y in range(matrix.size.height))


async def test_a_matrix_cell_with_rule_hits_is_marked_and_opens_on_them(rules: Path) -> None:
    app = app_for(sigma_rules=[str(rules)])
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        matrix = main(pilot).query_one(TacticMatrix)
        matrix.focus()
        for _ in range(20):
            if matrix.current() == ("Defense Evasion", "StopLogging"):
                break
            await pilot.press("right" if matrix.current()[0] != "Defense Evasion" else "down")
        assert matrix.current() == ("Defense Evasion", "StopLogging")
        assert "StopLogging!" in _matrix_text(matrix)
        note = matrix.current_note() or ""
        assert "Test trail stopped" in note
        assert "Jane Tester" in note
        # A cell without hits has no marker.
        assert "DeleteTrail!" not in _matrix_text(matrix)
        # Enter keeps meaning the cell's count, and says how many the rules hit.
        await pilot.press("enter")
        await settle(pilot)
        stopped = F.count("by_event_name", "StopLogging")
        assert status(pilot).startswith(F.shown(stopped))
        said = [n.message for n in app._notifications]
        verb = "was" if stopped == 1 else "were"
        hint = f"{stopped} of these {verb} hit by Sigma rules: R shows only those"
        assert hint in said, said
        matrix.focus()
        await pilot.press("R")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(stopped))
        labels = main(pilot).filters.labels()
        assert labels[0] == "event_name=StopLogging"
        assert labels[1].startswith("Sigma hits on StopLogging")
        assert view_names(pilot) == ["StopLogging"] * stopped


async def test_rule_hits_key_narrows_the_view_to_the_hits(rules: Path) -> None:
    app = app_for(sigma_rules=[str(rules)], filters=Filters((make("tactic", "Defense Evasion"),)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        evasion = F.counts_of("by_event_name", F.DEFENSE_EVASION)
        assert status(pilot).startswith(F.shown(evasion))
        await pilot.press("R")
        await settle(pilot)
        stopped = F.count("by_event_name", "StopLogging")
        assert status(pilot).startswith(F.shown(stopped))
        assert view_names(pilot) == ["StopLogging"] * stopped


async def test_timeline_lists_gaps_and_opens_on_either_side(timed: Path) -> None:
    app = timed_app(timed)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        timeline = pane(pilot, TimelineScreen)
        await pilot.press("G")  # the gaps follow the buckets
        await settle(pilot)
        gaps = [line for line in drawn(timeline.rows) if "111122223333 / us-east-1" in line]
        # 11:17 -> 12:30 and 10:04:59 -> 11:15, both over the hour, the longest first.
        assert len(gaps) == 2
        assert gaps[0].split()[0] == "1h13m"
        assert gaps[1].split()[0] == "1h10m01s"
        await pilot.press("enter")  # the last row: the second gap
        await settle(pilot)
        assert main(pilot).is_current
        assert sorted(view_ids(pilot)) == ["evt-00000003", "evt-00000004"]
