"""The case in the explorer, by keys: marks, tags and notes that survive a restart, the
gutter's glyphs, and the bundle written from the list.

The state directory is the temporary one every test gets (``tests/conftest.py``); the
expected events come from the generator's facts.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from ctir_tui import paths
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from ctir_tui.ui.screens.case_prompts import BoxCheckbox, ExportPrompt, NotePrompt, TagPrompt
from ctir_tui.ui.widgets.case_line import CaseLine
from ctir_tui.ui.widgets.event_list import EventList
from tests import facts as F
from tests.conftest import SAMPLE_LOGS
from tests.ui.pilot import current, main, settle, status, type_text

ATTACKER_IP = F.incident()["attacker_ips"][0]
#: The attacker's first three calls from that IP, in time order.
FIRST_THREE = [e["id"] for e in F.incident_events(lambda e: e["ip"] == ATTACKER_IP)][:3]


def app_for(filters: Filters) -> CtirApp:
    return CtirApp(ExplorerConfig([str(SAMPLE_LOGS)], filters=filters))


def gutter(events: EventList, row: int) -> str:
    """The two gutter cells (mark or tag glyph, failure) of displayed ``row``."""
    return events.render_line(row + 1 - int(events.scroll_offset.y)).text[:2]


async def test_marks_tags_and_notes_survive_a_restart() -> None:
    app = app_for(Filters((make("ip", ATTACKER_IP),)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert current(pilot)["event_id"] == FIRST_THREE[0]
        await pilot.press("m")
        await pilot.press("j", "plus")
        prompt = pilot.app.screen
        assert isinstance(prompt, TagPrompt)
        await type_text(pilot, "malicious")
        assert prompt.query_one("#tag-input", Input).value == "malicious"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("j", "semicolon")
        notes = pilot.app.screen
        assert isinstance(notes, NotePrompt)
        await type_text(pilot, "recon starts here")
        await pilot.press("tab")
        await type_text(pilot, "svc-backup key leaked")
        assert notes.query_one("#note-input", Input).value == "recon starts here"
        assert notes.query_one("#case-input", Input).value == "svc-backup key leaked"
        await pilot.press("enter")
        await settle(pilot)
        events = main(pilot).query_one(EventList)
        assert [gutter(events, r)[0] for r in range(3)] == ["*", "M", "*"]
        assert "note: recon starts here" in main(pilot).query_one(CaseLine).plain
    # Saved in the state directory, never beside the evidence.
    assert list(paths.cases_dir().glob("*.json"))
    assert not list(SAMPLE_LOGS.rglob("*.case*"))

    again = app_for(Filters((make("marked"),)))
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(F.shown(3))
        view = main(pilot).view
        assert view is not None
        assert view.get_column("event_id").to_list() == FIRST_THREE
        events = main(pilot).query_one(EventList)
        assert [gutter(events, r)[0] for r in range(3)] == ["*", "M", "*"]
        await pilot.press("j")
        await settle(pilot)
        assert "tags malicious" in main(pilot).query_one(CaseLine).plain
        await pilot.press("semicolon")
        shown = pilot.app.screen.query_one("#note-case", Static).render()
        assert "svc-backup key leaked" in str(shown)
        await pilot.press("escape")

    tagged = app_for(Filters((make("tag", "malicious"),)))
    async with tagged.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(F.shown(1))
        assert current(pilot)["event_id"] == FIRST_THREE[1]


async def test_unmarking_drops_the_event_from_the_marked_view() -> None:
    app = app_for(Filters((make("ip", ATTACKER_IP),)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m", "j", "m", "k", "m")  # mark two, unmark the first
        await settle(pilot)
    again = app_for(Filters((make("marked"),)))
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith(F.shown(1))
        assert current(pilot)["event_id"] == FIRST_THREE[1]


async def test_the_bundle_is_written_where_asked_and_says_so(tmp_path: Path) -> None:
    app = app_for(Filters((make("ip", ATTACKER_IP),)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m", "j", "m")
        await settle(pilot)
        await pilot.press("X")
        prompt = pilot.app.screen
        assert isinstance(prompt, ExportPrompt)
        box = prompt.query_one(BoxCheckbox)
        assert "[ ]" in str(box.render())  # readable without colour
        # The evidence is refused, and the dialog stays open saying why.
        await pilot.press("ctrl+u")
        await type_text(pilot, str(SAMPLE_LOGS / "out"))
        await pilot.press("enter")
        assert pilot.app.screen is prompt
        error = str(prompt.query_one("#export-error", Static).render())
        assert "inside the evidence" in error
        folder = tmp_path / "bundle"
        await pilot.press("ctrl+u")
        await type_text(pilot, str(folder))
        await pilot.press("enter")
        await settle(pilot)
        assert main(pilot).is_current
        said = [n.message for n in app._notifications]
        assert any(f"wrote 2 events to {folder}" in m for m in said), said
    written = {p.name for p in folder.iterdir()}
    assert {"report.md", "report.html", "events.jsonl", "manifest.json", "SHA256SUMS"} <= written
    lines = (folder / "events.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert FIRST_THREE[0] in lines[0]
    assert FIRST_THREE[1] in lines[1]
