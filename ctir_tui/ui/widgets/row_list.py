"""A list of rows with a cursor, each row a door: the body of the investigation screens.

The triage, top-N, timeline and chain screens each show rows that open on events (a question,
a value, a bucket, a session). :class:`RowList` is the one widget they share: a Line API
:class:`~textual.scroll_view.ScrollView` that renders only the visible rows, asks its
``render`` function for a row's parts at the current width (text already made inert, each
with a component class for its style), caches the strips, and posts messages: Enter opens a
row, right/left/space go sideways (the screen says what that means), and moving the cursor
announces the row. Rows that are
not ``selectable`` (section titles) are skipped by the cursor. A selection runs from
:attr:`RowList.range_start` to the cursor (the timeline's time range).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ctir_tui.text import cell_width, fit

T = TypeVar("T")
#: A piece of a row: its text (inert, single line) and a component class ("" for none).
Part = tuple[str, str]
#: How a row is drawn at a width: its parts, left to right.
Render = Callable[[Any, int], Sequence[Part]]

#: Component classes a row's parts may name (besides the cursor, selection and header).
PART_CLASSES: frozenset[str] = frozenset(
    {
        "row-list--dim",
        "row-list--accent",
        "row-list--section",
        "row-list--critical",
        "row-list--high",
        "row-list--medium",
        "row-list--low",
        "row-list--info",
        "row-list--success",
        "row-list--failure",
        "row-list--denied",
    }
)


@dataclass(frozen=True, slots=True)
class Row(Generic[T]):
    """One row of a :class:`RowList`: what it stands for, and whether the cursor stops on it."""

    data: T
    selectable: bool = True


@dataclass
class _RowMessage(Message):
    row_list: RowList
    index: int
    data: Any

    @property
    def control(self) -> RowList:
        """The list that posted the message."""
        return self.row_list


class RowList(ScrollView, can_focus=True):
    """Rows drawn by a render function, a cursor over them, Enter to open one."""

    #: What the help calls the list.
    HELP_TITLE: ClassVar[str] = "Rows"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor(1)", "Down", show=False, id="rows.down"),
        Binding("k,up", "cursor(-1)", "Up", show=False, id="rows.up"),
        Binding("g,home", "first", "First row", show=False, id="rows.top"),
        Binding("G,end", "last", "Last row", show=False, id="rows.bottom"),
        Binding("ctrl+d,pagedown", "page(1)", "Page down", show=False, id="rows.page_down"),
        Binding("ctrl+u,pageup", "page(-1)", "Page up", show=False, id="rows.page_up"),
        Binding("enter", "open", "Open", id="rows.open"),
        Binding("right,l", "sideways(1)", "Expand / next", show=False, id="rows.right"),
        Binding("left,h", "sideways(-1)", "Collapse / previous", show=False, id="rows.left"),
        Binding("space", "sideways(0)", "Toggle", show=False, id="rows.toggle"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-list--header",
        "row-list--cursor",
        "row-list--selected",
        *PART_CLASSES,
    }

    DEFAULT_CSS = """
    RowList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .row-list--header { text-style: bold; background: $panel; }
        & > .row-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .row-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        /* Underlined only: $boost turns as light as the text on 16 colours and NO_COLOR. */
        & > .row-list--selected { text-style: underline; }
        & > .row-list--dim { color: $text-muted; }
        & > .row-list--accent { color: $text-accent; text-style: bold; }
        & > .row-list--section { text-style: bold underline; }
        & > .row-list--critical { color: $text-error; text-style: bold reverse; }
        & > .row-list--high { color: $text-error; text-style: bold; }
        & > .row-list--medium { color: $text-warning; text-style: bold; }
        & > .row-list--low { color: $text-success; }
        & > .row-list--info { color: $text-muted; }
        & > .row-list--success { color: $text-success; }
        & > .row-list--failure { color: $text-warning; text-style: bold; }
        & > .row-list--denied { color: $text-error; text-style: bold; }
    }
    RowList:ansi > .row-list--header { background: ansi_default; text-style: bold underline; }
    RowList:nocolor > .row-list--cursor { text-style: reverse; }

    """

    @dataclass
    class Highlighted(_RowMessage):
        """The cursor moved to another row (``index`` -1 and ``data`` None: no rows)."""

    @dataclass
    class Opened(_RowMessage):
        """Enter on a row: open its door."""

    @dataclass
    class Sideways(_RowMessage):
        """Right (``step`` 1), left (-1) or space (0) on a row: the screen says what they do
        (expand or collapse a question, choose the next column, mark a range's end)."""

        step: int = 0

    def __init__(
        self,
        render: Render,
        *,
        header: Callable[[int], Sequence[Part]] | None = None,
        empty: str = "nothing to show",
        ranges: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the list.

        Args:
            render: Draws a row's data at a width (parts of inert text and their classes).
            header: Draws the fixed first line at a width (none when omitted).
            empty: What the list says when it has no rows.
            ranges: Space starts (and clears) a selection from the cursor's row, at once
                (keys typed after it extend it), rather than posting :class:`Sideways`.
            id: Widget ID.
            classes: CSS classes.
        """
        super().__init__(id=id, classes=classes)
        self._draw = render
        self._header = header
        self._empty = empty
        self._ranges = ranges
        self._rows: list[Row[Any]] = []
        self._cursor = 0
        self._generation = 0
        #: Where a selection started (None: no selection).
        self.range_start: int | None = None
        self._strips: LRUCache[tuple[int, int, int, bool, bool, bool], Strip] = LRUCache(512)

    # -- data -------------------------------------------------------------------------

    @property
    def rows(self) -> list[Row[Any]]:
        """The rows shown."""
        return list(self._rows)

    @property
    def cursor(self) -> int:
        """The cursor's row (-1 when there are none)."""
        return self._cursor if self._rows else -1

    @property
    def current(self) -> Any:
        """The data of the row under the cursor (None when there are none)."""
        return self._rows[self._cursor].data if self._rows else None

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected rows, first and last (None: no selection)."""
        if self.range_start is None or not self._rows:
            return None
        return (min(self.range_start, self._cursor), max(self.range_start, self._cursor))

    def set_rows(self, rows: Sequence[Row[Any]], *, cursor: int | None = None) -> None:
        """Show ``rows``; the cursor goes to ``cursor`` (else stays where it was), clamped to a
        selectable row."""
        self._rows = list(rows)
        self._generation += 1
        self._strips.clear()
        if self.range_start is not None and self.range_start >= len(self._rows):
            self.range_start = None
        self.virtual_size = Size(0, len(self._rows) + self._top)
        target = self._cursor if cursor is None else cursor
        self._cursor = self._selectable(max(0, min(target, len(self._rows) - 1)), 1)
        self._scroll_to_cursor()
        self.refresh()
        self._announce()

    def refresh_rows(self) -> None:
        """Draw every row again (their data changed in place)."""
        self._generation += 1
        self._strips.clear()
        self.refresh()

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (the nearest selectable row after it)."""
        if not self._rows:
            return
        old = self._cursor
        self._cursor = self._selectable(max(0, min(index, len(self._rows) - 1)), 1)
        if old != self._cursor:
            if self.range_start is not None:
                self.refresh()
            else:
                self._refresh_row(old)
                self._refresh_row(self._cursor)
            self._scroll_to_cursor()
            self._announce()

    def reveal(self, first: int, last: int) -> None:
        """Scroll so that rows ``first`` to ``last`` show (``first`` at least, when they do
        not all fit): the rows a question just opened on. After the next refresh, once the
        new rows are laid out (a list that did not scroll cannot be scrolled before)."""
        self.call_after_refresh(self._reveal, first, last)

    def _reveal(self, first: int, last: int) -> None:
        height = max(self.scrollable_content_region.height - self._top, 1)
        top = self.scroll_offset.y
        if last >= top + height:
            top = last - height + 1
        top = min(top, first)
        if top != self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, immediate=True)

    def _selectable(self, index: int, step: int) -> int:
        """``index``, or the nearest selectable row in direction ``step`` (else the other)."""
        if not self._rows:
            return 0
        for direction in (step, -step):
            i = index
            while 0 <= i < len(self._rows):
                if self._rows[i].selectable:
                    return i
                i += direction
        return index

    @property
    def _top(self) -> int:
        return 1 if self._header is not None else 0

    # -- keys -------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        """Move the cursor ``step`` selectable rows."""
        if not self._rows:
            return
        i = self._cursor + step
        while 0 <= i < len(self._rows) and not self._rows[i].selectable:
            i += 1 if step > 0 else -1
        if 0 <= i < len(self._rows):
            self.move_to(i)

    def action_first(self) -> None:
        """Move to the first row."""
        self.move_to(0)

    def action_last(self) -> None:
        """Move to the last row."""
        if self._rows:
            self.move_to(self._selectable(len(self._rows) - 1, -1))
            # Lines the cursor cannot stop on after the last row (a section's end) show too.
            self.scroll_end(animate=False)

    def action_page(self, pages: int) -> None:
        """Move a page down (or up)."""
        page = max(self.scrollable_content_region.height - self._top, 1)
        self.scroll_to(y=self.scroll_offset.y + page * pages, animate=False)
        target = self._cursor + page * pages
        if pages > 0:
            self.move_to(target)
        elif self._rows:
            self._cursor_back_to(max(target, 0))

    def _cursor_back_to(self, index: int) -> None:
        self.move_to(self._selectable(index, -1))

    def action_open(self) -> None:
        """Open the row under the cursor."""
        if self._rows:
            self.post_message(self.Opened(self, self._cursor, self.current))

    def action_sideways(self, step: int) -> None:
        """Right, left or space on the row under the cursor (see :class:`Sideways`)."""
        if not self._rows:
            return
        if step == 0 and self._ranges:
            self.range_start = None if self.range_start is not None else self._cursor
            self.refresh_rows()
            self._announce()
            return
        self.post_message(self.Sideways(self, self._cursor, self.current, step))

    def clear_range(self) -> None:
        """Forget the selection."""
        if self.range_start is not None:
            self.range_start = None
            self.refresh_rows()
            self._announce()

    def on_click(self, event: events.Click) -> None:
        """Select the clicked row; a double click opens it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self._top:
            return
        row = self.scroll_offset.y + offset.y - self._top
        if row < len(self._rows) and self._rows[row].selectable:
            self.move_to(row)
            if event.chain >= 2:
                self.action_open()

    def _announce(self) -> None:
        self.post_message(self.Highlighted(self, self.cursor, self.current))

    # -- scrolling and painting -------------------------------------------------------

    def _scroll_to_cursor(self) -> None:
        height = max(self.scrollable_content_region.height - self._top, 1)
        top = self.scroll_offset.y
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False)

    def _refresh_row(self, row: int) -> None:
        y = row - self.scroll_offset.y + self._top
        self.refresh(Region(0, y, self.size.width, 1))

    def on_resize(self, event: events.Resize) -> None:
        """Keep the cursor in view at the new size."""
        self._strips.grow(max(event.size.height * 4, 512))
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        """Drop cached strips when the theme or styles change."""
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        """Line ``y``: the header (if any), then one row per line."""
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self._header is not None and y == 0:
            style = base + self.get_component_rich_style("row-list--header", partial=True)
            return self._strip(self._header(width), width, style)
        if not self._rows:
            if y != self._top:
                return Strip.blank(width, base)
            dim = base + self.get_component_rich_style("row-list--dim", partial=True)
            return Strip([Segment(fit("  " + self._empty, width), dim)], width)
        row = self.scroll_offset.y + y - self._top
        if row >= len(self._rows):
            return Strip.blank(width, base)
        cursor = row == self._cursor
        chosen = self.selection
        selected = chosen is not None and chosen[0] <= row <= chosen[1]
        key = (self._generation, row, width, cursor, selected, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            if cursor:
                style = self.get_component_rich_style("row-list--cursor")
            elif selected:
                style = base + self.get_component_rich_style("row-list--selected", partial=True)
            else:
                style = base
            parts = self._draw(self._rows[row].data, width)
            strip = self._strips[key] = self._strip(parts, width, style, plain=cursor)
        return strip

    def _strip(
        self, parts: Sequence[Part], width: int, style: Style, *, plain: bool = False
    ) -> Strip:
        """The parts in ``width`` cells; on the cursor's row every part takes its style."""
        segments: list[Segment] = []
        used = 0
        for text, name in parts:
            if used >= width:
                break
            text = fit(text, width - used, pad=False)
            used += cell_width(text)
            if plain or not name:
                segments.append(Segment(text, style))
            else:
                part = self.get_component_rich_style(name, partial=True)
                segments.append(Segment(text, style + part))
        return Strip(segments).adjust_cell_length(width, style)
