"""The matching events written out: their original records (JSON Lines) or columns (CSV).

JSON Lines is the evidence: each record exactly as the source file holds it, byte for byte
into a file or a pipe (a pretty-printed record has its line breaks turned into spaces, the
only change a line-per-record format forces). On a terminal, the characters a terminal
would act on are written as JSON escapes (``\\u009b``): the same JSON, inert.

CSV is for people and spreadsheets: the canonical columns, streamed in batches, with every
control, C1 and bidi character escaped visibly and every cell that a spreadsheet would run
as a formula (``=``, ``+``, ``-``, ``@``, a leading tab or carriage return) prefixed with a
quote, as OWASP's CSV-injection guidance says.
"""

from __future__ import annotations

import io
from typing import Final, TextIO

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.text import DANGEROUS_PATTERN, inert, json_safe

#: The columns of a CSV export, in frame order.
CSV_COLUMNS: Final = tuple(
    name for name in c.EVENT_SCHEMA if name not in (*c.LOCATOR_COLUMNS, c.CONTENT_HASH, c.TIME_TEXT)
)
#: Rows written per batch: memory stays flat whatever the export's size.
BATCH_ROWS: Final = 50_000
_FORMULA: Final = r"^[=+\-@\t\r]"


def write_jsonl(raw: RawStore, frame: pl.DataFrame, out: TextIO, *, to_terminal: bool) -> int:
    """Write the original record of every row of ``frame``, one per line; return the count.

    Raises:
        EvidenceChanged: A source file changed since the load (nothing else is written).
    """
    count = 0
    for text in raw.iter_frame(frame):
        if "\n" in text or "\r" in text:
            # JSON puts line breaks only between tokens: spaces keep it the same record.
            text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
        out.write((json_safe(text) if to_terminal else text) + "\n")
        count += 1
    return count


def _cells(batch: pl.DataFrame) -> pl.DataFrame:
    """A batch of rows as CSV text cells: lists joined, times in ISO, formulas defused."""
    exprs = []
    for name in CSV_COLUMNS:
        col = pl.col(name)
        dtype = batch.schema[name]
        if isinstance(dtype, pl.Datetime):
            text = col.dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
        elif isinstance(dtype, pl.List):
            text = col.list.join(" ")
        else:
            text = col.cast(pl.String)
        defused = pl.when(text.str.contains(_FORMULA)).then(pl.lit("'") + text).otherwise(text)
        exprs.append(defused.alias(name))
    cells = batch.select(exprs)
    # Control, C1 and bidi characters (rare): escaped visibly, cell by cell, in Python.
    odd = pl.any_horizontal(pl.col(n).str.contains(DANGEROUS_PATTERN) for n in CSV_COLUMNS)
    flagged = cells.with_row_index("__row").filter(odd.fill_null(False))
    if flagged.height:
        fixed = flagged.with_columns(
            pl.col(n).map_elements(lambda v: inert(v, limit=None), return_dtype=pl.String)
            for n in CSV_COLUMNS
        )
        cells = cells.with_row_index("__row").update(fixed, on="__row").drop("__row")
    return cells


def write_csv(frame: pl.DataFrame, out: TextIO, *, to_terminal: bool = False) -> int:
    """Write the canonical columns of ``frame`` as CSV, in batches; return the number of rows.

    The same safe text is written to a terminal and to a file.
    """
    for start in range(0, max(frame.height, 1), BATCH_ROWS):
        batch = _cells(frame.slice(start, BATCH_ROWS))
        buffer = io.StringIO()
        batch.write_csv(buffer, include_header=start == 0)
        out.write(buffer.getvalue())
    return frame.height
