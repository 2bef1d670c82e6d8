"""Marks: the events a responder singled out, keyed so that the key survives a reload.

An event's mark key is its ``eventID``; a record without one is keyed by its locator
(``@file_id:rec_index``).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from ctir_tui.engine import schema as c

_ROW = "__row"
#: Columns a mark key is built from.
KEY_COLUMNS = frozenset({c.EVENT_ID, c.FILE_ID, c.REC_INDEX})


def mark_key_expr() -> pl.Expr:
    """The key a mark is kept under: the event ID, else the record's locator."""
    locator = pl.concat_str([pl.lit("@"), pl.col(c.FILE_ID), pl.lit(":"), pl.col(c.REC_INDEX)])
    return pl.coalesce(pl.col(c.EVENT_ID), locator)


def mark_key(frame: pl.DataFrame, index: int) -> str | None:
    """The mark key of row ``index``, or ``None`` if the frame cannot key its rows."""
    if not set(frame.columns) >= KEY_COLUMNS or not 0 <= index < frame.height:
        return None
    key = frame.slice(index, 1).select(mark_key_expr()).item()
    return None if key is None else str(key)


def marked_rows(frame: pl.DataFrame, marks: Collection[str]) -> pl.Series:
    """Indices (ascending) of the rows whose mark key is in ``marks``."""
    if not marks or not set(frame.columns) >= KEY_COLUMNS:
        return pl.Series(_ROW, [], dtype=pl.UInt32)
    return frame.with_row_index(_ROW).filter(mark_key_expr().is_in(list(marks))).get_column(_ROW)
