"""Asks before quitting from the first view: ``q`` there is too easy to press by mistake.

A second ``q`` (or ``y``, or enter) quits; ``n`` or esc stays. ctrl+c and ctrl+q never ask.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class QuitScreen(ModalScreen[bool]):
    """ "Quit ctir?" — dismissed with True to quit, False to stay."""

    HELP_TITLE: ClassVar[str] = "Quit?"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,y,enter", "answer(True)", "Quit", id="quit.yes"),
        Binding("n,escape", "answer(False)", "Stay", id="quit.no"),
    ]
    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > Vertical {
        width: auto; max-width: 90%; height: auto;
        border: round $warning; background: $surface; padding: 0 2;
    }
    QuitScreen Static { width: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Quit ctir?", id="quit-question")
            yield Static("q or y: quit    n or esc: stay", id="quit-keys")

    def action_answer(self, quit_: bool) -> None:
        """Close with the answer."""
        self.dismiss(quit_)
