"""The highlighted event's list cells in full (``V``, as in VisiData): what a column cuts.

A narrow list cuts principals, user agents and targets; this page shows every column of
the event whole (the principal as its full ARN), wrapped, as inert text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from ctir_tui.ui.screens.paged import PagedTextScreen

#: Cells of the titles column (the longest title, "Time (UTC)", and a space).
TITLE_WIDTH = 12


class ValuesScreen(PagedTextScreen):
    """Every column of one event, whole; ``esc``, ``q`` or ``V`` close it."""

    HELP_TITLE: ClassVar[str] = "Full values"
    DIALOG_TITLE: ClassVar[str] = "Full values of the event"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("V", "close", "Close", id="values.close", show=False),
    ]

    def __init__(self, values: list[tuple[str, str]]) -> None:
        """Show ``values``: (column title, value already made inert)."""
        self.values = values
        super().__init__()

    def texts(self) -> Iterable[Text]:
        """One line per column: its title, then its whole value (wrapped)."""
        for title, value in self.values:
            yield Text.assemble((f"{title:<{TITLE_WIDTH}}", "bold"), value)
