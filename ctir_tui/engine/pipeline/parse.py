"""Parse input files in parallel into raw record frames, then normalise them in batches.

Threads suffice because inflating and Polars' JSON reader both release the GIL. A delivery
file goes through Polars' reader directly; any other shape, and any file Polars refuses,
through the readers registry (record dicts projected onto the raw fields).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.discover import SourceFile, read_source
from ctir_tui.engine.pipeline.inflate import decompress
from ctir_tui.engine.pipeline.normalise import normalise, project
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.readers.registry import parse_bytes
from ctir_tui.engine.readers.s3_delivery import looks_like_s3_delivery
from ctir_tui.engine.schema import RAW_FIELDS, RAW_RECORD

#: Raw frames normalised together: one Polars query per batch rather than per file.
BATCH_FILES = 64


class LoadCancelled(Exception):
    """The load was cancelled by the caller."""


@dataclass(slots=True)
class Outcome:
    """What parsing one file gave: its report, its raw rows and its rejected records."""

    report: FileReport
    raw: pl.DataFrame | None
    rejected: list[tuple[int, str]]


_FAST_SCHEMA = {"Records": pl.List(RAW_RECORD)}


def _fast_s3(data: bytes) -> tuple[pl.DataFrame, int] | None:
    """Read a ``{"Records":[...]}`` document with Polars; None if it needs the fallback."""
    try:
        doc = pl.read_json(data, schema=_FAST_SCHEMA)
    except Exception:  # Polars raises several types for odd content; the fallback decides.
        return None
    if doc.height != 1:
        return None
    records = doc.get_column("Records")
    count = int(records.list.len()[0] or 0)
    if count == 0:
        return pl.DataFrame(schema=RAW_FIELDS), 0
    return records.explode().struct.unnest(), count


def _fast_outcome(report: FileReport, raw: pl.DataFrame, count: int, file_id: int) -> Outcome:
    report.shape, report.records = "s3-delivery", count
    raw = raw.with_columns(
        pl.lit(file_id, pl.UInt32).alias(c.FILE_ID),
        pl.int_range(0, pl.len(), dtype=pl.UInt32).alias(c.REC_INDEX),
    )
    rejected: list[tuple[int, str]] = []
    if raw.get_column("eventName").null_count():
        named = pl.col("eventName").is_not_null() | (
            pl.col("insightDetails").struct.field("eventName").is_not_null()
        )
        bad = raw.filter(~named).get_column(c.REC_INDEX)
        rejected = [(int(i), "not a CloudTrail record (no eventName)") for i in bad]
        raw = raw.filter(named)
    report.rejected = len(rejected)
    return Outcome(report, raw, rejected)


def parse_one(source: SourceFile, file_id: int) -> Outcome:
    """Read, inflate and parse one input into raw rows (never raises for bad content)."""
    report = FileReport(source.display, "read")
    try:
        data = read_source(source)
    except OSError as exc:
        report.status, report.reason = "failed", f"cannot read ({exc.strerror or exc})"
        return Outcome(report, None, [])
    except Exception as exc:  # zipfile raises many kinds for damaged members
        report.status, report.reason = "failed", f"cannot read ({exc})"
        return Outcome(report, None, [])
    data, gz_error = decompress(data)
    fast = _fast_s3(data) if gz_error is None and looks_like_s3_delivery(data) else None
    if fast is not None:
        return _fast_outcome(report, *fast, file_id)

    parsed = parse_bytes(data)
    report.shape = parsed.shape
    if parsed.skip is not None and not parsed.items:
        report.status, report.reason = "skipped", parsed.skip
        return Outcome(report, None, [])
    if parsed.error is not None or (gz_error and not parsed.items):
        report.status, report.reason = "failed", gz_error or parsed.error
        return Outcome(report, None, [])
    rejected: list[tuple[int, str]] = []
    records = []
    indices = []
    for index, item in enumerate(parsed.items):
        if item.record is None:
            rejected.append((index, item.reason or "unusable record"))
        else:
            records.append(item.record)
            indices.append(index)
    notes = [n for n in (gz_error, parsed.salvage) if n]
    if gz_error:
        notes.append(f"salvaged {len(records)} records before the damage")
    report.salvage = "; ".join(notes) or None
    report.records, report.rejected = len(parsed.items), len(rejected)
    raw = project(records).with_columns(
        pl.lit(file_id, pl.UInt32).alias(c.FILE_ID),
        pl.Series(c.REC_INDEX, indices, dtype=pl.UInt32),
    )
    return Outcome(report, raw, rejected)


def _normalise_batch(batch: list[pl.DataFrame], names: dict[int, str]) -> pl.DataFrame:
    raw = pl.concat(batch, how="vertical")
    ids = raw.get_column(c.FILE_ID).unique().to_list()
    sources = pl.DataFrame(
        {
            c.FILE_ID: pl.Series(ids, dtype=pl.UInt32),
            c.SOURCE_FILE: [names[i] for i in ids],
        }
    )
    return normalise(raw, sources)


def parse_all(
    sources: list[SourceFile],
    todo: list[int],
    outcomes: dict[int, Outcome],
    workers: int | None,
    cancel: threading.Event | None,
    tell: Callable[[int, int], None],
    events: int,
) -> tuple[list[pl.DataFrame], int]:
    """Parse the inputs ``todo`` (indices into ``sources``) on a thread pool.

    Args:
        sources: Every input, indexed by ``file_id``.
        todo: The ``file_id`` of each input to parse.
        outcomes: Filled with each parsed file's outcome.
        workers: Threads (one per core by default).
        cancel: When set, the parse stops and raises :class:`LoadCancelled`.
        tell: Progress callback: (files done, events so far).
        events: Events already loaded (from the cache).

    Returns:
        The normalised frames (one per batch of files) and the event count.
    """
    workers = workers or os.cpu_count() or 2
    names = {i: sources[i].display for i in todo}
    done = len(sources) - len(todo)
    batch: list[pl.DataFrame] = []
    normalised: list[Future[pl.DataFrame]] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ctir-parse") as pool:
        queue = iter(todo)
        index_of: dict[Future[Outcome], int] = {}
        # Keep a bounded window in flight so cancellation is prompt and memory stays flat.
        for file_id in queue:
            index_of[pool.submit(parse_one, sources[file_id], file_id)] = file_id
            if len(index_of) >= workers * 4:
                break
        pending: set[Future[Outcome]] = set(index_of)
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if cancel is not None and cancel.is_set():
                for fut in pending | set(normalised):
                    fut.cancel()
                raise LoadCancelled
            for fut in finished:
                outcome = fut.result()
                outcomes[index_of.pop(fut)] = outcome
                if outcome.raw is not None and outcome.raw.height:
                    batch.append(outcome.raw)
                    events += outcome.raw.height
                    outcome.raw = None
                done += 1
                nxt = next(queue, None)
                if nxt is not None:
                    new = pool.submit(parse_one, sources[nxt], nxt)
                    index_of[new] = nxt
                    pending.add(new)
            if len(batch) >= BATCH_FILES or (not pending and batch):
                normalised.append(pool.submit(_normalise_batch, batch, names))
                batch = []
            if finished:
                tell(done, events)
        return [fut.result() for fut in normalised], events
