"""A load that runs beside its caller: progress, the rows so far and the outcome, kept.

The explorer's worker follows one: everything the load reports is kept here until it is
read (the latest progress, the latest rows read so far as a session prepared on the loading
thread, and how it ended), so the loading thread never waits for the interface.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, Progress
from ctir_tui.engine.session import Session

#: The rows read so far are prepared at most this often, and never more often than it
#: takes to prepare them times :data:`PARTIAL_COST_FACTOR` (a large trail: less often).
PARTIAL_INTERVAL: Final = 1.0
PARTIAL_COST_FACTOR: Final = 4.0


@dataclass(slots=True)
class LoadNews:
    """What happened since the last look (each part None when it did not change)."""

    progress: Progress | None = None
    #: The rows read so far, ready to show.
    partial: Session | None = None
    done: bool = False
    #: The loaded session, once done without error.
    session: Session | None = None
    #: Why it ended without a session (cancelled, a missing path, a bug).
    error: BaseException | None = None


class BackgroundLoad:
    """:meth:`Session.open` on a thread of its own; :meth:`news` says what it did."""

    def __init__(self, paths: Sequence[Path | str], options: LoadOptions | None) -> None:
        self.paths = list(paths)
        self.options = options
        self.cancel = threading.Event()
        self._changed = threading.Condition()
        self._news = LoadNews()
        self._next_partial = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True, name="ctir-load")
        self.started = False

    def start(self) -> BackgroundLoad:
        """Start loading (once)."""
        if not self.started:
            self.started = True
            self._thread.start()
        return self

    def news(self, timeout: float) -> LoadNews:
        """Wait up to ``timeout`` seconds for news; return it and forget it."""
        with self._changed:
            news = self._news
            if news.progress is None and news.partial is None and not news.done:
                self._changed.wait(timeout)
                news = self._news
            done, session, error = news.done, news.session, news.error
            self._news = LoadNews(done=done, session=session, error=error)
            return news

    def _tell(self, **news: object) -> None:
        with self._changed:
            for name, value in news.items():
                setattr(self._news, name, value)
            self._changed.notify_all()

    def _progress(self, progress: Progress) -> None:
        self._tell(progress=progress)

    def _partial(self, rows: LoadResult) -> None:
        # Runs on the loading thread: the parse goes on in the worker processes meanwhile.
        started = time.monotonic()
        if started < self._next_partial or self.cancel.is_set():
            return
        session = Session.so_far(rows, self.paths, self.options)
        cost = time.monotonic() - started
        self._next_partial = started + max(PARTIAL_INTERVAL, PARTIAL_COST_FACTOR * cost)
        self._tell(partial=session)

    def _run(self) -> None:
        try:
            session = Session.open(
                self.paths,
                self.options,
                progress=self._progress,
                cancel=self.cancel,
                partial=self._partial,
            )
        except BaseException as exc:  # handed to the reader, who decides what it means
            self._tell(done=True, error=exc)
            return
        self._tell(done=True, session=session)
