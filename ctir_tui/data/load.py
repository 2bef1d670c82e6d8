"""Load CloudTrail exports into one Polars frame, in parallel, losing nothing silently.

The pipeline: discover inputs -> reuse cached rows of unchanged files -> parse the rest on a
thread pool (inflate + Polars' JSON reader; a Python fallback for odd shapes and damaged
files) -> normalise -> deduplicate on ``eventID`` -> sort by time -> add tactic columns.
Threads suffice because inflating and Polars' reader both release the GIL.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ctir_tui.data import cache
from ctir_tui.data.formats import decompress, looks_like_s3_delivery, parse_bytes
from ctir_tui.data.normalize import normalise, project
from ctir_tui.data.report import MAX_REJECTED_DETAILS, FileReport, LoadReport, RejectedRecord
from ctir_tui.data.schema import RAW_FIELDS, RAW_RECORD, empty_frame
from ctir_tui.data.sources import MissingPathError, SourceFile, discover, read_source

__all__ = [
    "LoadCancelled",
    "LoadOptions",
    "LoadResult",
    "MissingPathError",
    "Progress",
    "load_paths",
]


class LoadCancelled(Exception):
    """The load was cancelled by the caller."""


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to load."""

    use_cache: bool = True
    #: Where the cache lives; the platformdirs cache directory by default.
    cache_dir: Path | None = None
    #: Parser threads; one per core by default.
    workers: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report, posted after each file."""

    files_done: int
    files_total: int
    events: int
    elapsed: float
    phase: str = "parsing"

    @property
    def rate(self) -> float:
        """Events per second so far."""
        return self.events / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, estimated from the files done so far."""
        if self.files_done == 0 or self.files_done >= self.files_total:
            return None
        return self.elapsed / self.files_done * (self.files_total - self.files_done)


@dataclass(slots=True)
class LoadResult:
    """The loaded events, where each came from, and the load report."""

    frame: pl.DataFrame
    report: LoadReport
    #: Inputs indexed by ``file_id``.
    sources: list[SourceFile]
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Outcome:
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


def _parse_one(source: SourceFile, file_id: int) -> _Outcome:
    report = FileReport(source.display, "read")
    try:
        data = read_source(source)
    except OSError as exc:
        report.status, report.reason = "failed", f"cannot read ({exc.strerror or exc})"
        return _Outcome(report, None, [])
    except Exception as exc:  # zipfile raises many kinds for damaged members
        report.status, report.reason = "failed", f"cannot read ({exc})"
        return _Outcome(report, None, [])
    data, gz_error = decompress(data)
    rejected: list[tuple[int, str]] = []
    fast = _fast_s3(data) if gz_error is None and looks_like_s3_delivery(data) else None
    if fast is not None:
        raw, count = fast
        report.shape, report.records = "s3-delivery", count
        raw = raw.with_columns(
            file_id=pl.lit(file_id, pl.UInt32),
            rec_index=pl.int_range(0, pl.len(), dtype=pl.UInt32),
        )
        if raw.get_column("eventName").null_count():
            named = pl.col("eventName").is_not_null() | (
                pl.col("insightDetails").struct.field("eventName").is_not_null()
            )
            bad = raw.filter(~named).get_column("rec_index")
            rejected = [(int(i), "not a CloudTrail record (no eventName)") for i in bad]
            raw = raw.filter(named)
        report.rejected = len(rejected)
        return _Outcome(report, raw, rejected)

    parsed = parse_bytes(data)
    report.shape = parsed.shape
    if parsed.skip is not None and not parsed.items:
        report.status, report.reason = "skipped", parsed.skip
        return _Outcome(report, None, [])
    if parsed.error is not None or (gz_error and not parsed.items):
        report.status, report.reason = "failed", gz_error or parsed.error
        return _Outcome(report, None, [])
    records = []
    indices_list = []
    for index, item in enumerate(parsed.items):
        if item.record is None:
            rejected.append((index, item.reason or "unusable record"))
        else:
            records.append(item.record)
            indices_list.append(index)
    notes = [n for n in (gz_error, parsed.salvage) if n]
    if gz_error:
        notes.append(f"salvaged {len(records)} records before the damage")
    report.salvage = "; ".join(notes) or None
    report.records, report.rejected = len(parsed.items), len(rejected)
    raw = project(records).with_columns(
        file_id=pl.lit(file_id, pl.UInt32),
        rec_index=pl.Series(indices_list, dtype=pl.UInt32),
    )
    return _Outcome(report, raw, rejected)


def _sort(frame: pl.DataFrame, *, presorted: bool) -> pl.DataFrame:
    """Order by time; ties keep file order, so the first copy of a duplicate is kept.

    The cache stores rows in this order, so a reopen with nothing changed skips the sort.
    Sorting one chunk is an order of magnitude faster than gathering across the per-batch
    chunks, hence the rechunk.
    """
    frame = frame.rechunk()
    if presorted:
        return frame
    return frame.sort(["time", "file_id", "rec_index"], nulls_last=True)


def _finish(frame: pl.DataFrame, report: LoadReport) -> pl.DataFrame:
    before = frame.height
    frame = frame.filter(pl.col("event_id").is_null() | pl.col("event_id").is_first_distinct())
    report.duplicates = before - frame.height
    report.loaded = frame.height
    report.no_time = frame.get_column("time").null_count()
    return frame


def load_paths(
    paths: Sequence[Path | str],
    options: LoadOptions | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> LoadResult:
    """Load every CloudTrail record below ``paths`` into the canonical frame.

    Args:
        paths: Files and folders (zip archives are read in place).
        options: Cache and parallelism settings.
        progress: Called (from the loading thread) after each file.
        cancel: When set, the load stops and raises :class:`LoadCancelled`.

    Returns:
        The frame (deduplicated, sorted by time, nulls last), the report and the sources.

    Raises:
        MissingPathError: A given path does not exist.
        LoadCancelled: ``cancel`` was set.
    """
    options = options or LoadOptions()
    started = time.perf_counter()
    sources, unreadable = discover(paths)
    report = LoadReport()
    warnings: list[str] = []
    roots = sorted(os.path.abspath(os.fspath(p)) for p in paths)
    entry = cache.entry_dir(roots, options.cache_dir)
    cached = cache.read_manifest(entry) if options.use_cache else {}

    reuse: dict[int, int] = {}  # old file_id -> new file_id
    outcomes: dict[int, _Outcome] = {}
    todo: list[int] = []
    for file_id, source in enumerate(sources):
        hit = cached.get(source.key)
        if hit and hit.size == source.size and hit.mtime_ns == source.mtime_ns:
            reuse[hit.file_id] = file_id
            outcomes[file_id] = _Outcome(hit.report, None, hit.rejected)
        else:
            todo.append(file_id)
    report.from_cache = len(reuse)

    def tell(done: int, events: int, phase: str = "parsing") -> None:
        if progress is not None:
            progress(Progress(done, len(sources), events, time.perf_counter() - started, phase))

    frames: list[pl.DataFrame] = []
    events = 0
    if reuse:
        frames.append(cache.read_rows(entry, reuse, len(cached)))
        events = frames[0].height
    tell(len(reuse), events)

    raws: list[pl.DataFrame] = []
    if todo:
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the parsers allocate millions of short-lived objects, none cyclic
        try:
            raws, events = _parse_all(sources, todo, outcomes, options, cancel, tell, events)
        finally:
            if gc_was_enabled:
                gc.enable()
    frames.extend(raws)
    frame = pl.concat(frames, how="vertical", rechunk=False) if frames else empty_frame()

    for file_id, source in enumerate(sources):
        outcome = outcomes[file_id]
        report.files.append(outcome.report)
        report.records_seen += outcome.report.records
        for index, reason in outcome.rejected:
            report.add_rejected(RejectedRecord(source.display, index, reason))
        # A file's count of rejected records may exceed the details kept for it.
        report.rejected += outcome.report.rejected - len(outcome.rejected)
    for bad in unreadable:
        report.files.append(FileReport(bad.path, "failed", reason=bad.reason))

    presorted = not todo and all(old == new for old, new in reuse.items())
    frame = _sort(frame, presorted=presorted)
    if options.use_cache and todo:
        manifest = [
            cache.CachedFile(
                s.path,
                s.member,
                s.size,
                s.mtime_ns,
                i,
                outcomes[i].report,
                outcomes[i].rejected[:MAX_REJECTED_DETAILS],
            )
            for i, s in enumerate(sources)
        ]
        warning = cache.write_entry(entry, frame, manifest)
        if warning:
            warnings.append(warning)
    frame = _finish(frame, report)
    report.seconds = time.perf_counter() - started
    return LoadResult(frame, report, sources, warnings)


#: Raw frames normalised together: one Polars query per batch rather than per file.
_BATCH_FILES = 64


def _normalise_batch(batch: list[pl.DataFrame], names: dict[int, str]) -> pl.DataFrame:
    raw = pl.concat(batch, how="vertical")
    ids = raw.get_column("file_id").unique().to_list()
    sources = pl.DataFrame(
        {
            "file_id": pl.Series(ids, dtype=pl.UInt32),
            "source_file": [names[i] for i in ids],
        }
    )
    return normalise(raw, sources)


def _parse_all(
    sources: list[SourceFile],
    todo: list[int],
    outcomes: dict[int, _Outcome],
    options: LoadOptions,
    cancel: threading.Event | None,
    tell: Callable[[int, int], None],
    events: int,
) -> tuple[list[pl.DataFrame], int]:
    workers = options.workers or os.cpu_count() or 2
    names = {i: sources[i].display for i in todo}
    done = len(sources) - len(todo)
    batch: list[pl.DataFrame] = []
    normalised: list[Future[pl.DataFrame]] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ctir-parse") as pool:
        queue = iter(todo)
        index_of: dict[Future[_Outcome], int] = {}
        # Keep a bounded window in flight so cancellation is prompt and memory stays flat.
        for file_id in queue:
            index_of[pool.submit(_parse_one, sources[file_id], file_id)] = file_id
            if len(index_of) >= workers * 4:
                break
        pending: set[Future[_Outcome]] = set(index_of)
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
                    new = pool.submit(_parse_one, sources[nxt], nxt)
                    index_of[new] = nxt
                    pending.add(new)
            if len(batch) >= _BATCH_FILES or (not pending and batch):
                normalised.append(pool.submit(_normalise_batch, batch, names))
                batch = []
            if finished:
                tell(done, events)
        return [fut.result() for fut in normalised], events
