"""Load CloudTrail exports into one Polars frame, in parallel, losing nothing silently.

The pipeline: discover inputs -> reuse the verified cached rows of unchanged files -> parse
the rest in batches on the parsing pool (:mod:`.pool`), each normalised by its worker
(:mod:`.normalise`) -> sort and deduplicate (:mod:`.dedup`) -> write the cache -> report.
While it runs, progress is reported, and the rows so far can be handed out (``partial``) so
that the explorer fills before the load ends.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline import cache
from ctir_tui.engine.pipeline.dedup import as_parsed, count_rows, drop_duplicates
from ctir_tui.engine.pipeline.discover import MissingPathError, SourceFile, discover
from ctir_tui.engine.pipeline.inflate import Limits
from ctir_tui.engine.pipeline.pool import Batch, BatchResult, ParsePool
from ctir_tui.engine.pipeline.report import (
    MAX_REJECTED_DETAILS,
    FileReport,
    LoadReport,
    RejectedRecord,
)
from ctir_tui.engine.pipeline.texts import DROPPED, TextPart, TextStore, scratch_dir
from ctir_tui.engine.pipeline.worker import FileOutcome
from ctir_tui.engine.schema import empty_frame

__all__ = [
    "LoadCancelled",
    "LoadOptions",
    "LoadResult",
    "MissingPathError",
    "Progress",
    "load_paths",
]

#: Inputs larger than this in all (compressed) are parsed in worker processes.
PROCESS_THRESHOLD: Final = 32 << 20
#: A batch closes at this many files or this many (compressed) bytes.
BATCH_FILES: Final = 1024
BATCH_BYTES: Final = 8 << 20
#: How many batches come first at 1 / SMALL_FRACTION of the size (one per worker, twice).
SMALL_BATCHES: Final = 4
SMALL_FRACTION: Final = 16
#: Seconds between two hand-outs of the rows loaded so far.
PARTIAL_EVERY: Final = 1.0


class LoadCancelled(Exception):
    """The load was cancelled by the caller."""


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """How to load."""

    use_cache: bool = True
    #: Where the cache lives; the platformdirs cache directory by default.
    cache_dir: Path | None = None
    #: Parsing workers; one per core by default.
    workers: int | None = None
    #: Worker processes (True), threads in this process (False), or by the input's size.
    processes: bool | None = None
    #: Follow symbolic links that lead outside the given paths.
    follow_links: bool = False
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report, posted after each batch."""

    files_done: int
    files_total: int
    #: Records parsed so far (re-deliveries included: they are dropped at the end).
    events: int
    elapsed: float
    phase: str = "parsing"

    @property
    def rate(self) -> float:
        """Records per second so far."""
        return self.events / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, estimated from the files done so far."""
        if self.files_done == 0 or self.files_done >= self.files_total:
            return None
        return self.elapsed / self.files_done * (self.files_total - self.files_done)


@dataclass(slots=True)
class LoadResult:
    """The loaded events, where each came from, the text store and the load report."""

    frame: pl.DataFrame
    report: LoadReport
    #: Inputs indexed by ``file_id``.
    sources: list[SourceFile]
    texts: TextStore
    warnings: list[str] = field(default_factory=list)


class _Load:
    """The state of one load: inputs numbered as they are parsed, rows, outcomes."""

    def __init__(self, options: LoadOptions, started: float) -> None:
        self.options = options
        self.started = started
        self.sources: list[SourceFile] = []
        self.outcomes: list[FileOutcome | None] = []
        self.cached_rejects: dict[int, list[tuple[int, str]]] = {}
        self.frames: list[pl.DataFrame] = []
        #: The cache's rows, when they are the whole load: already in order and searched.
        self.finished: cache.CachedRows | None = None
        #: Whether the rows taken from the cache are still in the load's order.
        self.in_order = True
        self.texts = TextStore()
        self.events = 0
        self.warnings: list[str] = []

    def number(self, source: SourceFile) -> int:
        self.sources.append(source)
        self.outcomes.append(None)
        return len(self.sources) - 1

    def take(self, result: BatchResult) -> None:
        """Number a batch's inputs, keep its (normalised) rows and its text part."""
        ids = [self.number(o.source) for o in result.outcomes]
        for file_id, outcome in zip(ids, result.outcomes, strict=True):
            self.outcomes[file_id] = outcome
        if result.rows is not None and result.rows.height:
            first = ids[0] if ids else 0
            contiguous = ids == list(range(first, first + len(ids)))
            local = pl.col(c.FILE_ID)
            renumbered = (
                local + first
                if contiguous
                else local.replace_strict(dict(enumerate(ids)), return_dtype=pl.UInt32)
            )
            rows = result.rows.with_columns(renumbered.cast(pl.UInt32).alias(c.FILE_ID))
            self.frames.append(rows)
            self.events += rows.height
        if result.texts_path is not None:
            self.texts.add(TextPart(result.texts_path, tuple(ids)))
        if result.problem and result.problem not in self.warnings:
            self.warnings.append(result.problem)

    def frame(self) -> pl.DataFrame:
        return (
            pl.concat(self.frames, how="vertical", rechunk=False) if self.frames else empty_frame()
        )

    def take_frame(self) -> pl.DataFrame:
        """The rows, no longer held here (so that a copy of them can free these)."""
        frame = self.frame()
        self.frames.clear()
        return frame

    def so_far(self) -> LoadResult:
        """The rows parsed so far (unsorted, copies not yet dropped), with their inputs."""
        report = LoadReport(records_seen=self.events, loaded=self.events)
        return LoadResult(
            self.frame(), report, list(self.sources), TextStore(list(self.texts.parts))
        )


def _batches(sources: list[SourceFile], folder: Path) -> list[Batch]:
    out: list[Batch] = []
    current: list[SourceFile] = []
    size = 0
    for source in sources:
        # The first batches are small, so that the first rows are back (and on screen) soon.
        small = len(out) < SMALL_BATCHES
        limit = BATCH_BYTES // SMALL_FRACTION if small else BATCH_BYTES
        files = BATCH_FILES // SMALL_FRACTION if small else BATCH_FILES
        if current and (len(current) >= files or size + source.size > limit):
            out.append(Batch(len(out), current, folder / f"part-{len(out)}.parquet"))
            current, size = [], 0
        current.append(source)
        size += source.size
    if current:
        out.append(Batch(len(out), current, folder / f"part-{len(out)}.parquet"))
    return out


def _parse(
    load: _Load,
    todo: list[SourceFile],
    folder: Path,
    cancel: threading.Event | None,
    tell: Callable[[int], None],
    partial: Callable[[LoadResult], None] | None,
) -> None:
    options = load.options
    workers = options.workers or os.cpu_count() or 2
    size = sum(s.size for s in todo)
    processes = options.processes if options.processes is not None else size > PROCESS_THRESHOLD
    batches = _batches(todo, folder / "texts")
    pool = ParsePool(workers if processes else 1, options.limits, processes=processes)
    next_id = len(batches)
    last_partial: float | None = None  # the first rows are handed out as soon as they come
    try:
        queue = iter(batches)
        for batch in queue:
            pool.submit(batch)
            if pool.pending >= workers * 2:
                break
        while pool.pending:
            if cancel is not None and cancel.is_set():
                raise LoadCancelled
            for result in pool.results():
                if result.lost:  # its worker died: again, one file at a time
                    for source in result.sources:
                        part = folder / "texts" / f"part-{next_id}.parquet"
                        pool.submit(Batch(next_id, [source], part, retry=True))
                        next_id += 1
                    continue
                load.take(result)
                nxt = next(queue, None)
                if nxt is not None:
                    pool.submit(nxt)
                tell(len(result.outcomes))
            now = time.perf_counter()
            due = last_partial is None or now - last_partial >= PARTIAL_EVERY
            if partial is not None and load.frames and due and pool.pending:
                last_partial = now
                partial(load.so_far())
    finally:
        pool.close()


def _report(load: _Load, passed: list[FileReport]) -> LoadReport:
    report = LoadReport()
    for file_id, outcome in enumerate(load.outcomes):
        assert outcome is not None
        file = outcome.report
        report.files.append(file)
        report.records_seen += file.records
        rejected = outcome.rejected or load.cached_rejects.get(file_id, [])
        for index, reason in rejected:
            report.add_rejected(RejectedRecord(file.path, index, reason))
        # A file's count of rejected records may exceed the details kept for it.
        report.rejected += file.rejected - len(rejected)
    report.files.extend(passed)
    return report


def load_paths(
    paths: Sequence[Path | str],
    options: LoadOptions | None = None,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    partial: Callable[[LoadResult], None] | None = None,
) -> LoadResult:
    """Load every CloudTrail record below ``paths`` into the canonical frame.

    Args:
        paths: Files and folders (archives are read in place).
        options: Cache, parallelism, links and limits.
        progress: Called (from the loading thread) after each batch.
        cancel: When set, the load stops and raises :class:`LoadCancelled`.
        partial: Called (from the loading thread) with the rows parsed so far while a parse
            runs: at once when the first arrive, then every :data:`PARTIAL_EVERY` seconds.
            The rows are unsorted and re-delivered copies are still among them.

    Returns:
        The frame (deduplicated, sorted by time, nulls last), the report, the sources and
        the text store.

    Raises:
        MissingPathError: A given path does not exist.
        LoadCancelled: ``cancel`` was set.
    """
    options = options or LoadOptions()
    # Every step allocates an object or more per input file or record (100,000 files: the
    # manifest's entries alone took 2.0 s with the collector on, 0.9 s off), none cyclic.
    with _collector_paused():
        return _load(paths, options, progress, cancel, partial)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (as it was before, after)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(
    paths: Sequence[Path | str],
    options: LoadOptions,
    progress: Callable[[Progress], None] | None,
    cancel: threading.Event | None,
    partial: Callable[[LoadResult], None] | None,
) -> LoadResult:
    started = time.perf_counter()
    found, passed = discover(paths, follow_links=options.follow_links)
    load = _Load(options, started)
    roots = sorted(os.path.abspath(os.fspath(p)) for p in paths)
    entry = cache.entry_dir(roots, options.cache_dir)
    generation, warning = cache.read_generation(entry) if options.use_cache else (None, None)
    if warning:
        load.warnings.append(warning)
    total_files = len(found)

    done = 0

    def tell(files: int) -> None:
        nonlocal done
        done += files
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(Progress(done, total_files, load.events, elapsed))

    todo = _reuse(load, found, generation)
    tell(len(load.sources))
    folder = cache.new_generation(entry) if options.use_cache else scratch_dir()
    if todo:
        try:
            _parse(load, todo, folder, cancel, tell, partial)
        except BaseException:
            cache.discard(folder) if options.use_cache else None
            raise
    report = _report(
        load,
        [FileReport(p.path, "failed" if p.failed else "skipped", reason=p.reason) for p in passed],
    )
    report.from_cache = sum(1 for i, _ in enumerate(load.sources) if i in load.cached_rejects)
    if load.finished is not None:
        frame, dropped = load.finished.kept, load.finished.dropped
        count_rows(frame, dropped.height, report)
    else:
        # The cache holds its rows in this order already; what it holds of them (some
        # files gone) keeps it unless dropped copies came back. Ties follow the files'
        # names. The batches are let go as the rows are put in order (one copy of them).
        ordered = not todo and load.in_order
        rank = None if ordered else _file_rank(load)
        frame, dropped = drop_duplicates(
            load.take_frame(), report, load.texts, order=rank, ordered=ordered
        )
    if options.use_cache and todo:
        texts = [
            cache.adopt(p, folder) if not p.path.is_relative_to(folder) else p
            for p in load.texts.parts
        ]
        load.texts = TextStore(texts)
        files = [
            cache.CachedFile(
                s,
                i,
                o.report,
                (o.rejected or load.cached_rejects.get(i, []))[:MAX_REJECTED_DETAILS],
                o.rows,
            )
            for i, (s, o) in enumerate(zip(load.sources, load.outcomes, strict=True))
            if o is not None
        ]
        warning = cache.commit(entry, folder, cache.CachedRows(frame, dropped), files, texts)
        if warning:
            load.warnings.append(warning)
    elif options.use_cache:
        cache.discard(folder)
    # One chunk: the columns added later (the tactic lists) are one, and would not line up
    # with a frame of several; Polars then copies every column at a later step (or, once
    # the frame is explored, at each filter: twice the time), and sorts and group-bys over
    # several chunks take twice as long. Rows put in order, and a cache's (one row group),
    # are one chunk already and are left as they are.
    frame = frame.rechunk()
    report.seconds = time.perf_counter() - started
    return LoadResult(frame, report, load.sources, load.texts, load.warnings)


def _reuse(
    load: _Load, found: list[SourceFile], generation: cache.Generation | None
) -> list[SourceFile]:
    """Take the cached rows of unchanged inputs; return the inputs to parse."""
    if generation is None:
        return found
    by_path: dict[str, list[cache.CachedFile]] = {}
    for cached in generation.files.values():
        by_path.setdefault(cached.source.path, []).append(cached)
    remap: dict[int, int] = {}
    todo: list[SourceFile] = []
    for source in found:
        hits = by_path.get(source.path, [])
        if hits and all(h.source.identity == source.identity for h in hits):
            for hit in sorted(hits, key=lambda h: h.file_id):
                new = load.number(hit.source)
                remap[hit.file_id] = new
                load.outcomes[new] = FileOutcome(hit.source, hit.report, [], hit.rows)
                load.cached_rejects[new] = hit.rejected
        else:
            todo.append(source)
    if not remap:
        return found
    try:
        rows = cache.read_rows(generation, remap)
    except ValueError as exc:
        load.warnings.append(f"the cache in {generation.folder} was damaged ({exc}); parsing again")
        load.sources.clear()
        load.outcomes.clear()
        load.cached_rejects.clear()
        return found
    if not todo and len(remap) == len(generation.files):
        load.finished = rows  # the same inputs as the load that wrote it
        load.frames.append(rows.kept)
    else:  # searched again with the other rows
        load.frames.append(as_parsed(rows.kept, rows.dropped))
        load.in_order = not rows.dropped.height
    for part in generation.texts:
        load.texts.add(TextPart(part.path, tuple(remap.get(i, DROPPED) for i in part.ids)))
    load.events = rows.kept.height + rows.dropped.height
    return todo


def _file_rank(load: _Load) -> pl.Expr | None:
    """Each file's place in the order of the inputs' names (stable across runs)."""
    ranks = sorted(range(len(load.sources)), key=lambda i: load.sources[i].key)
    order = {file_id: rank for rank, file_id in enumerate(ranks)}
    return pl.col(c.FILE_ID).replace_strict(order, return_dtype=pl.UInt32) if order else None
