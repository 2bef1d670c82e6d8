"""One line under the list: what the case holds about the highlighted event (tags, note).

Hidden when the case holds nothing about it, so it costs no room most of the time. Tags and
notes are the responder's words, but a note may have been pasted from a log: both are shown
inert.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget

from ctir_tui.text import inert


class CaseLine(Widget):
    """``case: marked · tags malicious, needs-review · note: ...`` for the highlighted event."""

    DEFAULT_CSS = """
    CaseLine { height: 1; display: none; background: $panel; color: $text-accent; padding: 0 1; }
    CaseLine.-shown { display: block; }
    """

    #: The line as plain text, as the user reads it ("" when hidden).
    plain = ""

    def show(self, *, marked: bool, tags: Sequence[str], note: str) -> None:
        """Show what the case holds about the event (hidden when nothing)."""
        parts = []
        if marked:
            parts.append("marked")
        if tags:
            parts.append("tags " + ", ".join(inert(t, limit=64) for t in tags))
        if note:
            parts.append("note: " + inert(note, limit=300))
        self.plain = ("case: " + " · ".join(parts) + "   (+ tag, ; note)") if parts else ""
        self.set_class(bool(parts), "-shown")
        self.refresh()

    def render(self) -> Content:
        """The line, as plain text (never markup)."""
        return Content(self.plain)
