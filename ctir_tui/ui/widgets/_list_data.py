"""Row lookups for the event list, done with Polars over the whole frame (no Python loops).

Every function answers with frame row indices; the widget maps them to displayed rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from ctir_tui.data import schema
from ctir_tui.ui.widgets._list_format import mark_key_expr, search_expr

_ROW: Final = "__row"
#: Columns a mark key is built from (see :func:`mark_key_expr`).
KEY_COLUMNS: Final = frozenset({schema.EVENT_ID, schema.FILE_ID, schema.REC_INDEX})


def _rows_where(frame: pl.DataFrame, expr: pl.Expr) -> pl.Series:
    return frame.with_row_index(_ROW).filter(expr).get_column(_ROW)


def matching_rows(frame: pl.DataFrame, text: str) -> pl.Series:
    """Indices (ascending) of the rows holding ``text`` (see :func:`search_expr`)."""
    return _rows_where(frame, search_expr(frame, text))


def marked_rows(frame: pl.DataFrame, marks: Collection[str]) -> pl.Series:
    """Indices (ascending) of the rows whose mark key is in ``marks``."""
    if not marks or not set(frame.columns) >= KEY_COLUMNS:
        return pl.Series(_ROW, [], dtype=pl.UInt32)
    return _rows_where(frame, mark_key_expr().is_in(list(marks)))


def mark_key(frame: pl.DataFrame, index: int) -> str | None:
    """The mark key of row ``index``, or ``None`` if the frame cannot key its rows."""
    if not set(frame.columns) >= KEY_COLUMNS or not 0 <= index < frame.height:
        return None
    key = frame.slice(index, 1).select(mark_key_expr()).item()
    return None if key is None else str(key)


def locate(frame: pl.DataFrame, event: dict[str, Any]) -> int | None:
    """The row of ``frame`` holding ``event`` (by event ID, else by its record locator)."""
    event_id = event.get(schema.EVENT_ID)
    if event_id is not None and schema.EVENT_ID in frame.columns:
        match = pl.col(schema.EVENT_ID) == event_id
    elif {schema.FILE_ID, schema.REC_INDEX} <= set(frame.columns) and (
        event.get(schema.FILE_ID) is not None and event.get(schema.REC_INDEX) is not None
    ):
        match = (pl.col(schema.FILE_ID) == event[schema.FILE_ID]) & (
            pl.col(schema.REC_INDEX) == event[schema.REC_INDEX]
        )
    else:
        return None
    found = _rows_where(frame, match)
    return int(found[0]) if found.len() else None


def next_row(rows: pl.Series, current: int, *, higher: bool) -> int | None:
    """The first of ``rows`` (ascending indices) above (or below) ``current``, wrapping."""
    if rows.is_empty():
        return None
    if higher:
        pos = int(rows.search_sorted(current, side="right"))
        return int(rows[pos] if pos < rows.len() else rows[0])
    pos = int(rows.search_sorted(current, side="left")) - 1
    return int(rows[pos] if pos >= 0 else rows[-1])


def first_at_or_after(frame: pl.DataFrame, when: datetime) -> tuple[int, bool]:
    """The first row at or after ``when`` (naive means UTC) in a frame sorted by time.

    Returns:
        The row and True; or, when every event is older, the newest row and False.
    """
    height = frame.height
    if not height or schema.TIME not in frame.columns:
        return 0, False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    times = frame.get_column(schema.TIME)
    nulls = times.null_count()
    if nulls == 0 or times.tail(nulls).null_count() == nulls:
        # Sorted with events without a time last: binary search the timed part.
        timed = height - nulls
        index = int(times.head(timed).search_sorted(when, side="left"))
        return (index, True) if index < timed else (max(timed - 1, 0), False)
    after = (times >= when).fill_null(False)
    if not after.any():
        return height - 1, False
    return int(after.arg_max() or 0), True
