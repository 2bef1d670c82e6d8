"""The case's dialogs: tag the event (``+``), write its note and the case notes (``;``), and
choose where the bundle goes (``X``).

Each is a small modal over the list; Enter answers, esc cancels. What they show from the case
or the evidence (notes, tags, the event's principal) is made inert; what the responder types
is theirs. The export dialog refuses a folder inside (or beside a file of) the evidence and a
folder that is not empty, and says why, without closing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Static

from ctir_tui.engine.query.marks import COMMON_TAGS
from ctir_tui.paths import inside_evidence
from ctir_tui.text import inert

_DIALOG_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 90%;
        max-width: 100;
        height: auto;
        border: round $accent;
        border-title-style: bold;
        padding: 0 1;
        background: $surface;
    }}
    & Static {{ width: 100%; }}
    & .-hint {{ color: $text-muted; }}
    & .-error {{ color: $text-error; text-style: bold; }}
    & Input, & Input:focus {{
        border: none; height: 1; padding: 0 1; margin: 0 0 1 0; background: $boost;
    }}
    & Input:focus {{ background: $panel; text-style: bold; }}
    & Checkbox {{ border: none; padding: 0; }}
}}
"""


def _text(value: str) -> Content:
    return Content(value)


class BoxCheckbox(Checkbox):
    """A checkbox drawn ``[x]`` / ``[ ]``: Textual's shows its ``X`` either way and tells
    them apart by colour alone, which NO_COLOR and 16-colour terminals lose."""

    @property
    def _button(self) -> Content:
        return Content("[x]" if self.value else "[ ]")


class _Dialog(ModalScreen[object]):
    """A modal with a title; esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]
    TITLE_TEXT: ClassVar[str] = ""

    def action_cancel(self) -> None:
        """Close without an answer."""
        self.dismiss(None)

    def _box(self) -> Vertical:
        box = Vertical()
        box.border_title = self.TITLE_TEXT
        return box


@dataclass(frozen=True, slots=True)
class TagAnswer:
    """Add ``word`` (or remove it, ``remove``)."""

    word: str
    remove: bool = False


class TagPrompt(_Dialog):
    """Tag the highlighted event: ``malicious``, ``benign``, ``needs-review`` or any word."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="TagPrompt")
    TITLE_TEXT = "Tag the event"

    def __init__(self, event: str, tags: Sequence[str], known: Sequence[str] = ()) -> None:
        """Create the dialog.

        Args:
            event: The event, one line (from the log: made inert here).
            tags: The tags it carries.
            known: Other tags of the case, offered as completions.
        """
        super().__init__()
        self.event = event
        self.tags = tuple(tags)
        self.known = tuple(dict.fromkeys((*COMMON_TAGS, *known)))

    def compose(self) -> ComposeResult:
        """The event, its tags, the input and what may be typed."""
        with self._box():
            yield Static(_text(inert(self.event, limit=300)), id="tag-event")
            shown = ", ".join(inert(t, limit=64) for t in self.tags) or "none yet"
            yield Static(_text(f"tags: {shown}"), id="tag-current")
            yield Input(
                placeholder="malicious, benign, needs-review or any word",
                suggester=SuggestFromList(self.known, case_sensitive=False),
                id="tag-input",
            )
            yield Static(
                _text(
                    "enter tags (and marks) it · -word removes a tag · "
                    "right arrow completes · esc cancels"
                ),
                classes="-hint",
            )

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        if not text:
            self.dismiss(None)
            return
        remove = text.startswith("-")
        self.dismiss(TagAnswer(text.removeprefix("-").strip(), remove))


@dataclass(frozen=True, slots=True)
class NoteAnswer:
    """The event's note (None: unchanged) and a paragraph for the case notes ("" none)."""

    note: str | None
    case_notes: str


class NotePrompt(_Dialog):
    """The note on the highlighted event, and a paragraph to add to the case's notes."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="NotePrompt")
    TITLE_TEXT = "Notes"

    def __init__(self, event: str | None, note: str, case_notes: str) -> None:
        """Create the dialog.

        Args:
            event: The event, one line (None: no event under the cursor, case notes only).
            note: Its note now.
            case_notes: The case's notes now (the last lines are shown).
        """
        super().__init__()
        self.event = event
        self.note = note
        self.case_notes = case_notes

    def compose(self) -> ComposeResult:
        """The event and its note, then the case's notes and a line to add to them."""
        with self._box():
            if self.event is not None:
                yield Static(_text(inert(self.event, limit=300)), id="note-event")
                yield Input(
                    value=inert(self.note, limit=None),
                    placeholder="a note on this event (empty removes it)",
                    id="note-input",
                )
            tail = [line for line in self.case_notes.splitlines() if line.strip()][-3:]
            shown = " / ".join(inert(line, limit=200) for line in tail) or "none yet"
            yield Static(_text(f"case notes: {shown}"), id="note-case")
            yield Input(placeholder="add a paragraph to the case notes", id="case-input")
            yield Static(_text("enter saves both · tab next field · esc cancels"), classes="-hint")

    def on_mount(self) -> None:
        """The event's note first."""
        first = "#note-input" if self.event is not None else "#case-input"
        self.query_one(first, Input).focus()

    @on(Input.Submitted)
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        note: str | None = None
        if self.event is not None:
            typed = self.query_one("#note-input", Input).value
            # What was shown is the inert form: unchanged means the note stays as it was.
            note = None if typed == inert(self.note, limit=None) else typed
        added = self.query_one("#case-input", Input).value.strip()
        self.dismiss(NoteAnswer(note, added))


@dataclass(frozen=True, slots=True)
class ExportAnswer:
    """Where the bundle goes, and whether it holds the view instead of the marked events."""

    folder: Path
    view: bool


def suggested_folder(evidence: Sequence[str], now: datetime | None = None) -> Path:
    """A new folder for a bundle: in the working folder, else home, never in the evidence."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    name = f"ctir-bundle-{stamp}"
    for base in (Path.cwd(), Path.home()):
        if not inside_evidence(base / name, evidence):
            return base / name
    return Path(os.sep) / "tmp" / name


def refusal(folder: Path, evidence: Sequence[str]) -> str | None:
    """Why the bundle cannot go into ``folder`` (None: it can)."""
    if inside_evidence(folder, evidence) or inside_evidence(folder / "report.md", evidence):
        return "that is inside the evidence, which is never written to: choose another folder"
    if folder.exists() and not folder.is_dir():
        return "that is a file: choose a folder"
    if folder.is_dir() and any(folder.iterdir()):
        return "that folder is not empty: choose a new or empty one"
    return None


class ExportPrompt(_Dialog):
    """Where to write the case bundle (a new or empty folder outside the evidence)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ExportPrompt")
    TITLE_TEXT = "Export the case bundle"

    def __init__(self, evidence: Sequence[str], marked: int, view: int, folder: Path) -> None:
        """Create the dialog.

        Args:
            evidence: The evidence paths (a folder among them is refused).
            marked: Marked events (what the bundle holds by default).
            view: Events of the view (what it holds with the box ticked).
            folder: The folder proposed.
        """
        super().__init__()
        self.evidence = list(evidence)
        self.marked = marked
        self.view_count = view
        self.folder = folder

    def compose(self) -> ComposeResult:
        """What goes in the bundle, the folder, and why a folder is refused."""
        with self._box():
            yield Static(
                _text(
                    f"report.md, report.html, events.jsonl, timesketch.jsonl, manifest.json, "
                    f"SHA256SUMS: the {self.marked:,} marked event{'' if self.marked == 1 else 's'}"
                ),
                id="export-what",
            )
            yield Input(value=inert(str(self.folder), limit=None), id="export-folder")
            noun = "event" if self.view_count == 1 else "events"
            yield BoxCheckbox(
                f"the {self.view_count:,} {noun} of the view instead (tab, space)",
                id="export-view",
            )
            yield Static("", classes="-error", id="export-error")
            yield Static(
                _text("enter writes · a new or empty folder outside the evidence · esc cancels"),
                classes="-hint",
            )

    def on_mount(self) -> None:
        """The folder first."""
        self.query_one("#export-folder", Input).focus()

    @on(Input.Submitted, "#export-folder")
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        if not text:
            return
        folder = Path(text).expanduser()
        why = refusal(folder, self.evidence)
        if why is not None:
            self.query_one("#export-error", Static).update(_text(why))
            return
        view = self.query_one("#export-view", Checkbox).value
        self.dismiss(ExportAnswer(folder.absolute(), view))
