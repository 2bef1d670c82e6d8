"""The event list: a virtual, Line API view of a (possibly huge) Polars frame of events.

Only the rows on screen are ever formatted: :meth:`EventList.render_line` slices them out of
the frame, formats the slice with Polars expressions and caches the resulting strips. The
list never scans the whole frame: finding rows (search matches, marks, a time) is asked of
the screen, whose workers answer with frame indices (:meth:`EventList.found`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl
from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ctir_tui.engine.case.marks import mark_key
from ctir_tui.engine.query.lookup import next_row
from ctir_tui.engine.schema import empty_frame
from ctir_tui.text import fit
from ctir_tui.ui.widgets._list_format import (
    DEFAULT_COLUMNS,
    Column,
    PageCells,
    RowCells,
    Widths,
    header_strip,
    layout,
    natural_widths,
    row_strip,
)


@dataclass
class _ListMessage(Message):
    event_list: EventList

    @property
    def control(self) -> EventList:
        """The list that posted the message."""
        return self.event_list


#: What the list can ask the screen to find: the rows of a search, or the marked rows.
SEARCH = "search"
MARKS = "marks"


class EventList(ScrollView, can_focus=True):
    """A scrolling list of events with a row cursor, search, marks and a sort toggle.

    The first line is a fixed header; the events follow. ``cursor_row`` counts displayed
    rows, which are the frame's rows in order, or reversed when :attr:`descending` is set.
    """

    #: The pane's name in the help screen and the command palette.
    HELP_TITLE: ClassVar[str] = "Event list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "cursor_first", "First event", show=False, id="list.top"),
        Binding("G,end", "cursor_last", "Last event", show=False, id="list.bottom"),
        Binding(
            "ctrl+d,pagedown", "cursor_page_down", "Page down", show=False, id="list.page_down"
        ),
        Binding("ctrl+u,pageup", "cursor_page_up", "Page up", show=False, id="list.page_up"),
        Binding("slash", "request_search", "Search", id="list.search"),
        Binding("n", "search_next", "Next match", show=False, id="list.search_next"),
        Binding("N", "search_previous", "Previous match", show=False, id="list.search_previous"),
        Binding("o", "toggle_sort", "Sort order", id="list.sort"),
        Binding("t", "request_jump", "Jump to time", id="list.jump"),
        Binding("m", "toggle_mark", "Mark", id="list.mark"),
        Binding("apostrophe", "next_mark", "Next mark", show=False, id="list.next_mark"),
        Binding(
            "enter",
            "open",
            "Open event",
            tooltip="Show the event's detail full screen (esc, enter or z returns)",
            id="list.open",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-list--header",
        "event-list--cursor",
        "event-list--error",
        "event-list--mark",
        "event-list--zero",
    }

    DEFAULT_CSS = """
    EventList {
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        & > .event-list--header { text-style: bold; background: $panel; color: $foreground; }
        & > .event-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .event-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .event-list--error { color: $text-error; text-style: bold; }
        & > .event-list--mark { color: $text-accent; text-style: bold; }
        & > .event-list--zero { color: $text-muted; text-style: italic; }
    }
    EventList:ansi {
        & > .event-list--header { background: ansi_default; text-style: bold underline; }
        & > .event-list--error { color: ansi_red; }
        & > .event-list--mark { color: ansi_yellow; }
        &:nocolor > .event-list--cursor { text-style: reverse; }
    }
    EventList:nocolor > .event-list--cursor { text-style: reverse; }
    """

    cursor_row: reactive[int] = reactive(0, repaint=False, init=False)
    """The highlighted row, counted in display order; kept in range."""

    @dataclass
    class Highlighted(_ListMessage):
        """The cursor moved to another event, or the frame under it changed."""

        row: int
        """Displayed row of the cursor."""
        event: dict[str, Any] | None
        """That row's values from the frame, or ``None`` when the frame is empty."""

    @dataclass
    class SearchRequested(_ListMessage):
        """The user asked to search (``/``): the screen opens an input."""

    @dataclass
    class JumpRequested(_ListMessage):
        """The user asked to jump to a time (``t``): the screen opens an input."""

    @dataclass
    class Opened(_ListMessage):
        """The user asked to open the event under the cursor (``enter``)."""

    @dataclass
    class FindRequested(_ListMessage):
        """Rows the list cannot find itself: the screen answers with :meth:`EventList.found`.

        ``what`` is :data:`SEARCH` (``text`` the search) or :data:`MARKS` (``marks`` the
        mark keys).
        """

        what: str
        text: str
        marks: frozenset[str]
        forward: bool

    @dataclass
    class FindMoved(_ListMessage):
        """The cursor went to found row ``number`` (1-based, in the list's order) of
        ``count``: of a search for ``text`` (``what`` :data:`SEARCH`), or of the marks."""

        what: str
        text: str
        number: int
        count: int

    @dataclass
    class MarkToggled(_ListMessage):
        """``m`` marked (or unmarked) the event ``key``: the screen keeps it in the case."""

        key: str
        marked: bool

    def __init__(
        self,
        frame: pl.DataFrame | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the list.

        Args:
            frame: The events to show (see :meth:`set_frame`); empty when omitted.
            name: Widget name.
            id: Widget ID.
            classes: CSS classes.
            disabled: Start disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._frame = frame if frame is not None else empty_frame()
        self._generation = 0
        self._descending = False
        self._marks: set[str] = set()
        #: The gutter's glyph of a marked event when not ``*`` (a tag's initial).
        self._glyphs: dict[str, str] = {}
        self._cells = PageCells()
        self._strips: LRUCache[tuple[int, int, int, bool, bool], Strip] = LRUCache(256)
        self._last_search: str | None = None
        self._columns: tuple[str, ...] = DEFAULT_COLUMNS
        self._natural: Widths = natural_widths(self._frame.head(2048))
        #: The rows last found: (generation, what, text), and their frame indices.
        self._found: tuple[tuple[int, str, str], pl.Series] | None = None
        self.virtual_size = Size(0, self._frame.height + 1)

    # -- data -------------------------------------------------------------------------

    @property
    def frame(self) -> pl.DataFrame:
        """The frame shown (in its own order, whatever :attr:`descending` is)."""
        return self._frame

    @property
    def descending(self) -> bool:
        """Whether the newest event is shown first."""
        return self._descending

    @property
    def marks(self) -> frozenset[str]:
        """Keys of the marked events (event ID, or ``@file_id:rec_index`` without one)."""
        return frozenset(self._marks)

    @property
    def last_search(self) -> str | None:
        """The text of the last search, which ``n``/``N`` repeat."""
        return self._last_search

    def frame_index(self, row: int) -> int:
        """The frame row shown at displayed row ``row`` (the mapping is its own inverse)."""
        return self._frame.height - 1 - row if self._descending else row

    @property
    def columns(self) -> tuple[str, ...]:
        """Keys of the columns shown (when they fit), in order."""
        return self._columns

    def set_columns(self, columns: tuple[str, ...]) -> None:
        """Show these columns (keys of :data:`~._list_format.COLUMNS`), in this order."""
        self._columns = columns
        self._generation += 1
        self._strips.clear()
        self.refresh()

    def fitted_columns(self) -> tuple[tuple[Column, int], ...]:
        """The columns that fit the list's width now, with their widths."""
        return layout(self.scrollable_content_region.width, self._columns, self._natural)

    def fitting(self, columns: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        """Of ``columns``: the keys the list would show at its width over its view, and
        those it leaves out as they tell nothing apart there (no value; one account)."""
        width = self.scrollable_content_region.width
        shown = frozenset(c.key for c, _ in layout(width, columns, self._natural))
        empty = frozenset(key for key, natural in self._natural if natural == 0)
        return shown, empty

    def set_frame(
        self, frame: pl.DataFrame, *, keep: int | None = None, widths: Widths | None = None
    ) -> None:
        """Show ``frame`` instead of the current events.

        Args:
            frame: The new events, in time order.
            keep: The frame row of the event under the cursor, if the new frame holds it
                (found by the caller, off the UI thread); otherwise the row number is kept,
                clamped.
            widths: The widest value of each column in ``frame`` (measured off the UI
                thread, see :func:`~._list_format.natural_widths`); the columns fit them.
        """
        # Without measured widths, the first rows stand in (cheap on the UI thread).
        self._natural = widths if widths is not None else natural_widths(frame.head(2048))
        target: int | None = None
        if keep is not None and 0 <= keep < frame.height:
            target = frame.height - 1 - keep if self._descending else keep
        screen_offset = self.cursor_row - self.scroll_offset.y
        self._frame = frame
        self._generation += 1
        self._found = None
        self._cells.clear()
        self._strips.clear()
        self.virtual_size = Size(0, frame.height + 1)
        old = self.cursor_row
        row = self.validate_cursor_row(old if target is None else target)
        self.set_reactive(EventList.cursor_row, row)

        def scroll() -> None:
            # After the new height is laid out (and on the screen shown: a view computed
            # under a dialog would otherwise scroll against the old height, and the cursor
            # would sit below the rows shown).
            if target is not None:
                self.scroll_to(y=max(row - screen_offset, 0), animate=False)
            self._scroll_to_cursor()

        scroll()
        self.call_after_refresh(scroll)
        self.refresh()
        self._post_highlighted()

    def current_event(self) -> dict[str, Any] | None:
        """The values of the event under the cursor, or ``None`` when the list is empty."""
        if not self._frame.height:
            return None
        return self._frame.row(self.frame_index(self.cursor_row), named=True)

    # -- cursor -----------------------------------------------------------------------

    def validate_cursor_row(self, value: int) -> int:
        """Keep the cursor on an existing row."""
        return max(0, min(value, self._frame.height - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        """Repaint the two rows, bring the cursor into view and announce it."""
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        self._post_highlighted()

    @property
    def _page(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + self._page:
            self.scroll_to(y=row - self._page + 1, animate=False)

    def _refresh_row(self, row: int) -> None:
        self.refresh(Region(0, row - self.scroll_offset.y + 1, self.size.width, 1))

    def _post_highlighted(self) -> None:
        self.post_message(self.Highlighted(self, self.cursor_row, self.current_event()))

    def action_cursor_down(self) -> None:
        """Move the cursor one event down."""
        self.cursor_row += 1

    def action_cursor_up(self) -> None:
        """Move the cursor one event up."""
        self.cursor_row -= 1

    def action_cursor_first(self) -> None:
        """Move the cursor to the first event."""
        self.cursor_row = 0

    def action_cursor_last(self) -> None:
        """Move the cursor to the last event."""
        self.cursor_row = self._frame.height - 1

    def action_cursor_page_down(self) -> None:
        """Move the cursor and the view one page down."""
        self.scroll_to(y=self.scroll_offset.y + self._page, animate=False)
        self.cursor_row += self._page

    def action_cursor_page_up(self) -> None:
        """Move the cursor and the view one page up."""
        self.scroll_to(y=self.scroll_offset.y - self._page, animate=False)
        self.cursor_row -= self._page

    def action_toggle_sort(self) -> None:
        """Flip between oldest-first and newest-first, keeping the cursor's event."""
        self._descending = not self._descending
        self._generation += 1
        row = self.validate_cursor_row(self._frame.height - 1 - self.cursor_row)
        self.set_reactive(EventList.cursor_row, row)
        self._scroll_to_cursor()
        self.refresh()
        self._post_highlighted()

    def on_mount(self) -> None:
        """Announce the first event (Textual also runs the base class handler)."""
        self._post_highlighted()

    def on_click(self, event: events.Click) -> None:
        """Select the clicked row."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = self.scroll_offset.y + offset.y - 1
        if row < self._frame.height:
            self.cursor_row = row

    def on_resize(self, event: events.Resize) -> None:
        """Keep enough strips cached for a screen and keep the cursor in view."""
        self._strips.grow(max(event.size.height * 4, 256))
        self._scroll_to_cursor()

    # -- search, time, marks ----------------------------------------------------------

    def action_open(self) -> None:
        """Ask the screen to open the event under the cursor."""
        if self._frame.height:
            self.post_message(self.Opened(self))

    def action_request_search(self) -> None:
        """Ask the app for the text to search."""
        self.post_message(self.SearchRequested(self))

    def action_request_jump(self) -> None:
        """Ask the app for the time to jump to."""
        self.post_message(self.JumpRequested(self))

    def search(self, text: str, *, forward: bool = True) -> None:
        """Move to the next (or previous) event holding ``text``, wrapping around.

        The rows are found by the screen (the same test as the ``text`` filter) unless the
        list still holds them for this frame; ``n`` and ``N`` repeat the search.
        """
        if not text:
            return
        self._last_search = text
        self._find(SEARCH, text, frozenset(), forward)

    def action_search_next(self) -> None:
        """Repeat the last search forwards."""
        self._repeat_search(forward=True)

    def action_search_previous(self) -> None:
        """Repeat the last search backwards."""
        self._repeat_search(forward=False)

    def _repeat_search(self, *, forward: bool) -> None:
        if self._last_search is None:
            self.post_message(self.SearchRequested(self))
        else:
            self.search(self._last_search, forward=forward)

    def _find(self, what: str, text: str, marks: frozenset[str], forward: bool) -> None:
        key = (self._generation, what, text)
        if self._found is not None and self._found[0] == key:
            self._move_to_next(what, text, self._found[1], forward)
            return
        self.post_message(self.FindRequested(self, what, text, marks, forward))

    def found(self, what: str, text: str, rows: pl.Series, *, forward: bool) -> bool:
        """Take rows the screen found (frame indices, ascending) and move to the next one.

        Returns:
            Whether any row was found.
        """
        self._found = ((self._generation, what, text), rows)
        return self._move_to_next(what, text, rows, forward)

    def move_to(self, index: int) -> None:
        """Put the cursor on frame row ``index``."""
        self.cursor_row = self.frame_index(index)

    def action_toggle_mark(self) -> None:
        """Mark the event under the cursor, or unmark it."""
        key = mark_key(self._frame, self.frame_index(self.cursor_row))
        if key is None:
            return
        self._marks.symmetric_difference_update({key})
        self._generation += 1
        self._found = None
        self._refresh_row(self.cursor_row)
        self.post_message(self.MarkToggled(self, key, key in self._marks))

    def set_marks(self, marks: Iterable[str], glyphs: Mapping[str, str] | None = None) -> None:
        """Show ``marks`` (event keys) as the marked events, each with its gutter glyph
        (``*`` unless ``glyphs`` gives another, such as a tag's initial)."""
        self._marks = set(marks)
        self._glyphs = dict(glyphs or {})
        self._generation += 1
        self._found = None
        self._cells.clear()
        self.refresh()

    def action_next_mark(self) -> None:
        """Move to the next marked event, wrapping around."""
        marks = frozenset(self._marks)
        self._find(MARKS, "\0".join(sorted(marks)), marks, True)

    def _move_to_next(self, what: str, text: str, rows: pl.Series, forward: bool) -> bool:
        """Move to the first of ``rows`` (sorted frame indices) after the cursor, wrapping;
        say which of them it is (:class:`FindMoved`)."""
        current = self.frame_index(self.cursor_row)
        target = next_row(rows, current, higher=forward != self._descending)
        if target is None or not self._frame.height:
            return False
        self.cursor_row = self.frame_index(target)
        count = rows.len()
        before = int(rows.search_sorted(target, side="left"))  # found rows above it
        number = count - before if self._descending else before + 1
        self.post_message(self.FindMoved(self, what, text, number, count))
        return True

    # -- rendering --------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Drop cached strips when the theme or styles change."""
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        """Render line ``y`` of the widget: the header, then one event per line."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width)
        height = self._frame.height
        if not height:
            if y != 1:
                return Strip.blank(width, base)
            style = self.get_component_rich_style("event-list--zero")
            return Strip([Segment(fit("  no events", width), style)], width)
        row = self.scroll_offset.y + y - 1
        if row >= height:
            return Strip.blank(width, base)
        focused = self.has_focus
        cursor = row == self.cursor_row
        key = (self._generation, row, width, cursor, focused)
        columns = self.fitted_columns()
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._row_strip(
                self._row_cells(row), columns, width, cursor
            )
        return strip

    def _row_cells(self, row: int) -> RowCells:
        return self._cells.row(
            self._frame,
            self._generation,
            row,
            top=self.scroll_offset.y,
            page=max(self.size.height, 1),
            descending=self._descending,
            marks=frozenset(self._marks),
            glyphs=self._glyphs,
        )

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("event-list--header")
        return header_strip(self.fitted_columns(), width, style, descending=self._descending)

    def _row_strip(
        self, row: RowCells, columns: tuple[tuple[Column, int], ...], width: int, cursor: bool
    ) -> Strip:
        if cursor:
            style = self.get_component_rich_style("event-list--cursor")
            return row_strip(row, columns, width, (style, style, style))
        base = self.rich_style
        error = base + self.get_component_rich_style("event-list--error", partial=True)
        mark = base + self.get_component_rich_style("event-list--mark", partial=True)
        return row_strip(row, columns, width, (base, error, mark))
