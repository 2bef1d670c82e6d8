"""The matching events written out: their original records (JSON Lines) or columns (CSV).

JSON Lines is the evidence: each record exactly as the source file holds it (pretty-printed
sources are compacted, because a line cannot hold newlines). CSV is the canonical columns.
When the output is a terminal, whatever a terminal would interpret is escaped.
"""

from __future__ import annotations

from typing import Final, TextIO

import orjson
import polars as pl

from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.engine.schema import EVENT_SCHEMA, LOCATOR_COLUMNS
from ctir_tui.text import inert

#: The columns of a CSV export, in frame order.
CSV_COLUMNS: Final = tuple(name for name in EVENT_SCHEMA if name not in LOCATOR_COLUMNS)


def write_jsonl(raw: RawStore, frame: pl.DataFrame, out: TextIO, *, to_terminal: bool) -> int:
    """Write the original record of every row of ``frame``, one per line; return the count."""
    count = 0
    for text in raw.iter_frame(frame):
        if "\n" in text or "\r" in text:
            # One record per line: pretty-printed sources are compacted (same content).
            text = orjson.dumps(orjson.loads(text)).decode()
        out.write((inert(text, limit=None) if to_terminal else text) + "\n")
        count += 1
    return count


def write_csv(frame: pl.DataFrame, out: TextIO, *, to_terminal: bool) -> int:
    """Write the canonical columns of ``frame`` as CSV; return the number of rows."""
    text = frame.select(CSV_COLUMNS).write_csv(datetime_format="%Y-%m-%dT%H:%M:%S%.fZ")
    out.write(inert(text, limit=None, single_line=False) if to_terminal else text)
    return frame.height
