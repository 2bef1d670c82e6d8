"""Order the loaded rows by time and drop re-delivered copies of the same event.

CloudTrail delivers some events twice (in two files, or in two trails): the same
``eventID``. The first copy in (time, file, record) order is kept and the others counted.
"""

from __future__ import annotations

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.report import LoadReport


def sort_rows(frame: pl.DataFrame, *, presorted: bool) -> pl.DataFrame:
    """Order by time, events without a time last; ties keep file and record order.

    The cache stores rows in this order, so a reopen with nothing changed skips the sort.
    Sorting one chunk is an order of magnitude faster than gathering across the per-batch
    chunks, hence the rechunk.
    """
    frame = frame.rechunk()
    if presorted:
        return frame
    return frame.sort([c.TIME, c.FILE_ID, c.REC_INDEX], nulls_last=True)


def drop_duplicates(frame: pl.DataFrame, report: LoadReport) -> pl.DataFrame:
    """Keep the first row of each ``eventID`` (rows without one are all kept); count the rest."""
    before = frame.height
    event_id = pl.col(c.EVENT_ID)
    frame = frame.filter(event_id.is_null() | event_id.is_first_distinct())
    report.duplicates = before - frame.height
    report.loaded = frame.height
    report.no_time = frame.get_column(c.TIME).null_count()
    return frame
