"""Parsing processes: batches of files in, columns out, and a dead worker costs one file.

Parsing is Python work (decoding, the record loop) that the GIL would serialise, so it runs
in worker processes, started with ``spawn`` (a fork after Polars has started its threads can
hang). A batch's result comes back as Arrow IPC bytes; the text store's part is written by
the worker itself. A worker that dies (out of memory, a crash in a library) is replaced; its
batch is retried one file at a time, and the file that kills a worker again is reported as
failed. Small loads run in this process (a thread), where starting processes would cost more
than it saves. Workers end when the parent goes away.
"""

from __future__ import annotations

import gc
import io
import multiprocessing as mp
import os
import queue
import shutil
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import resource_tracker
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

import polars as pl

from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.extract import Columns
from ctir_tui.engine.pipeline.inflate import Limits
from ctir_tui.engine.pipeline.normalise import normalise
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.pipeline.worker import FileOutcome, parse_source
from ctir_tui.engine.schema import FILE_ID, SOURCE_FILE

#: Seconds between checks that the workers (and, in a worker, the parent) are alive.
POLL: Final = 0.2


@dataclass(slots=True)
class Batch:
    """Files parsed together (one Polars frame per batch, not per file)."""

    batch_id: int
    sources: list[SourceFile]
    #: Where the worker writes the batch's part of the text store.
    texts_path: Path
    #: Set when this batch is a retry of one file whose first worker died.
    retry: bool = False


@dataclass(slots=True)
class BatchResult:
    """What a batch gave: one outcome per input, the rows, and the text part written."""

    batch_id: int
    outcomes: list[FileOutcome]
    rows: pl.DataFrame | None = None
    texts_path: Path | None = None
    #: Set when a batch's worker died and the batch must be retried file by file.
    lost: bool = False
    sources: list[SourceFile] = field(default_factory=list)
    #: Set when the rows are whole but something beside them was lost (the texts).
    problem: str | None = None


def run_batch(batch: Batch, limits: Limits) -> BatchResult:
    """Parse one batch in this process (the worker's work, or a small load's)."""
    spill_dir = batch.texts_path.parent / f"spill-{batch.batch_id}"
    cols = Columns(spill_dir)
    outcomes: list[FileOutcome] = []
    for source in batch.sources:
        start = len(cols)
        try:
            outcomes.extend(parse_source(source, cols, len(outcomes), limits))
        except Exception as exc:  # a bug must cost one file, not the load
            cols.truncate(start)
            reason = f"internal error reading it ({type(exc).__name__}: {exc})"
            outcomes.append(
                FileOutcome(source, FileReport(source.display, "failed", reason=reason))
            )
        cols.spill()  # between files: bounded memory for batches of many files too
    main, texts = cols.frames()
    # Normalised here, in the worker: the parent has only to renumber the files.
    names = pl.DataFrame(
        {
            FILE_ID: pl.Series(range(len(outcomes)), dtype=pl.UInt32),
            SOURCE_FILE: pl.Series([o.source.display for o in outcomes], dtype=pl.String),
        }
    )
    rows = normalise(main, names)
    problem = None
    kept = None
    if main.height:
        try:
            texts.sink_parquet(batch.texts_path, compression="lz4", statistics=True)
            kept = batch.texts_path
        except OSError as exc:  # a full disk costs the search of parameters, not the events
            problem = (
                "request and response text could not be kept "
                f"({exc.strerror or exc}): free-text search will not see it"
            )
    shutil.rmtree(spill_dir, ignore_errors=True)
    return BatchResult(batch.batch_id, outcomes, rows, kept, problem=problem)


#: What a worker's wait for work gives when none came (it then checks on its parent).
_IDLE: Final = object()


def _serve(
    tasks: Any, results: Any, limits: Limits, parent: int
) -> None:  # pragma: no cover - runs in the workers
    gc.disable()  # records are acyclic; the collector would only cost time
    while True:
        try:
            batch = tasks.get(timeout=1.0)
        except queue.Empty:
            batch = _IDLE
        if os.getppid() != parent:
            # The parent is gone (killed, or its terminal hung up): stop now, and do not
            # wait at exit for results nobody will read.
            results.cancel_join_thread()
            return
        if batch is _IDLE:
            continue
        if batch is None:  # the pool is closing
            return
        results.put(("started", batch.batch_id, os.getpid()))
        try:
            result = run_batch(batch, limits)
            buffer = io.BytesIO()
            assert result.rows is not None
            result.rows.write_ipc(buffer, compression="lz4")  # a third of the bytes to copy
            result.rows = None
            results.put(("done", batch.batch_id, (result, buffer.getvalue())))
        except BaseException:
            results.put(("error", batch.batch_id, traceback.format_exc(limit=5)))


def prepare_processes() -> None:
    """Start multiprocessing's resource tracker now, with a real standard error.

    The tracker is started on first use and hands it ``sys.stderr.fileno()``; under a
    terminal UI that has replaced ``sys.stderr`` the start fails (``bad value(s) in
    fds_to_keep``) and no worker process could be made. Call this before the UI starts;
    :class:`ParsePool` also calls it, lending the tracker the original stderr if needed.
    """
    saved = sys.stderr
    if _has_fd(saved):
        resource_tracker.ensure_running()
        return
    with open(os.devnull, "w") as devnull:
        sys.stderr = sys.__stderr__ if _has_fd(sys.__stderr__) else devnull
        try:
            resource_tracker.ensure_running()
        finally:
            sys.stderr = saved


def _has_fd(stream: object) -> bool:
    try:
        return isinstance(stream.fileno(), int) and stream.fileno() >= 0  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


class ParsePool:
    """Worker processes (or threads for a small load) that parse batches."""

    def __init__(self, workers: int, limits: Limits, *, processes: bool) -> None:
        self.limits = limits
        self.processes = processes
        self._workers = max(1, workers)
        self._procs: list[BaseProcess] = []
        self._holding: dict[int, int] = {}  # pid -> batch being parsed
        self._batches: dict[int, Batch] = {}
        self._pending = 0
        if processes:
            prepare_processes()
            ctx = mp.get_context("spawn")
            self._tasks: Any = ctx.Queue()
            self._results: Any = ctx.Queue()
            previous = os.environ.get("POLARS_MAX_THREADS")
            os.environ["POLARS_MAX_THREADS"] = "1"  # one core each: the workers are the threads
            try:
                for _ in range(self._workers):
                    self._spawn(ctx)
            finally:
                if previous is None:
                    os.environ.pop("POLARS_MAX_THREADS", None)
                else:
                    os.environ["POLARS_MAX_THREADS"] = previous
        else:
            self._local: queue.Queue[Batch | None] = queue.Queue()
            self._done: queue.Queue[BatchResult] = queue.Queue()
            self._threads = [
                threading.Thread(target=self._thread, daemon=True, name="ctir-parse")
                for _ in range(self._workers)
            ]
            for thread in self._threads:
                thread.start()

    def _spawn(self, ctx: Any) -> None:
        proc = ctx.Process(
            target=_serve,
            args=(self._tasks, self._results, self.limits, os.getpid()),
            daemon=True,
            name="ctir-parse",
        )
        proc.start()
        self._procs.append(proc)

    def _thread(self) -> None:
        while (batch := self._local.get()) is not None:
            try:
                result = run_batch(batch, self.limits)
            except BaseException as exc:  # never leave the load waiting for this batch
                result = self._failed(batch, f"internal error in the parser: {exc!r}")
            self._done.put(result)

    @property
    def pending(self) -> int:
        """Batches submitted and not yet returned."""
        return self._pending

    def submit(self, batch: Batch) -> None:
        """Queue a batch for parsing."""
        self._batches[batch.batch_id] = batch
        self._pending += 1
        if self.processes:
            self._tasks.put(batch)
        else:
            self._local.put(batch)

    def results(self, timeout: float = POLL) -> Iterator[BatchResult]:
        """The results ready within ``timeout`` (none when nothing came)."""
        if not self.processes:
            try:
                result = self._done.get(timeout=timeout)
            except queue.Empty:
                return
            self._pending -= 1
            yield result
            return
        try:
            kind, batch_id, payload = self._results.get(timeout=timeout)
        except queue.Empty:
            yield from self._reap()
            return
        if kind == "started":
            self._holding[payload] = batch_id
            return
        self._holding = {pid: b for pid, b in self._holding.items() if b != batch_id}
        batch = self._batches.pop(batch_id)
        self._pending -= 1
        if kind == "done":
            result, rows = payload
            result.rows = pl.read_ipc(io.BytesIO(rows))
            yield result
        else:
            yield self._failed(batch, f"internal error in the parser: {payload.splitlines()[-1]}")

    def _failed(self, batch: Batch, reason: str) -> BatchResult:
        outcomes = [
            FileOutcome(s, FileReport(s.display, "failed", reason=reason)) for s in batch.sources
        ]
        return BatchResult(batch.batch_id, outcomes)

    def _reap(self) -> Iterator[BatchResult]:
        """Replace dead workers; their batches come back lost (to retry) or failed."""
        for proc in list(self._procs):
            if proc.is_alive():
                continue
            self._procs.remove(proc)
            self._spawn(mp.get_context("spawn"))
            assert proc.pid is not None
            batch_id = self._holding.pop(proc.pid, None)
            if batch_id is None or batch_id not in self._batches:
                continue
            batch = self._batches.pop(batch_id)
            self._pending -= 1
            if batch.retry or len(batch.sources) == 1:
                reason = (
                    f"the parser process died reading it (exit code {proc.exitcode}: "
                    "out of memory, or a crash)"
                )
                yield self._failed(batch, reason)
            else:
                yield BatchResult(batch.batch_id, [], lost=True, sources=batch.sources)

    def close(self) -> None:
        """Stop the workers (at once: nothing they hold is needed any more)."""
        if self.processes:
            for proc in self._procs:
                if proc.is_alive():
                    proc.terminate()
            for proc in self._procs:
                proc.join(timeout=2)
                if proc.is_alive():
                    proc.kill()
            self._tasks.cancel_join_thread()
            self._results.cancel_join_thread()
            self._tasks.close()
            self._results.close()
        else:
            for _ in self._threads:
                self._local.put(None)
