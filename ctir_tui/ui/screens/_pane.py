"""The frame of the investigation screens: a title line, the rows, a detail line, the keys.

Each screen (triage, top values, timeline, chain) is a full screen over the main one, so that
it has the whole terminal at 80x24; ``q`` or esc goes back. Its rows are a
:class:`~ctir_tui.ui.widgets.row_list.RowList`; the title says what was asked of which view
(and "computing..." while a worker answers), the detail line what Enter on the highlighted
row would do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from ctir_tui.ui.widgets.row_list import Part, RowList


class PaneScreen(Screen[None]):
    """A title, a list of rows, a detail line and a line of keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="pane.close"),
    ]

    DEFAULT_CSS = """
    PaneScreen {
        layout: vertical;
        & > .pane--title {
            height: 1; background: $panel; text-style: bold; padding: 0 1;
            text-wrap: nowrap; text-overflow: ellipsis;
        }
        & > .pane--extra { height: auto; max-height: 3; padding: 0 1; text-wrap: nowrap; }
        & > RowList { height: 1fr; padding: 0 1; }
        & > .pane--detail {
            height: 2; padding: 0 1; background: $boost;
            text-wrap: nowrap; text-overflow: ellipsis;
        }
        & > .pane--keys { height: 1; background: $panel; padding: 0 1; text-wrap: nowrap; }
    }
    """

    #: What the screen is called in the help screen.
    HELP_TITLE: ClassVar[str] = "Investigation"
    #: The line of keys at the bottom.
    KEYS: ClassVar[str] = "enter open · q back"

    def __init__(
        self,
        render: Callable[[object, int], Sequence[Part]],
        *,
        header: Callable[[int], Sequence[Part]] | None = None,
        empty: str = "nothing found",
        ranges: bool = False,
    ) -> None:
        super().__init__()
        self._rows_widget = RowList(
            render, header=header, empty=empty, ranges=ranges, id="pane-rows"
        )
        self._title = ""
        self._detail = ""

    def compose(self) -> ComposeResult:
        """Title, extra lines (a screen's own), rows, detail, keys."""
        yield Static("", classes="pane--title", id="pane-title")
        yield from self.compose_extra()
        yield self._rows_widget
        yield Static("", classes="pane--detail", id="pane-detail")
        yield Static(Content(self.KEYS), classes="pane--keys", id="pane-keys")

    def compose_extra(self) -> ComposeResult:
        """Lines between the title and the rows (none by default)."""
        yield from ()

    def on_mount(self) -> None:
        """The rows have the focus."""
        self._rows_widget.focus()

    @property
    def rows(self) -> RowList:
        """The list of rows."""
        return self._rows_widget

    def set_title(self, text: str) -> None:
        """The title line (plain text: callers make log text inert)."""
        self._title = text
        self.query_one("#pane-title", Static).update(Content(text))

    def set_detail(self, text: str) -> None:
        """The detail line (plain text)."""
        self._detail = text
        self.query_one("#pane-detail", Static).update(Content(text))

    @property
    def title_text(self) -> str:
        """The title line as shown."""
        return self._title

    @property
    def detail_text(self) -> str:
        """The detail line as shown."""
        return self._detail

    def action_close(self) -> None:
        """Back to the main screen."""
        self.dismiss(None)
