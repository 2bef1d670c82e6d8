"""The bundle's events in Timesketch's JSONL import format.

One JSON object per line with the three fields Timesketch requires: ``message`` (a
one-line summary), ``datetime`` (ISO 8601 with offset) and ``timestamp_desc`` (``Event
Time``: CloudTrail's ``eventTime``), plus ``timestamp`` (epoch microseconds), every
canonical column that is set, the tactics, ``tag`` (the case's tags, which Timesketch
imports as event tags), ``ctir_note``, ``ctir_marked``, ``ctir_key`` and
``ctir_found_by``. Events without a time cannot be placed on a timeline and are left out
(the manifest counts them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import IO, Any, Final

import orjson
import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.case.report import KEY
from ctir_tui.engine.case.store import CaseStore
from ctir_tui.engine.export.records import CSV_COLUMNS

TIMESTAMP_DESC: Final = "Event Time"
_BATCH: Final = 10_000
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def message(row: dict[str, Any]) -> str:
    """``CreateUser by arn:… from 203.0.113.7 (iam.amazonaws.com, us-east-1) failed: …``."""
    text = f"{row.get(c.EVENT_NAME) or '?'} by {row.get(c.PRINCIPAL) or '?'}"
    if row.get(c.SOURCE_IP):
        text += f" from {row[c.SOURCE_IP]}"
    where = ", ".join(str(row[k]) for k in (c.EVENT_SOURCE, c.REGION) if row.get(k))
    if where:
        text += f" ({where})"
    if row.get(c.ERROR_CODE):
        text += f" failed: {row[c.ERROR_CODE]}"
    return text


def write_timesketch(frame: pl.DataFrame, case: CaseStore, out: IO[bytes]) -> int:
    """Write one line per event of ``frame`` (which has :data:`KEY`); return how many had no
    time and were left out."""
    columns = [col for col in CSV_COLUMNS if col in frame.columns]
    columns += [col for col in (c.TACTICS, KEY) if col in frame.columns]
    skipped = 0
    for part in frame.select(columns).iter_slices(_BATCH):
        for row in part.iter_rows(named=True):
            moment = row.pop(c.TIME)
            if not isinstance(moment, datetime):
                skipped += 1
                continue
            key = row.pop(KEY)
            entry = case.get(key) if key is not None else None
            line: dict[str, Any] = {
                "message": message(row),
                "datetime": moment.isoformat(),
                "timestamp_desc": TIMESTAMP_DESC,
                "timestamp": (moment - _EPOCH) // _MICROSECOND,
            }
            line.update({k: v for k, v in row.items() if v is not None and v != []})
            line["tag"] = list(entry.tags) if entry else []
            line["ctir_note"] = entry.note if entry else ""
            line["ctir_marked"] = bool(entry and entry.marked)
            line["ctir_key"] = key
            line["ctir_found_by"] = list(entry.found_by) if entry else []
            out.write(orjson.dumps(line) + b"\n")
    return skipped
