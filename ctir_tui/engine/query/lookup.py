"""Find rows of a view: an event, the next match of a search, the first event after a time.

Polars over the whole frame, never a Python loop; the explorer runs these in workers. Every
function answers with frame row indices (the list maps them to displayed rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.clauses import TextClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.texts import TextSearch
from ctir_tui.engine.times import as_utc

_ROW: Final = "__row"


def rows_where(frame: pl.DataFrame, expr: pl.Expr) -> pl.Series:
    """Indices (ascending) of the rows where ``expr`` holds."""
    return frame.with_row_index(_ROW).filter(expr).get_column(_ROW)


def matching_rows(frame: pl.DataFrame, text: str, texts: TextSearch | None = None) -> pl.Series:
    """Indices of the rows holding ``text``: the same test as the ``text`` filter (which
    also searches request and response text when given the load's ``texts``)."""
    if not text or not frame.height:
        return pl.Series(_ROW, [], dtype=pl.UInt32)
    return rows_where(frame, Filters((TextClause(value=text),)).to_expr(frame, texts=texts))


def locate(frame: pl.DataFrame, event: Mapping[str, Any]) -> int | None:
    """The row of ``frame`` holding ``event`` (by event ID, else by its record locator)."""
    event_id = event.get(c.EVENT_ID)
    if event_id is not None and c.EVENT_ID in frame.columns:
        match = pl.col(c.EVENT_ID) == event_id
    elif {c.FILE_ID, c.REC_INDEX} <= set(frame.columns) and (
        event.get(c.FILE_ID) is not None and event.get(c.REC_INDEX) is not None
    ):
        match = (pl.col(c.FILE_ID) == event[c.FILE_ID]) & (
            pl.col(c.REC_INDEX) == event[c.REC_INDEX]
        )
    else:
        return None
    found = rows_where(frame, match)
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
    if not height or c.TIME not in frame.columns:
        return 0, False
    when = as_utc(when)
    times = frame.get_column(c.TIME)
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
