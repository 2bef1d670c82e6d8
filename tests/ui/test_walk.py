"""The walk: from launch to the attacker's whole activity, in the keys the README gives.

The keys are read from the README (between ``<!-- walk-keys -->`` and its end marker, as
tmux send-keys arguments) and pressed as a user would, with no cursor move that depends on
the data. They must work on any incident of the sample's shape: here on ``sample_logs/``
and on a fresh one the generator writes with another seed. What the last view must hold
comes from the facts the generator records about the incident it wrote.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.gen.sample import write_sample
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from ctir_tui.ui.widgets.event_list import EventList
from tests import facts as F
from tests.conftest import SAMPLE_LOGS
from tests.ui.pilot import main, settle

README = Path(__file__).resolve().parents[2] / "README.md"
#: tmux key names as Textual names them.
TMUX_KEYS = {"Enter": "enter", "Escape": "escape", "Tab": "tab", "Space": "space"}
MOST_KEYS = 10


def walk_keys() -> list[str]:
    """The README's walk, as Textual key names."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- walk-keys -->(.*?)<!-- /walk-keys -->", text, re.S)
    assert found, "the README has no walk-keys section"
    line = found.group(1).strip().strip("`").strip()
    return [TMUX_KEYS.get(k, k) for k in shlex.split(line)]


def test_the_walk_is_at_most_ten_keys() -> None:
    assert 0 < len(walk_keys()) <= MOST_KEYS


@pytest.fixture(scope="module")
def fresh_incident(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """An incident of the sample's shape the project never saw (another seed)."""
    root = tmp_path_factory.mktemp("walk")
    facts = root / "facts.json"
    write_sample(root / "logs", seed=20261201, force=True, facts_path=facts)
    return root / "logs", orjson.loads(facts.read_bytes())["incident"]


async def _walk(logs: Path) -> set[tuple[str, str, str, str]]:
    app = CtirApp(ExplorerConfig([str(logs)]))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for key in walk_keys():
            await pilot.press(key)
            await settle(pilot)
        view = main(pilot).view
        assert view is not None
        # The highlighted event (the detail's) is among the rows shown.
        events = main(pilot).query_one(EventList)
        top = int(events.scroll_offset.y)
        assert top <= events.cursor_row < top + events.size.height - 1
        rows = view.select("event_id", "source_ip", "access_key_id", "event_name")
        return {tuple(str(v) for v in row) for row in rows.iter_rows()}  # type: ignore[misc]


def _check(shown: set[tuple[str, str, str, str]], incident: dict[str, Any]) -> None:
    ids = {r[0] for r in shown}
    events = incident["events"]
    # Every event with an identity (a failed sign-in of an unknown user has none to follow).
    known = [e for e in events if e["arn"] is not None]
    missing = [(e["time"], e["name"]) for e in known if e["id"] not in ids]
    assert not missing, missing
    assert set(incident["attacker_ips"]) <= {r[1] for r in shown}
    assert set(incident["by_access_key"]) <= {r[2] for r in shown}
    # Every call the attacker made is there, hence every tactic its calls map to.
    assert {e["name"] for e in events} <= {r[3] for r in shown}


async def test_the_walk_finds_the_attacker_in_the_sample() -> None:
    _check(await _walk(SAMPLE_LOGS), F.incident())


async def test_the_walk_finds_the_attacker_in_an_incident_never_seen(
    fresh_incident: tuple[Path, dict[str, Any]],
) -> None:
    logs, incident = fresh_incident
    assert incident["leaked_key"] != F.incident()["leaked_key"]  # another incident indeed
    _check(await _walk(logs), incident)
