"""Order the loaded rows by time; drop re-deliveries, keep (and flag) conflicting copies.

CloudTrail delivers some events twice (in two files, or in two trails): the same
``eventID`` and the same content, of which the first copy in (time, file, record) order is
kept and the others counted. Two records that share an eventID but say different things are
not a re-delivery (one may be forged to hide the other): every distinct copy is kept, each
flagged ``conflicting-copy``, and counted apart.
"""

from __future__ import annotations

import zlib
from typing import Final

import orjson
import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.report import LoadReport
from ctir_tui.engine.pipeline.texts import TextStore

#: The text store's columns compared between copies.
TEXTS: Final = (c.REQUEST_JSON, c.RESPONSE_JSON, c.ADDITIONAL_JSON)

FLAG_CONFLICT: Final = "conflicting-copy"


def sort_rows(frame: pl.DataFrame, order: pl.Expr | None = None) -> pl.DataFrame:
    """Order by time, events without a time last; ties by file (``order``) and record.

    Sorting one chunk is an order of magnitude faster than gathering across the per-batch
    chunks, hence the rechunk.
    """
    frame = frame.rechunk()
    file_order = order if order is not None else pl.col(c.FILE_ID)
    return frame.sort([pl.col(c.TIME), file_order, pl.col(c.REC_INDEX)], nulls_last=True)


def _canonical(text: str | None) -> int:
    """A hash of a JSON text that ignores its layout and key order."""
    if text is None:
        return 0
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return zlib.crc32(text.encode())
    return zlib.crc32(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def _with_texts(frame: pl.DataFrame, texts: TextStore) -> pl.DataFrame:
    """Fold the request, response and additional data into the content hash of the rows
    whose eventID is repeated (a handful: reading their texts is cheap)."""
    repeated = frame.with_row_index("__row").filter(
        pl.col(c.EVENT_ID).is_not_null() & pl.col(c.EVENT_ID).is_duplicated()
    )
    looked_up = texts.join(repeated.select(c.FILE_ID, c.REC_INDEX)).collect()
    extra = [
        zlib.crc32(b"%d %d %d" % tuple(_canonical(row[name]) for name in TEXTS))
        for row in looked_up.iter_rows(named=True)
    ]
    keyed = looked_up.select(c.FILE_ID, c.REC_INDEX).with_columns(
        pl.Series("__extra", extra, dtype=pl.UInt64)
    )
    merged = repeated.join(keyed, on=[c.FILE_ID, c.REC_INDEX], how="left").select(
        "__row", (pl.col(c.CONTENT_HASH) ^ pl.col("__extra").fill_null(0)).alias("__hash")
    )
    hashes = frame.get_column(c.CONTENT_HASH).scatter(
        merged.get_column("__row"), merged.get_column("__hash")
    )
    return frame.with_columns(hashes)


def drop_duplicates(
    frame: pl.DataFrame, report: LoadReport, texts: TextStore | None = None
) -> pl.DataFrame:
    """Drop re-delivered copies, flag conflicting ones, and count both in ``report``."""
    before = frame.height
    event_id = pl.col(c.EVENT_ID)
    if frame.select(event_id.drop_nulls().is_duplicated().any()).item():
        if texts is not None:
            frame = _with_texts(frame, texts)
        same = pl.struct(c.EVENT_ID, c.CONTENT_HASH)
        frame = frame.filter(event_id.is_null() | same.is_first_distinct())
        variants = pl.col(c.CONTENT_HASH).n_unique().over(c.EVENT_ID)
        conflict = event_id.is_not_null() & (variants > 1)
        frame = frame.with_columns(
            pl.when(conflict)
            .then(
                pl.when(pl.col(c.FLAGS).is_null())
                .then(pl.lit(FLAG_CONFLICT))
                .otherwise(pl.col(c.FLAGS).cast(pl.String) + "," + FLAG_CONFLICT)
            )
            .otherwise(pl.col(c.FLAGS).cast(pl.String))
            .cast(pl.Categorical)
            .alias(c.FLAGS)
        )
        report.conflicts = int(frame.select(conflict.sum()).item())
    report.duplicates = before - frame.height
    report.loaded = frame.height
    report.no_time = frame.get_column(c.TIME).null_count()
    report.bad_time = int(frame.get_column(c.TIME_TEXT).is_not_null().sum())
    flags = frame.get_column(c.FLAGS).drop_nulls().cast(pl.String)
    report.flagged = flags.len()
    counts = flags.str.split(",").explode().value_counts(name="n")
    ranked = counts.sort(["n", c.FLAGS], descending=[True, False]).iter_rows()
    report.flags = {str(flag): int(n) for flag, n in ranked} if report.flagged else {}
    return frame
