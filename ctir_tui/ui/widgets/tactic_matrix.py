"""The tactic matrix pane: tactics as columns, events as cells, a cursor over them.

Laid out like the responders' cheatsheet: one fixed-width column per tactic with a header
line (tactic name and total events) that stays put while the cells scroll beneath it. The
widget is a Line API :class:`~textual.scroll_view.ScrollView`: it renders only the visible
lines, scrolls horizontally when the columns do not fit (the cursor's column is kept in
view) and posts messages rather than filtering anything itself.

Cell markers: ``!`` events the Sigma rules hit (``R`` filters to those), ``*`` a
corrected event name (the cheatsheet misspelt it), ``°`` a data event
(off by default: a zero may mean "not recorded"), ``+`` another note. The note of the cell
under the cursor is the widget's tooltip and :meth:`TacticMatrix.current_note`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ctir_tui.engine.tactics.matrix import Matrix, MatrixTactic
from ctir_tui.text import inert
from ctir_tui.ui.widgets._matrix_cells import (
    cell_parts,
    header_parts,
    natural_width,
    share_widths,
)

#: Width of a column (the gap after it included) when the tactics cannot all fit and the
#: pane scrolls sideways: wide enough for "AuthorizeS…oupIngress 99".
COLUMN_WIDTH = 24
#: Narrower than this (gap included), names stop being readable: scroll instead.
MIN_COLUMN_WIDTH = 14
HEADER = -1
"""Cell index of a tactic's header line in :attr:`TacticMatrix.cursor`."""


@dataclass
class _MatrixMessage(Message):
    """A message from a :class:`TacticMatrix` (``control`` is the matrix)."""

    matrix: TacticMatrix

    @property
    def control(self) -> TacticMatrix:
        """The matrix that posted the message (for ``@on(..., selector)``)."""
        return self.matrix


class TacticMatrix(ScrollView, can_focus=True):
    """Tactics as columns, event cells beneath, counts coloured by magnitude."""

    #: The pane's name in the help screen (unless it has a border title).
    HELP_TITLE: ClassVar[str] = "Tactic matrix"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "cursor_left", "Previous tactic", show=False, id="matrix.left"),
        Binding("right,l", "cursor_right", "Next tactic", show=False, id="matrix.right"),
        Binding("up,k", "cursor_up", "Previous cell / header", show=False, id="matrix.up"),
        Binding("down,j", "cursor_down", "Next cell", show=False, id="matrix.down"),
        Binding("home", "first_tactic", "First tactic", show=False, id="matrix.home"),
        Binding("end", "last_tactic", "Last tactic", show=False, id="matrix.end"),
        Binding("g", "column_top", "Tactic header", show=False, id="matrix.top"),
        Binding("G", "column_bottom", "Last cell of tactic", show=False, id="matrix.bottom"),
        Binding(
            "enter",
            "select",
            "Filter to cell",
            tooltip="Filter the events to this event, or to the whole tactic on a header",
            id="matrix.select",
        ),
        Binding(
            "x",
            "toggle_extended",
            "Extended mapping",
            tooltip="Switch between the cheatsheet's cells and the extended mapping",
            id="matrix.extended",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tactic-matrix--header",
        "tactic-matrix--cursor",
        "tactic-matrix--zero",
        "tactic-matrix--low",
        "tactic-matrix--mid",
        "tactic-matrix--high",
        "tactic-matrix--corrected",
        "tactic-matrix--data-event",
        "tactic-matrix--hit",
    }

    DEFAULT_CSS = """
    TacticMatrix {
        /* The cursor scrolls the pane; scrollbars would take the columns' room. */
        scrollbar-size: 0 0;
        background: $surface;
        color: $foreground;
        & > .tactic-matrix--header { text-style: bold underline; color: $accent; }
        & > .tactic-matrix--zero { color: $text-disabled; text-style: dim; }
        & > .tactic-matrix--low { }
        & > .tactic-matrix--mid { color: $warning; }
        & > .tactic-matrix--high { color: $error; text-style: bold; }
        & > .tactic-matrix--corrected { color: $secondary; text-style: bold; }
        & > .tactic-matrix--data-event { color: $secondary; text-style: bold; }
        & > .tactic-matrix--hit { color: $error; text-style: bold; }
        & > .tactic-matrix--cursor { text-style: reverse; }
        &:focus > .tactic-matrix--cursor { text-style: reverse bold; }
    }
    """

    @dataclass
    class Selected(_MatrixMessage):
        """Enter on a cell (filter to that event) or on a header (to the whole tactic)."""

        #: Tactic name, as held in the ``tactics``/``tactics_extended`` columns.
        tactic: str
        #: The cell's event name, or None on a header.
        event: str | None
        #: The tactic's ATT&CK (or custom) ID.
        tactic_id: str = ""
        #: Whether the extended mapping is shown.
        extended: bool = False

    @dataclass
    class ToggleExtended(_MatrixMessage):
        """The user asked for the other mapping: recompute and call ``set_matrix``."""

    def __init__(
        self,
        matrix: Matrix | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create the pane.

        Args:
            matrix: Counts to show at once (or call :meth:`set_matrix` later).
            name: Widget name.
            id: Widget ID.
            classes: CSS classes.
            disabled: Start disabled.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._matrix: Matrix | None = None
        self._cursor: tuple[int, int] = (0, HEADER)
        # Full-width strips keyed by line, the cursor's column when it is on that line,
        # and focus (the cursor looks different when the pane is not focused).
        self._strips: LRUCache[tuple[int, int | None, bool], Strip] = LRUCache(256)
        #: Each column's width (gap included) and where it starts, for the pane's width.
        self._widths: list[int] = []
        self._offsets: list[int] = [0]
        if matrix is not None:
            self.set_matrix(matrix)

    # --- data -------------------------------------------------------------------------

    @property
    def matrix(self) -> Matrix | None:
        """The matrix shown, if any."""
        return self._matrix

    def set_matrix(self, matrix: Matrix) -> None:
        """Show ``matrix``, keeping the cursor on the same tactic and event when present.

        Args:
            matrix: Counts from :func:`ctir_tui.data.tactics.matrix_counts`.
        """
        old = self._matrix
        col, row = self._cursor
        if old is not None and old.tactics:
            tactic = old.tactics[min(col, len(old.tactics) - 1)]
            ids = [t.id for t in matrix.tactics]
            if tactic.id in ids:
                col = ids.index(tactic.id)
                if row != HEADER and row < len(tactic.cells):
                    events_ = [c.event for c in matrix.tactics[col].cells]
                    event = tactic.cells[row].event
                    row = events_.index(event) if event in events_ else row
        self._matrix = matrix
        self._strips.clear()
        self._fit_columns()
        mapping = "extended ATT&CK" if matrix.extended else "seed table"
        self.border_title = f"tactics · {mapping} · ATT&CK {matrix.attack_version} (x switches)"
        self._move(col, row, force=True)
        self.refresh()

    def _fit_columns(self) -> None:
        """Give each tactic the width its longest name needs, sharing the pane's width.

        Columns whose names are short give their room to those that need it; only when the
        names cannot all fit are they cut (in the middle), and below a readable width the
        pane scrolls sideways instead.
        """
        matrix = self._matrix
        if matrix is None:
            return
        needs = [natural_width(t) + 1 for t in matrix.tactics]
        avail = self.scrollable_content_region.width or sum(needs)
        count = len(needs)
        if not count:
            widths: list[int] = []
        elif sum(needs) <= avail:
            extra, rest = divmod(avail - sum(needs), count)
            widths = [n + extra + (i < rest) for i, n in enumerate(needs)]
        elif avail // count < MIN_COLUMN_WIDTH:
            widths = [min(n, COLUMN_WIDTH) for n in needs]
        else:
            widths = share_widths(needs, avail, MIN_COLUMN_WIDTH)
        self._widths = widths
        offsets = [0]
        for width in widths:
            offsets.append(offsets[-1] + width)
        self._offsets = offsets
        height = 1 + max((len(t.cells) for t in matrix.tactics), default=0)
        self.virtual_size = Size(offsets[-1], height)

    @property
    def cursor(self) -> tuple[int, int]:
        """(tactic index, cell index), the cell index -1 on the tactic's header."""
        return self._cursor

    @cursor.setter
    def cursor(self, value: tuple[int, int]) -> None:
        self._move(*value)

    def _column(self) -> MatrixTactic | None:
        if self._matrix is None or not self._matrix.tactics:
            return None
        return self._matrix.tactics[self._cursor[0]]

    def current(self) -> tuple[str, str | None]:
        """Return (tactic name, event name or None on a header); ("", None) when empty."""
        tactic = self._column()
        if tactic is None:
            return ("", None)
        row = self._cursor[1]
        return (tactic.name, None if row == HEADER else tactic.cells[row].event)

    def current_note(self) -> str | None:
        """Return the note of the cell under the cursor (made inert), if it has one."""
        tactic = self._column()
        if tactic is None:
            return None
        row = self._cursor[1]
        if row == HEADER:
            return None
        note = tactic.cells[row].note
        return inert(note) if note else None

    # --- cursor -----------------------------------------------------------------------

    def _move(self, col: int, row: int, *, force: bool = False) -> None:
        """Put the cursor at (col, row), clamped, and keep it in view."""
        matrix = self._matrix
        if matrix is None or not matrix.tactics:
            col, row = 0, HEADER
        else:
            col = max(0, min(col, len(matrix.tactics) - 1))
            row = max(HEADER, min(row, len(matrix.tactics[col].cells) - 1))
        if (col, row) == self._cursor and not force:
            return
        self._cursor = (col, row)
        note = self.current_note()
        tactic, event = self.current()
        tip = "\n".join(inert(part) for part in (event or tactic, note) if part)
        self.tooltip = Content(tip) if tip else None
        if not self.is_mounted:
            return
        # The matrix is a few dozen short lines: repainting all of it is cheap.
        self.refresh()
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        col, row = self._cursor
        x, y = self.scroll_offset
        width, height = self.scrollable_content_region.size
        if not width or not height:
            return
        if col >= len(self._widths):
            return
        left, size = self._offsets[col], self._widths[col]
        if left < x:
            x = left
        elif left + (size - 1) > x + width:
            x = left + min(size, width) - width
        # Line 0 is the fixed header: cell row r shows on screen line r + 1 - scroll_y.
        if row != HEADER:
            if row < y:
                y = row
            elif row > y + height - 2:
                y = row - height + 2
        self.scroll_to(x=max(0, x), y=max(0, y), animate=False)

    def on_mount(self) -> None:
        """Bring the cursor into view once the size is known."""
        self.call_after_refresh(self._scroll_to_cursor)

    def on_resize(self, event: events.Resize) -> None:
        """Refit the columns and keep the cursor visible after a resize."""
        if self._matrix is not None:
            self._strips.clear()
            self._fit_columns()
        self._scroll_to_cursor()

    def action_cursor_left(self) -> None:
        """Move to the previous tactic."""
        self._move(self._cursor[0] - 1, self._cursor[1])

    def action_cursor_right(self) -> None:
        """Move to the next tactic."""
        self._move(self._cursor[0] + 1, self._cursor[1])

    def action_cursor_up(self) -> None:
        """Move up a cell; from the first cell to the tactic's header."""
        self._move(self._cursor[0], self._cursor[1] - 1)

    def action_cursor_down(self) -> None:
        """Move down a cell (from the header to the first cell)."""
        self._move(self._cursor[0], self._cursor[1] + 1)

    def action_first_tactic(self) -> None:
        """Move to the first tactic's header."""
        self._move(0, HEADER)

    def action_last_tactic(self) -> None:
        """Move to the last tactic's header."""
        self._move(len(self._matrix.tactics) - 1 if self._matrix else 0, HEADER)

    def action_column_top(self) -> None:
        """Move to the header of the current tactic."""
        self._move(self._cursor[0], HEADER)

    def action_column_bottom(self) -> None:
        """Move to the last cell of the current tactic."""
        tactic = self._column()
        self._move(self._cursor[0], len(tactic.cells) - 1 if tactic else HEADER)

    def action_select(self) -> None:
        """Post :class:`Selected` for the cell or header under the cursor."""
        tactic = self._column()
        if tactic is None or self._matrix is None:
            return
        _, event = self.current()
        self.post_message(
            self.Selected(
                self, tactic.name, event, tactic_id=tactic.id, extended=self._matrix.extended
            )
        )

    def action_toggle_extended(self) -> None:
        """Post :class:`ToggleExtended`."""
        self.post_message(self.ToggleExtended(self))

    def on_click(self, event: events.Click) -> None:
        """Move the cursor to the clicked cell; a double click selects it."""
        offset = event.get_content_offset(self)
        if offset is None or self._matrix is None:
            return
        col = bisect_right(self._offsets, offset.x + int(self.scroll_offset.x)) - 1
        row = HEADER if offset.y == 0 else offset.y - 1 + int(self.scroll_offset.y)
        if col >= len(self._matrix.tactics) or row >= len(self._matrix.tactics[col].cells):
            return
        self._move(col, row)
        if event.chain >= 2:
            self.action_select()

    # --- rendering --------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Drop cached lines when the styles (theme, focus) change."""
        super().notify_style_update()
        self._strips.clear()

    def _component(self, name: str) -> Style:
        # Only the cursor is partial (just what it sets), so that it keeps a count's
        # colour; the others need the full style for their colours to blend right.
        partial = name == "tactic-matrix--cursor"
        return self.get_component_rich_style(name, partial=partial)

    def render_line(self, y: int) -> Strip:
        """Render screen line ``y``: the header on line 0, cell rows below it."""
        scroll_x, scroll_y = self.scroll_offset
        line = 0 if y == 0 else y + int(scroll_y)
        width = self.scrollable_content_region.width
        style = self.rich_style
        if self._matrix is None:
            text = "no events loaded" if y == 0 else ""
            dim = self.get_component_rich_style("tactic-matrix--zero")
            return Strip([Segment(text, style + dim)]).crop_extend(0, width, style)
        col, row = self._cursor
        cursor_col = col if row + 1 == line else None
        key = (line, cursor_col, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_full_line(line, cursor_col)
            self._strips[key] = strip
        return strip.crop_extend(int(scroll_x), int(scroll_x) + width, style)

    def _render_full_line(self, line: int, cursor_col: int | None) -> Strip:
        """One virtual line across every column (line 0 is the header)."""
        assert self._matrix is not None
        base = self.rich_style
        component = self._component
        cursor = component("tactic-matrix--cursor")
        segments: list[Segment] = []
        for index, tactic in enumerate(self._matrix.tactics):
            width = self._widths[index] - 1
            on_cursor = index == cursor_col
            if line == 0:
                parts = header_parts(tactic, width, base + component("tactic-matrix--header"))
            elif line - 1 < len(tactic.cells):
                parts = cell_parts(tactic.cells[line - 1], width, base, component)
            else:
                parts = [(" " * width, base)]
            for text, part_style in parts:
                segments.append(Segment(text, part_style + cursor if on_cursor else part_style))
            segments.append(Segment(" ", base))
        return Strip(segments, self._offsets[-1])
