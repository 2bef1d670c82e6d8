"""Marks: the events a responder singled out, keyed so that the key survives a reload.

An event's mark key is its ``eventID``; a record without one is keyed by its locator
(``@<source file>#<record index>``). The key itself is defined with the filters that test it
(:mod:`ctir_tui.engine.query.marks`); the case store is :mod:`.store`.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from ctir_tui.engine.query.marks import KEY_COLUMNS, mark_key_expr

__all__ = ["KEY_COLUMNS", "mark_key", "mark_key_expr", "marked_rows"]

_ROW = "__row"


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
