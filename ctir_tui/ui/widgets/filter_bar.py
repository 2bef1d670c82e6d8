"""The filter bar: active filters as removable chips, and a one-line input to add one.

What is typed is the filter language of :mod:`ctir_tui.engine.query.language`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.language import FLAGS, HINT, WORDS, parse_filter
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.text import inert


def misspelt_word(typed: str) -> tuple[str, str] | None:
    """The filter word ``typed`` seems to misspell (``principle`` for ``principal``), if any.

    Free text is any text that starts with no filter word, so a typo would silently search
    the text for it; when the first word is close to a filter word the bar asks instead.
    Returns the word meant and the rest of what was typed.
    """
    words = typed.strip().split(None, 1)
    if words and words[0].lower() in ("not", "!"):
        words = words[1].split(None, 1) if len(words) > 1 else []
    if not words or words[0].lower() in WORDS:
        return None
    first = words[0].lower()
    candidates = [w for w in WORDS if len(w) > 2]
    close = difflib.get_close_matches(first, candidates, n=1, cutoff=0.75)
    if not close:
        return None
    word = close[0]
    if word not in FLAGS and len(words) < 2:
        return None  # one word alone is most likely the text searched for
    return word, words[1] if len(words) > 1 else ""


class FilterBar(Widget, can_focus=True):
    """Shows the active filters; left/right pick one, delete removes it."""

    #: The pane's name in the help screen and the command palette.
    HELP_TITLE: ClassVar[str] = "Filter bar"

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar #chips { height: auto; max-height: 2; }
    FilterBar #filter-line { display: none; height: 1; }
    FilterBar.-editing #filter-line { display: block; }
    FilterBar #filter-label { width: auto; padding: 0 1; text-style: bold; }
    FilterBar Input, FilterBar Input:focus {
        height: 1; border: none; padding: 0 1; background: $boost;
    }
    FilterBar #error { display: none; color: $error; height: auto; max-height: 2; }
    FilterBar.-error #error { display: block; }
    FilterBar #understood { display: none; height: 1; color: $text-muted; padding: 0 1; }
    FilterBar.-editing #understood { display: block; }
    FilterBar.-error #understood { display: none; }
    FilterBar:focus #chips { background: $accent 40%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "select(-1)", "Previous filter", id="filters.left", show=False),
        Binding("right,l", "select(1)", "Next filter", id="filters.right", show=False),
        Binding("delete,backspace,x", "remove", "Remove filter", id="filters.remove"),
    ]

    selected: reactive[int] = reactive(-1)

    @dataclass
    class Remove(Message):
        """The user removed the chip at ``index``."""

        index: int

    @dataclass
    class Added(Message):
        """The user typed a valid filter."""

        clause: Clause

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels: list[str] = []
        self._ors: list[bool] = []
        self._known_tactics: list[str] = []

    @dataclass
    class Closed(Message):
        """The user left the input (esc) without adding a filter."""

    def compose(self) -> ComposeResult:
        yield Static(id="chips")
        with Horizontal(id="filter-line"):
            yield Static("filter ›", id="filter-label")
            yield Input(placeholder=HINT, id="filter-input")
        yield Static(id="understood")
        yield Static(id="error")

    def set_filters(
        self,
        labels: Sequence[str],
        known_tactics: Sequence[str],
        ors: Sequence[bool] | None = None,
    ) -> None:
        """Show these filter labels as chips (``ors``: each ORs with the one before it)."""
        self._labels = list(labels)
        self._ors = list(ors) if ors is not None else [False] * len(self._labels)
        self._known_tactics = list(known_tactics)
        if self.selected >= len(self._labels):
            self.selected = len(self._labels) - 1
        self._render_chips()

    def watch_selected(self) -> None:
        self._render_chips()

    def _render_chips(self) -> None:
        text = Text(no_wrap=False)
        # Focus is said in words too: a background alone is lost without colour.
        focused = self.is_mounted and self.screen.focused is self
        if focused:
            text.append("▶filters ", style="bold reverse")
        else:
            text.append(" filters ", style="bold")
        if not self._labels:
            text.append("none (= add, p/i/a/s/e pivot, ? help)", style="dim")
        for index, label in enumerate(self._labels):
            if index and self._ors[index]:
                text.append("or ", style="italic")
            chosen = focused and index == self.selected
            style = "reverse bold" if chosen else "bold"
            text.append(f"[{inert(label, limit=60)} ×]", style=style)
            text.append(" ")
        if focused and self._labels:
            text.append(" ←/→ pick, del removes, tab leaves", style="dim")
        if self.is_mounted:
            self.query_one("#chips", Static).update(text)

    def on_focus(self) -> None:
        if self.selected < 0 and self._labels:
            self.selected = len(self._labels) - 1
        self._render_chips()

    def on_blur(self) -> None:
        self._render_chips()

    def action_select(self, step: int) -> None:
        if self._labels:
            self.selected = (max(self.selected, 0) + step) % len(self._labels)

    def action_remove(self) -> None:
        if 0 <= self.selected < len(self._labels):
            self.post_message(self.Remove(self.selected))

    def open_input(self, prefill: str = "") -> None:
        """Show the input, focused, optionally pre-filled (e.g. ``"ip "``)."""
        self.add_class("-editing")
        field = self.query_one(Input)
        field.value = prefill
        field.cursor_position = len(prefill)
        field.focus()

    def close_input(self) -> None:
        """Hide the input and any error."""
        self.remove_class("-editing", "-error")
        self.query_one(Input).value = ""
        self.query_one("#understood", Static).update("")

    def show_error(self, message: str) -> None:
        """Show why a filter was refused, keeping the current view."""
        self.add_class("-error")
        self.query_one("#error", Static).update(Text(inert(message, limit=300)))

    def understand(self, typed: str) -> tuple[Clause | None, str]:
        """What ``typed`` means: the clause (None if refused) and a line saying so."""
        if not typed.strip():
            return None, "type a filter; esc closes"
        try:
            clause = parse_filter(typed, self._known_tactics)
        except FILTER_ERRORS as exc:
            return None, str(exc)
        guess = misspelt_word(typed)
        if guess is not None:
            word, rest = guess
            return None, (
                f"{clause.label()} — did you mean {word}? Type '{word} {rest}', "
                f"or 'text {typed.strip()}' to search the text"
            )
        return clause, f"→ {clause.label()}"

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        clause, said = self.understand(event.value)
        if clause is None:
            self.show_error(said)
            return
        self.close_input()
        self.post_message(self.Added(clause))

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        self.remove_class("-error")
        _, said = self.understand(event.value)
        self.query_one("#understood", Static).update(Text(inert(said, limit=300)))

    def key_escape(self) -> None:
        """Esc leaves the input, adding nothing."""
        if self.has_class("-editing"):
            self.close_input()
            self.post_message(self.Closed())
