"""The event list: a virtual, Line API view of a (possibly huge) Polars frame of events.

Only the rows on screen are ever formatted: :meth:`EventList.render_line` slices them out of
the frame, formats the slice with Polars expressions and caches the resulting strips.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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

from ctir_tui.data.schema import empty_frame
from ctir_tui.ui.widgets._list_data import (
    first_at_or_after,
    locate,
    mark_key,
    marked_rows,
    matching_rows,
    next_row,
)
from ctir_tui.ui.widgets._list_format import (
    RowCells,
    fit,
    format_rows,
    header_strip,
    row_strip,
)


@dataclass
class _ListMessage(Message):
    event_list: EventList

    @property
    def control(self) -> EventList:
        """The list that posted the message."""
        return self.event_list


class EventList(ScrollView, can_focus=True):
    """A scrolling list of events with a row cursor, search, marks and a sort toggle.

    The first line is a fixed header; the events follow. ``cursor_row`` counts displayed
    rows, which are the frame's rows in order, or reversed when :attr:`descending` is set.
    """

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

    class SearchRequested(_ListMessage):
        """The user asked to search (``/``): the app opens an input, then calls ``search``."""

    class JumpRequested(_ListMessage):
        """The user asked to jump to a time (``t``): the app calls ``jump_to_time``."""

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
        self._cells: LRUCache[tuple[int, int], RowCells] = LRUCache(1024)
        self._strips: LRUCache[tuple[int, int, int, bool, bool], Strip] = LRUCache(256)
        self._last_search: str | None = None
        self._matches: tuple[int, str, pl.Series] | None = None
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

    def set_frame(self, frame: pl.DataFrame, *, keep_event: bool = True) -> None:
        """Show ``frame`` instead of the current events.

        Args:
            frame: The new events, in time order.
            keep_event: Keep the cursor on the same event when the new frame holds it;
                otherwise (or when it is gone) keep the row number, clamped.
        """
        target: int | None = None
        if keep_event and (event := self.current_event()) is not None:
            found = locate(frame, event)
            if found is not None:
                target = frame.height - 1 - found if self._descending else found
        screen_offset = self.cursor_row - self.scroll_offset.y
        self._frame = frame
        self._generation += 1
        self._matches = None
        self._cells.clear()
        self._strips.clear()
        self.virtual_size = Size(0, frame.height + 1)
        old = self.cursor_row
        row = self.validate_cursor_row(old if target is None else target)
        if target is not None:
            self.scroll_to(y=max(row - screen_offset, 0), animate=False)
        self.set_reactive(EventList.cursor_row, row)
        self._scroll_to_cursor()
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

    def action_request_search(self) -> None:
        """Ask the app for the text to search."""
        self.post_message(self.SearchRequested(self))

    def action_request_jump(self) -> None:
        """Ask the app for the time to jump to."""
        self.post_message(self.JumpRequested(self))

    def search(self, text: str, *, forward: bool = True) -> bool:
        """Move to the next (or previous) event containing ``text``, wrapping around.

        The match is a case-insensitive literal substring of the principal, event name and
        source, source IP, user agent, error code, region, access key, user name or event ID.

        Returns:
            Whether any event matched.
        """
        if not text:
            return False
        self._last_search = text
        key = (self._generation, text)
        if self._matches is None or self._matches[:2] != key:
            self._matches = (*key, matching_rows(self._frame, text))
        return self._move_to_next(self._matches[2], forward)

    def action_search_next(self) -> None:
        """Repeat the last search forwards."""
        self._repeat_search(forward=True)

    def action_search_previous(self) -> None:
        """Repeat the last search backwards."""
        self._repeat_search(forward=False)

    def _repeat_search(self, *, forward: bool) -> None:
        if self._last_search is None:
            self.post_message(self.SearchRequested(self))
        elif not self.search(self._last_search, forward=forward):
            self.notify("no match", severity="warning", markup=False)

    def jump_to_time(self, when: datetime) -> bool:
        """Move the cursor to the first event at or after ``when`` (naive times are UTC).

        Returns:
            Whether such an event exists (if not, the cursor goes to the newest event).
        """
        index, found = first_at_or_after(self._frame, when)
        self.cursor_row = self.frame_index(index)
        return found

    def action_toggle_mark(self) -> None:
        """Mark the event under the cursor, or unmark it."""
        key = mark_key(self._frame, self.frame_index(self.cursor_row))
        if key is None:
            return
        self._marks.symmetric_difference_update({key})
        self._generation += 1
        self._refresh_row(self.cursor_row)

    def action_next_mark(self) -> None:
        """Move to the next marked event, wrapping around."""
        if not self._move_to_next(marked_rows(self._frame, self._marks), forward=True):
            self.notify("no marked events in this view", markup=False)

    def _move_to_next(self, rows: pl.Series, forward: bool) -> bool:
        """Move to the first of ``rows`` (sorted frame indices) after the cursor, wrapping."""
        current = self.frame_index(self.cursor_row)
        target = next_row(rows, current, higher=forward != self._descending)
        if target is None or not self._frame.height:
            return False
        self.cursor_row = self.frame_index(target)
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
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._row_strip(self._row_cells(row), width, cursor)
        return strip

    def _row_cells(self, row: int) -> RowCells:
        cells = self._cells.get((self._generation, row))
        if cells is not None:
            return cells
        # Format the whole screen at once: one small Polars select per page.
        height = self._frame.height
        page = max(self.size.height, 1)
        top = self.scroll_offset.y
        start = top if top <= row < top + page else row
        stop = min(start + page, height)
        if self._descending:
            rows = self._frame.slice(height - stop, stop - start).reverse()
        else:
            rows = self._frame.slice(start, stop - start)
        for offset, formatted in enumerate(format_rows(rows, frozenset(self._marks))):
            self._cells[(self._generation, start + offset)] = formatted
        return self._cells[(self._generation, row)]

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("event-list--header")
        return header_strip(width, style, descending=self._descending)

    def _row_strip(self, row: RowCells, width: int, cursor: bool) -> Strip:
        if cursor:
            style = self.get_component_rich_style("event-list--cursor")
            return row_strip(row, width, style, style, style)
        base = self.rich_style
        error = base + self.get_component_rich_style("event-list--error", partial=True)
        mark = base + self.get_component_rich_style("event-list--mark", partial=True)
        return row_strip(row, width, base, error, mark)
