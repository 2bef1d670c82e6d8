"""The explorer fills while it parses: the rows read so far are on screen and usable.

The load is held after its first batch (one file) by a gate in the loading thread, so
what the screen shows then is exactly that file's records, written here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from ctir_tui.engine import background as background_module
from ctir_tui.engine.background import BackgroundLoad
from ctir_tui.engine.pipeline import load as load_module
from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix
from tests.factory import record, write_s3
from tests.ui.pilot import current, main, settle, status

#: Rounds of letting messages run while the load is held (it never completes meanwhile).
ROUNDS = 400


async def until(pilot: Pilot[Any], ready: Any) -> None:
    """Let the app run until ``ready()``, without waiting for the held load."""
    for _ in range(ROUNDS):
        await pilot.pause()
        if ready():
            return
    raise AssertionError("the screen never showed the rows read so far")


def _names(pilot: Pilot[Any]) -> list[str]:
    return [str(n) for n in main(pilot).query_one(EventList).frame.get_column("event_name")]


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Hand out every batch at once, and hold the load after the first rows are shown."""
    monkeypatch.setattr(load_module, "PARTIAL_EVERY", 0.0)
    monkeypatch.setattr(load_module, "BATCH_FILES", 1)
    monkeypatch.setattr(background_module, "PARTIAL_INTERVAL", 0.0)
    gate = threading.Event()
    handed = BackgroundLoad._partial

    def hand_then_wait(self: BackgroundLoad, rows: LoadResult) -> None:
        handed(self, rows)  # on the loading thread: the load waits here
        gate.wait(timeout=60)

    monkeypatch.setattr(BackgroundLoad, "_partial", hand_then_wait)
    yield gate
    gate.set()  # a failed test must not leave the load held


async def test_the_first_file_is_explorable_before_the_load_ends(
    tmp_path: Path, held: threading.Event
) -> None:
    logs = tmp_path / "logs"
    trail = "cloudtrail.amazonaws.com"
    write_s3(
        logs / "a.json.gz",
        [record(2), record(1, eventName="StopLogging", eventSource=trail)],
    )
    write_s3(logs / "b.json.gz", [record(3), record(4, sourceIPAddress="203.0.113.9")])
    write_s3(logs / "c.json.gz", [record(5), record(6, eventName="DeleteTrail", eventSource=trail)])
    options = LoadOptions(use_cache=False, workers=1, processes=False)
    app = CtirApp(ExplorerConfig([str(logs)], load=options))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: main(pilot).session is not None and main(pilot).view is not None)
        # File a only, in time order, with the status saying the load goes on.
        assert _names(pilot) == ["StopLogging", "ListUsers"]
        assert status(pilot).startswith("2 of 2 events")
        assert "loading" in status(pilot)
        matrix = main(pilot).query_one(TacticMatrix).matrix
        assert matrix is not None
        assert {t.name: t.count for t in matrix.tactics}["Defense Evasion"] == 1
        # A filter made now stays on when the rest arrives.
        await pilot.press("e")  # pivot: this event name (StopLogging, under the cursor)
        await until(pilot, lambda: status(pilot).startswith("1 of 2 events"))
        held.set()
        await settle(pilot)
        assert status(pilot).startswith("1 of 6 events")
        assert "loading" not in status(pilot)
        assert _names(pilot) == ["StopLogging"]
        await pilot.press("left_square_bracket")  # back: every event
        await settle(pilot)
        assert _names(pilot) == [
            "StopLogging",
            "ListUsers",
            "ListUsers",
            "ListUsers",
            "ListUsers",
            "DeleteTrail",
        ]


async def test_a_cursor_left_at_the_top_stays_at_the_top_as_rows_arrive(
    tmp_path: Path, held: threading.Event
) -> None:
    logs = tmp_path / "logs"
    write_s3(logs / "a.json.gz", [record(5, eventName="StopLogging"), record(6)])
    write_s3(logs / "b.json.gz", [record(1, eventName="GetCallerIdentity"), record(7)])
    options = LoadOptions(use_cache=False, workers=1, processes=False)
    app = CtirApp(ExplorerConfig([str(logs)], load=options))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: main(pilot).view is not None)
        assert current(pilot)["event_name"] == "StopLogging"  # file a's first
        held.set()
        await settle(pilot)
        # b's earlier call is now the first event, and the untouched cursor is on it.
        assert _names(pilot)[:2] == ["GetCallerIdentity", "StopLogging"]
        assert current(pilot)["event_name"] == "GetCallerIdentity"


async def test_a_folder_with_nothing_readable_says_so(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "empty.json").write_bytes(b"")
    (logs / "notes.txt").write_text("not a log\n", encoding="utf-8")
    app = CtirApp(ExplorerConfig([str(logs)], load=LoadOptions(use_cache=False)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith("0 of 0 events")
        said = [n.message for n in app._notifications]
        assert any(m.startswith("nothing could be read: ") for m in said), said
        assert any("skipped (L says why)" in m for m in said), said


async def test_the_sigma_rules_wait_for_every_event(tmp_path: Path, held: threading.Event) -> None:
    # Over the rows read so far the rules would compete with the parse and the first view,
    # and run again at every refresh: they run once, when the load is complete.
    logs = tmp_path / "logs"
    trail = "cloudtrail.amazonaws.com"
    write_s3(logs / "a.json.gz", [record(1), record(2)])
    write_s3(logs / "b.json.gz", [record(3, eventName="StopLogging", eventSource=trail)])
    options = LoadOptions(use_cache=False, workers=1, processes=False)
    app = CtirApp(ExplorerConfig([str(logs)], load=options))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: main(pilot).view is not None)
        await pilot.press("R")
        said = [n.message for n in app._notifications]
        assert "the Sigma rules run once every event is read" in said
        held.set()
        await settle(pilot)
        findings = main(pilot).findings
        assert findings is not None
        assert findings.sigma is not None
        await pilot.press("R")  # the hits of the whole evidence: the StopLogging of file b
        await settle(pilot)
        assert status(pilot).startswith("1 of 3 events")
        assert _names(pilot) == ["StopLogging"]
