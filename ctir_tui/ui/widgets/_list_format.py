"""Columns of the event list and the Polars expressions that turn a frame slice into cells.

Nothing here touches a widget: :class:`~ctir_tui.ui.widgets.event_list.EventList` slices the
visible rows out of the frame and asks :func:`format_rows` for their display text, so the work
per screen is one small ``select`` whatever the size of the frame; :func:`row_strip` then lays
the cells out with the styles the widget picked from its component classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import polars as pl
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from ctir_tui.engine import schema
from ctir_tui.engine.case.marks import KEY_COLUMNS, mark_key_expr
from ctir_tui.text import fit, inert

#: Longest text kept for one cell; wider than any column, short enough to be cheap.
CELL_LIMIT: Final = 256
#: Cells of the gutter left of the columns: a mark flag, a failed-call flag and a space.
GUTTER: Final = 3


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the list: its frame column, title and how it gives way when narrow."""

    key: str
    title: str
    min_width: int
    width: int
    priority: int
    """Lower numbers are kept longer when the list is too narrow for every column."""
    flex: int
    """Share of the width left once every shown column has its preferred width."""
    optional: bool = False
    """Shown only when the others can also have their preferred widths."""


COLUMNS: Final = (
    Column(schema.TIME, "Time (UTC)", 19, 19, 0, 0),
    Column(schema.PRINCIPAL, "Principal", 15, 30, 2, 3),
    Column(schema.EVENT_NAME, "Event", 14, 24, 1, 2),
    Column(schema.EVENT_SOURCE, "Source", 6, 12, 5, 1, optional=True),
    Column(schema.SOURCE_IP, "Source IP", 15, 15, 4, 0),
    Column(schema.REGION, "Region", 9, 14, 6, 0, optional=True),
    Column(schema.ERROR_CODE, "Error", 8, 18, 3, 1),
)

_ARN_PREFIX: Final = r"^arn:aws[\w-]*:(?:iam|sts)::\d*:"


@lru_cache(maxsize=64)
def layout(width: int) -> tuple[tuple[Column, int], ...]:
    """Fit the columns to ``width`` cells (gutter and one-cell separators included).

    Columns are kept, most important first, while their minimum widths fit (optional ones
    only if the others could still have their preferred widths); the room left grows them to
    their preferred widths, most important first, then goes to the flexible ones.

    Returns:
        The kept columns, in display order, each with its width.
    """
    avail = max(width - GUTTER, 0)
    kept: list[Column] = []
    used = -1
    for column in sorted(COLUMNS, key=lambda c: c.priority):
        need = column.min_width + 1
        if column.optional:
            need += sum(c.width - c.min_width for c in kept if not c.optional)
        if kept and used + need > avail:
            continue
        kept.append(column)
        used += column.min_width + 1
    widths = {c.key: c.min_width for c in kept}
    spare = avail - used
    for column in sorted(kept, key=lambda c: (c.optional, c.priority)):
        grow = min(spare, column.width - column.min_width)
        widths[column.key] += max(grow, 0)
        spare -= max(grow, 0)
    flexible = [c for c in kept if c.flex]
    total_flex = sum(c.flex for c in flexible)
    if spare > 0 and total_flex:
        given = 0
        for column in flexible:
            share = spare * column.flex // total_flex
            widths[column.key] += share
            given += share
        widths[flexible[0].key] += spare - given
    order = {c.key: i for i, c in enumerate(COLUMNS)}
    kept.sort(key=lambda c: order[c.key])
    return tuple((c, widths[c.key]) for c in kept)


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


@dataclass(frozen=True, slots=True)
class RowCells:
    """The display text of one event, already made inert and bounded."""

    cells: dict[str, str]
    failed: bool
    key: str | None
    marked: bool
    #: The loader flagged the record as suspicious (see the ``flagged`` filter).
    flagged: bool = False
    #: The gutter's glyph when marked: ``*``, or the initial of a tag it carries.
    glyph: str = "*"


def format_rows(
    rows: pl.DataFrame, marks: frozenset[str], glyphs: Mapping[str, str] | None = None
) -> list[RowCells]:
    """Turn a few rows of the event frame into display cells.

    Args:
        rows: A small slice of the frame (the visible rows), in display order.
        marks: Mark keys (see :func:`mark_key_expr`) of the marked events.
        glyphs: The gutter glyph of a marked event, by key, when not ``*``.

    Returns:
        One :class:`RowCells` per row of ``rows``.
    """
    dtype = rows.schema.get(schema.TIME)
    if isinstance(dtype, pl.Datetime):
        time = pl.col(schema.TIME)
        if dtype.time_zone is not None:
            time = time.dt.convert_time_zone("UTC")
        time = time.dt.strftime("%Y-%m-%d %H:%M:%S")
    else:
        time = _text(rows, schema.TIME)
    has_key = set(rows.columns) >= KEY_COLUMNS
    exprs = {
        schema.TIME: time.fill_null("-"),
        schema.PRINCIPAL: _text(rows, schema.PRINCIPAL).str.replace(_ARN_PREFIX, ""),
        schema.EVENT_NAME: _text(rows, schema.EVENT_NAME),
        schema.EVENT_SOURCE: _text(rows, schema.EVENT_SOURCE).str.strip_suffix(".amazonaws.com"),
        schema.SOURCE_IP: _text(rows, schema.SOURCE_IP),
        schema.REGION: _text(rows, schema.REGION),
        schema.ERROR_CODE: _text(rows, schema.ERROR_CODE),
        "__key": mark_key_expr() if has_key else pl.lit(None, dtype=pl.String),
        "__flagged": pl.col(schema.FLAGS).is_not_null()
        if schema.FLAGS in rows.columns
        else pl.lit(False),
    }
    shown = rows.select(**exprs)
    keys = [c.key for c in COLUMNS]
    out: list[RowCells] = []
    for values in shown.iter_rows(named=True):
        cells = {k: inert(values[k], limit=CELL_LIMIT) for k in keys}
        key = values["__key"]
        failed = values[schema.ERROR_CODE] is not None
        marked = key is not None and key in marks
        glyph = (glyphs or {}).get(key, "*") if marked else "*"
        out.append(RowCells(cells, failed, key, marked, bool(values["__flagged"]), glyph))
    return out


def header_strip(width: int, style: Style, *, descending: bool) -> Strip:
    """The column titles for ``width`` cells, the time title showing the sort order."""
    segments = [Segment(" " * GUTTER, style)]
    arrow = " ↓" if descending else " ↑"
    for column, size in layout(width):
        title = column.title + (arrow if column.key == schema.TIME else "")
        segments.append(Segment(fit(title, size) + " ", style))
    return Strip(segments).adjust_cell_length(width, style)


def row_strip(row: RowCells, width: int, style: Style, error: Style, mark: Style) -> Strip:
    """One event laid out in ``width`` cells: gutter flags, then the columns that fit."""
    segments = [
        Segment(row.glyph if row.marked else " ", mark),
        Segment("!" if row.failed else " ", error),
        Segment("?", mark) if row.flagged else Segment(" ", style),
    ]
    for column, size in layout(width):
        cell_style = error if row.failed and column.key == schema.ERROR_CODE else style
        segments.append(Segment(fit(row.cells[column.key], size), cell_style))
        segments.append(Segment(" ", style))
    return Strip(segments).adjust_cell_length(width, style)


class PageCells:
    """The cells of the rows formatted so far, a page at a time, for one frame generation."""

    def __init__(self, size: int = 1024) -> None:
        self._cells: LRUCache[tuple[int, int], RowCells] = LRUCache(size)

    def clear(self) -> None:
        """Forget every row (the frame or the marks changed)."""
        self._cells.clear()

    def row(
        self,
        frame: pl.DataFrame,
        generation: int,
        row: int,
        *,
        top: int,
        page: int,
        descending: bool,
        marks: frozenset[str],
        glyphs: Mapping[str, str] | None = None,
    ) -> RowCells:
        """The cells of displayed ``row``, formatting its whole page on a miss.

        One small Polars select per screenful, whatever the size of the frame.
        """
        cells = self._cells.get((generation, row))
        if cells is not None:
            return cells
        height = frame.height
        start = top if top <= row < top + page else row
        stop = min(start + page, height)
        if descending:
            rows = frame.slice(height - stop, stop - start).reverse()
        else:
            rows = frame.slice(start, stop - start)
        for offset, formatted in enumerate(format_rows(rows, marks, glyphs)):
            self._cells[(generation, start + offset)] = formatted
        return self._cells[(generation, row)]
