"""Load CloudTrail exports into one Polars frame, in parallel, losing nothing silently.

The pipeline: discover inputs -> reuse cached rows of unchanged files -> parse the rest
(:mod:`.parse`) -> sort and deduplicate on ``eventID`` (:mod:`.dedup`) -> report. Tactic
columns are added by the session, since they depend on the mapping in use.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ctir_tui.engine.pipeline import cache
from ctir_tui.engine.pipeline.dedup import drop_duplicates, sort_rows
from ctir_tui.engine.pipeline.discover import MissingPathError, SourceFile, discover
from ctir_tui.engine.pipeline.parse import LoadCancelled, Outcome, parse_all
from ctir_tui.engine.pipeline.report import (
    MAX_REJECTED_DETAILS,
    FileReport,
    LoadReport,
    RejectedRecord,
)
from ctir_tui.engine.schema import empty_frame

__all__ = [
    "LoadCancelled",
    "LoadOptions",
    "LoadResult",
    "MissingPathError",
    "Progress",
    "load_paths",
]


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


def _reconcile(
    report: LoadReport,
    sources: list[SourceFile],
    outcomes: dict[int, Outcome],
    unreadable: list[FileReport],
) -> None:
    for file_id, source in enumerate(sources):
        outcome = outcomes[file_id]
        report.files.append(outcome.report)
        report.records_seen += outcome.report.records
        for index, reason in outcome.rejected:
            report.add_rejected(RejectedRecord(source.display, index, reason))
        # A file's count of rejected records may exceed the details kept for it.
        report.rejected += outcome.report.rejected - len(outcome.rejected)
    report.files.extend(unreadable)


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
    outcomes: dict[int, Outcome] = {}
    todo: list[int] = []
    for file_id, source in enumerate(sources):
        hit = cached.get(source.key)
        if hit and hit.size == source.size and hit.mtime_ns == source.mtime_ns:
            reuse[hit.file_id] = file_id
            outcomes[file_id] = Outcome(hit.report, None, hit.rejected)
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

    if todo:
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the parsers allocate millions of short-lived objects, none cyclic
        try:
            raws, events = parse_all(sources, todo, outcomes, options.workers, cancel, tell, events)
        finally:
            if gc_was_enabled:
                gc.enable()
        frames.extend(raws)
    frame = pl.concat(frames, how="vertical", rechunk=False) if frames else empty_frame()
    _reconcile(
        report,
        sources,
        outcomes,
        [FileReport(bad.path, "failed", reason=bad.reason) for bad in unreadable],
    )

    presorted = not todo and all(old == new for old, new in reuse.items())
    frame = sort_rows(frame, presorted=presorted)
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
    frame = drop_duplicates(frame, report)
    report.seconds = time.perf_counter() - started
    return LoadResult(frame, report, sources, warnings)
