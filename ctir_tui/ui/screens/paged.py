"""A modal page of text: the base of the help and load-report screens.

A bordered, scrollable page of :class:`rich.text.Text` lines (never markup) that re-wraps
when its width changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import RichLog

TITLE_STYLE = Style(bold=True, underline=True)


class TextPage(RichLog):
    """A read-only page of ``Text`` lines that re-wraps when its width changes."""

    DEFAULT_CSS = """
    TextPage {
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, texts: Iterable[Text], *, id: str | None = None) -> None:
        """Create the page.

        Args:
            texts: The lines (each may wrap); already made inert by the caller.
            id: Widget ID.
        """
        super().__init__(wrap=True, markup=False, highlight=False, auto_scroll=False, id=id)
        self.min_width = 10
        self._texts = list(texts)
        self._width = 0
        for text in self._texts:
            self.write(text)

    @property
    def plain_lines(self) -> list[str]:
        """The rendered lines as plain text (wrapped at the current width)."""
        return [strip.text for strip in self.lines]

    def on_resize(self, event: events.Resize) -> None:
        """Wrap the lines again for the new width."""
        width = event.size.width
        if self._width and width and width != self._width:
            self.clear()
            for text in self._texts:
                self.write(text)
        self._width = width or self._width


class PagedTextScreen(ModalScreen[None]):
    """A modal page of text; ``esc``/``q`` close it, ``j``/``k``/``g``/``G`` move."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="dialog.close"),
        Binding("j", "page_down_line", "Scroll down", show=False, id="dialog.down"),
        Binding("k", "page_up_line", "Scroll up", show=False, id="dialog.up"),
        Binding("g", "page_top", "Top", show=False, id="dialog.top"),
        Binding("G", "page_bottom", "Bottom", show=False, id="dialog.bottom"),
    ]

    DEFAULT_CSS = """
    PagedTextScreen {
        align: center middle;
        & > #dialog-page {
            width: 90%;
            max-width: 120;
            height: 90%;
            border: round $accent;
            border-title-style: bold;
            padding: 0 1;
        }
    }
    """

    #: Shown in the border above the page.
    DIALOG_TITLE: ClassVar[str] = ""

    def texts(self) -> Iterable[Text]:
        """The lines to show; subclasses override this."""
        return ()

    def compose(self) -> ComposeResult:
        """One scrollable page."""
        page = TextPage(self.texts(), id="dialog-page")
        page.border_title = self.DIALOG_TITLE
        page.border_subtitle = "esc close · j/k scroll"
        yield page

    @property
    def page(self) -> TextPage:
        """The page widget."""
        return self.query_one("#dialog-page", TextPage)

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)

    def action_page_down_line(self) -> None:
        """Scroll one line down."""
        self.page.scroll_down(animate=False)

    def action_page_up_line(self) -> None:
        """Scroll one line up."""
        self.page.scroll_up(animate=False)

    def action_page_top(self) -> None:
        """Scroll to the top."""
        self.page.scroll_home(animate=False)

    def action_page_bottom(self) -> None:
        """Scroll to the bottom."""
        self.page.scroll_end(animate=False)
