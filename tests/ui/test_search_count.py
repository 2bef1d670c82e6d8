"""A search says which of its matches the cursor is on: ``match 2 of 3: needle``."""

from __future__ import annotations

from pathlib import Path

from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from tests.factory import record, write_s3
from tests.ui.pilot import current, search_for, settle, status

NEEDLE = "needle-agent/1.0"


def _trail(root: Path) -> Path:
    # Six events, one second apart; the 2nd, 3rd and 5th carry the needle.
    agents = {2: NEEDLE, 3: f"Boto3 {NEEDLE}", 5: NEEDLE.upper()}
    write_s3(
        root / "a.json.gz",
        [record(n, userAgent=agents.get(n, "aws-cli/2.15.0")) for n in range(1, 7)],
    )
    return root


async def test_search_counts_its_matches_as_the_cursor_moves(tmp_path: Path) -> None:
    logs = _trail(tmp_path / "logs")
    app = CtirApp(ExplorerConfig([str(logs)], load=LoadOptions(use_cache=False)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search_for(pilot, "needle")
        assert current(pilot)["event_id"] == "evt-00000002"
        # Right after the counts, where 80 columns still show it.
        assert status(pilot).startswith("6 of 6 events  match 1 of 3: needle")
        await pilot.press("n")
        await settle(pilot)
        assert current(pilot)["event_id"] == "evt-00000003"
        assert "match 2 of 3: needle" in status(pilot)
        await pilot.press("n", "n")  # the 5th, then round to the first again
        await settle(pilot)
        assert current(pilot)["event_id"] == "evt-00000002"
        assert "match 1 of 3: needle" in status(pilot)
        await pilot.press("N")  # backwards, round to the last
        await settle(pilot)
        assert current(pilot)["event_id"] == "evt-00000005"
        assert "match 3 of 3: needle" in status(pilot)
        # Newest first: the list's order is the count's order.
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("n")  # down the list from the 5th: the 3rd, now second of three
        await settle(pilot)
        assert current(pilot)["event_id"] == "evt-00000003"
        assert "match 2 of 3: needle" in status(pilot)
        await pilot.press("n")  # the oldest match is the last one down the list
        await settle(pilot)
        assert current(pilot)["event_id"] == "evt-00000002"
        assert "match 3 of 3: needle" in status(pilot)
        # Another view: its rows are not the ones counted.
        await pilot.press("e")  # pivot on the event name (every event is ListUsers)
        await settle(pilot)
        assert "match" not in status(pilot)
