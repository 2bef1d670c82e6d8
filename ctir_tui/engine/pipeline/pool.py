"""Parsing processes: batches of files in, columns out, and a dead worker costs one file.

Parsing is Python work (decoding, the record loop) that the GIL would serialise, so it runs
in worker processes, started with ``spawn`` (a fork after Polars has started its threads can
hang). A batch's result comes back as Arrow IPC bytes; the text store's part is written by
the worker itself. A worker that dies (out of memory, a crash in a library) is replaced; its
batch is retried one file at a time, and the file that kills a worker again is reported as
failed. Small loads run in this process (a thread), where starting processes would cost more
than it saves; so does the first batch of a large load, while the workers start (a new
interpreter importing Polars takes longer than a small batch). Workers end when the parent
goes away.
"""

from __future__ import annotations

import contextlib
import gc
import io
import multiprocessing as mp
import os
import queue
import shutil
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection, wait
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
#: Workers that die before they say they started, none having started, after which the
#: batches are parsed in this process (worker processes cannot start here).
MAX_STILLBORN: Final = 3
#: How much lower the workers' scheduling priority is than ctir's own (``nice``): while they
#: parse on every core, the explorer's interface (and the responder's shell beside it) stays
#: first in line; on an idle machine they still get every cycle. Measured on a cold
#: trail-1m in the explorer (4 interleaved runs each): first rows 1.37 s median vs 1.42 s,
#: every event 13.3 s vs 13.7 s.
WORKER_NICENESS: Final = 10


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


def _serve(conn: Connection, limits: Limits, parent: int) -> None:  # pragma: no cover - workers
    """A worker: batches in on its own pipe, results out on it, until told to stop.

    Each worker has a pipe of its own, not a queue shared by all: a worker killed while it
    held a shared queue's lock (the out-of-memory killer picks any moment) left every other
    worker and the parent waiting on that lock for ever.
    """
    gc.disable()  # records are acyclic; the collector would only cost time
    try:
        conn.send(("ready", None))  # started: a death from now on is not a failed start
    except (OSError, EOFError):
        return
    while True:
        try:
            ready = conn.poll(1.0)
        except (OSError, EOFError):
            return
        if os.getppid() != parent:
            return  # the parent is gone (killed, or its terminal hung up): stop now
        if not ready:
            continue
        try:
            batch = conn.recv()
        except (OSError, EOFError):
            return
        if batch is None:  # the pool is closing
            return
        try:
            result = run_batch(batch, limits)
            buffer = io.BytesIO()
            assert result.rows is not None
            result.rows.write_ipc(buffer, compression="lz4")  # a third of the bytes to copy
            result.rows = None
            message: tuple[str, Any] = ("done", (result, buffer.getvalue()))
        except BaseException:
            message = ("error", traceback.format_exc(limit=5))
        try:
            conn.send(message)
        except (OSError, EOFError):
            return


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


@dataclass(slots=True)
class _Worker:
    """A worker process, the parent's end of its pipe, and the batch it is parsing."""

    proc: BaseProcess
    conn: Connection
    batch: Batch | None = None
    #: Whether it said it started (one that dies before could not start here).
    started: bool = False


class ParsePool:
    """Worker processes (or threads for a small load) that parse batches."""

    def __init__(self, workers: int, limits: Limits, *, processes: bool) -> None:
        self.limits = limits
        self.processes = processes
        self._workers = max(1, workers)
        self._pending = 0
        #: Set while the first batch is parsed in this process (as the workers start).
        self._head: queue.Queue[BatchResult] | None = None
        self._head_used = False
        #: Workers that died before they said they started.
        self._stillborn = 0
        if processes:
            prepare_processes()
            self._ctx = mp.get_context("spawn")
            self._procs: list[_Worker] = []
            #: Batches waiting for a worker (each worker holds one at a time).
            self._backlog: deque[Batch] = deque()
            for _ in range(self._workers):
                self._spawn()
        else:
            self._start_threads()

    def _start_threads(self) -> None:
        """Parse in threads of this process (a small load, or workers that cannot start)."""
        self._local: queue.Queue[Batch | None] = queue.Queue()
        self._done: queue.Queue[BatchResult] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._thread, daemon=True, name="ctir-parse")
            for _ in range(self._workers)
        ]
        for thread in self._threads:
            thread.start()

    def _spawn(self) -> None:
        ours, theirs = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_serve, args=(theirs, self.limits, os.getpid()), daemon=True, name="ctir-parse"
        )
        # One core each, the workers being the threads; a worker started again after one
        # died gets it too.
        previous = os.environ.get("POLARS_MAX_THREADS")
        os.environ["POLARS_MAX_THREADS"] = "1"
        try:
            proc.start()
        finally:
            if previous is None:
                os.environ.pop("POLARS_MAX_THREADS", None)
            else:
                os.environ["POLARS_MAX_THREADS"] = previous
        theirs.close()
        # From the parent, at once: a worker's start (a new interpreter importing Polars) is
        # the heaviest part of the first second, when the first rows are being shown.
        if proc.pid is not None:
            with contextlib.suppress(OSError):
                own = os.getpriority(os.PRIO_PROCESS, 0)
                os.setpriority(os.PRIO_PROCESS, proc.pid, min(own + WORKER_NICENESS, 19))
        self._procs.append(_Worker(proc, ours))

    def _parse_here(self, batch: Batch) -> BatchResult:
        """Parse a batch in this process; a bug costs the batch, never the load's wait."""
        try:
            return run_batch(batch, self.limits)
        except BaseException as exc:
            return self._failed(batch, f"internal error in the parser: {exc!r}")

    def _thread(self) -> None:
        while (batch := self._local.get()) is not None:
            self._done.put(self._parse_here(batch))

    @property
    def pending(self) -> int:
        """Batches submitted and not yet returned."""
        return self._pending

    def submit(self, batch: Batch) -> None:
        """Queue a batch for parsing.

        With processes, the first batch is parsed in a thread of this process: starting a
        worker (a new interpreter importing Polars) takes longer than a small batch, and the
        explorer shows the first rows as soon as they come.
        """
        self._pending += 1
        if self.processes and not self._head_used:
            self._head_used = True
            self._head = queue.Queue()
            head = self._head
            threading.Thread(
                target=lambda: head.put(self._parse_here(batch)),
                daemon=True,
                name="ctir-parse-first",
            ).start()
        elif self.processes:
            self._backlog.append(batch)
            self._dispatch()
        else:
            self._local.put(batch)

    def _dispatch(self) -> None:
        """Hand waiting batches to idle workers (one each: a worker reads it at once)."""
        for worker in self._procs:
            if not self._backlog:
                return
            if worker.batch is None and worker.proc.is_alive():
                batch = self._backlog.popleft()
                try:
                    worker.conn.send(batch)
                except OSError:  # it died just now: the batch waits for the next worker
                    self._backlog.appendleft(batch)
                    continue
                worker.batch = batch

    def results(self, timeout: float = POLL) -> Iterator[BatchResult]:
        """The results ready within ``timeout`` (none when nothing came)."""
        if self._head is not None:  # the first batch is parsed here, and comes back first
            try:
                result = self._head.get(timeout=timeout)
            except queue.Empty:
                return
            self._head = None
            self._pending -= 1
            yield result
            return
        if not self.processes:
            try:
                result = self._done.get(timeout=timeout)
            except queue.Empty:
                return
            self._pending -= 1
            yield result
            return
        busy = {w.conn: w for w in self._procs if w.batch is not None}
        ready = wait([*busy, *(w.proc.sentinel for w in self._procs)], timeout=timeout)
        for worker in [busy[r] for r in ready if r in busy]:
            batch = worker.batch
            assert batch is not None
            try:
                kind, payload = worker.conn.recv()
            except (OSError, EOFError):
                continue  # it died: the reaping below takes care of its batch
            if kind == "ready":
                worker.started = True
                continue
            worker.batch = None
            self._pending -= 1
            if kind == "done":
                result, rows = payload
                result.rows = pl.read_ipc(io.BytesIO(rows))
                yield result
            else:
                reason = f"internal error in the parser: {payload.splitlines()[-1]}"
                yield self._failed(batch, reason)
        yield from self._reap()
        self._dispatch()

    def _failed(self, batch: Batch, reason: str) -> BatchResult:
        outcomes = [
            FileOutcome(s, FileReport(s.display, "failed", reason=reason)) for s in batch.sources
        ]
        return BatchResult(batch.batch_id, outcomes)

    def _reap(self) -> Iterator[BatchResult]:
        """Replace dead workers; their batches come back lost (to retry) or failed."""
        for worker in list(self._procs):
            if worker.proc.is_alive():
                continue
            if not worker.started:
                self._stillborn += 1
            if self._stillborn >= MAX_STILLBORN and not any(w.started for w in self._procs):
                self._fall_back()
                return
            self._procs.remove(worker)
            worker.conn.close()
            self._spawn()
            batch = worker.batch
            if batch is None:
                continue
            self._pending -= 1
            if batch.retry:  # a second death on this one file: the file is the cause
                reason = (
                    f"the parser process died reading it (exit code {worker.proc.exitcode}: "
                    "out of memory, or a crash)"
                )
                yield self._failed(batch, reason)
            else:
                yield BatchResult(batch.batch_id, [], lost=True, sources=batch.sources)

    def _fall_back(self) -> None:
        """Workers die before parsing anything (they cannot start here): parse in threads.

        Each batch not yet returned is parsed again in this process; the load goes on,
        slower, instead of starting workers for ever.
        """
        todo = [w.batch for w in self._procs if w.batch is not None] + list(self._backlog)
        self._backlog.clear()
        self._stop_processes()
        self.processes = False
        self._start_threads()
        for batch in todo:
            self._local.put(batch)

    def _stop_processes(self) -> None:
        for worker in self._procs:
            if worker.proc.is_alive():
                worker.proc.terminate()
        for worker in self._procs:
            worker.proc.join(timeout=2)
            if worker.proc.is_alive():
                worker.proc.kill()
            worker.conn.close()
        self._procs = []

    def close(self) -> None:
        """Stop the workers (at once: nothing they hold is needed any more)."""
        if self.processes:
            self._stop_processes()
        else:
            for _ in self._threads:
                self._local.put(None)
