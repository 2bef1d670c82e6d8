"""The columns chooser (``v``): which columns the event list shows, remembered in config.

Space (or enter on a row) shows or hides a column; esc or ``v`` closes and keeps the choice.
A column that is chosen but does not fit the width is left out until there is room.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from ctir_tui.ui.widgets._list_format import COLUMNS, Column

#: Which of a choice of columns the list shows, and which it leaves out as telling nothing
#: apart in its view (see :meth:`EventList.fitting`).
Fitting = Callable[[tuple[str, ...]], tuple[frozenset[str], frozenset[str]]]


def _prompts(chosen: tuple[str, ...], fitting: Fitting) -> list[str]:
    """Each column's row: title, whether it is shown (and why not), description."""
    shown, empty = fitting(chosen)
    return [_prompt(column, chosen, shown, empty) for column in COLUMNS]


def _prompt(
    column: Column, chosen: tuple[str, ...], shown: frozenset[str], empty: frozenset[str]
) -> str:
    # Said in words too: the toggle's colour alone is lost with NO_COLOR. A column chosen
    # that the list leaves out is not said to be shown.
    if column.key not in chosen:
        state = "hidden"
    elif column.key in shown:
        state = "shown"
    else:
        state = "no data" if column.key in empty else "no room"
    return f"{column.title:<11} {state:<7} {column.description}"


class ColumnsScreen(ModalScreen[tuple[str, ...]]):
    """Tick the columns to show; dismissed with the keys chosen, in display order."""

    HELP_TITLE: ClassVar[str] = "Columns"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,v,q", "close", "Close and keep", id="columns.close"),
    ]
    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen > Vertical {
        width: 62; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface;
    }
    ColumnsScreen SelectionList { height: auto; max-height: 16; border: none; }
    ColumnsScreen #columns-hint { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, shown: tuple[str, ...], fitting: Fitting) -> None:
        """Create the chooser with ``shown`` ticked; ``fitting`` says which of a choice of
        columns the list's width has room for."""
        super().__init__()
        self.shown = shown
        self.fitting = fitting

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Columns"
            prompts = _prompts(self.shown, self.fitting)
            yield SelectionList[str](
                *(
                    Selection(prompt, c.key, c.key in self.shown)
                    for c, prompt in zip(COLUMNS, prompts, strict=True)
                ),
                id="columns-list",
            )
            yield Static(
                "space shows/hides · no room: left out at this width · no data: "
                "nothing to tell apart in this view · esc closes (kept in config)",
                id="columns-hint",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    @on(SelectionList.SelectedChanged)
    def _changed(self) -> None:
        choices = self.query_one(SelectionList)
        chosen = set(choices.selected)
        self.shown = tuple(c.key for c in COLUMNS if c.key in chosen)
        for index, prompt in enumerate(_prompts(self.shown, self.fitting)):
            choices.replace_option_prompt_at_index(index, prompt)

    def action_close(self) -> None:
        """Close, handing back the columns chosen."""
        self.dismiss(self.shown)
