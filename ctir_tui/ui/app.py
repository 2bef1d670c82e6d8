"""The ctir explorer: the App, its global keys, loading, and how it ends.

Loading runs in a thread worker that reports progress; while it parses, the main screen
shows the rows read so far (matrix, list, detail), and the whole set when it is done.
An unexpected error never shows a traceback: the app's error output is captured and
handed to the command line, which writes a crash report and says where it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import signal
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Console
from textual import events, on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from ctir_tui.engine.background import BackgroundLoad
from ctir_tui.engine.pipeline.discover import MissingPathError
from ctir_tui.engine.pipeline.load import LoadCancelled, Progress
from ctir_tui.engine.session import Session
from ctir_tui.text import inert
from ctir_tui.ui.commands import KeyCommands
from ctir_tui.ui.config import ExplorerConfig
from ctir_tui.ui.screens.main import MainScreen
from ctir_tui.ui.widgets.status import LoadPanel

#: Seconds between progress repaints: enough to look live, cheap on a slow SSH link.
PROGRESS_INTERVAL = 0.1
#: A message stays this long unless a key is pressed ...
MESSAGE_SECONDS = 15.0
#: ... and at least this long, so that the key that caused it does not dismiss it.
MESSAGE_MIN_SECONDS = 1.5


class CtirApp(App[int]):
    """Explore CloudTrail logs: tactic matrix, event list and JSON detail."""

    TITLE = "ctir"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {KeyCommands}
    HELP_TITLE: ClassVar[str] = "Application"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("colon,ctrl+p", "command_palette", "Commands", id="app.palette", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
        # ctrl+c only ever quits (at once, from anywhere): copying is y and Y.
        Binding("ctrl+c", "quit", "Quit now", id="app.interrupt", show=False, priority=True),
    ]

    @dataclass
    class LoadProgress(Message):
        """A progress report from the loading thread."""

        progress: Progress

    @dataclass
    class LoadPartial(Message):
        """The rows read so far, while the load runs (``session.complete`` is False)."""

        session: Session

    @dataclass
    class LoadDone(Message):
        """The load finished (``session``) or failed (``error``)."""

        session: Session | None
        error: str | None = None

    #: Esc is the main screen's: it restores a zoomed pane and sends the focus back.
    ESCAPE_TO_MINIMIZE: ClassVar[bool] = False
    #: Messages stay until the next key (after MESSAGE_MIN_SECONDS), as lnav's do.
    NOTIFICATION_TIMEOUT: ClassVar[float] = MESSAGE_SECONDS

    def __init__(self, config: ExplorerConfig) -> None:
        super().__init__()
        self._notified_at: float | None = None
        self.config = config
        #: The user's key remapping (binding id -> keys), as applied to the app.
        self.keymap: dict[str, str] = dict(config.settings.keymap)
        self.session: Session | None = None
        #: The evidence's load (started once the app is mounted), which the app follows.
        self.loader = BackgroundLoad(config.paths, config.load)
        self.cancel_load = self.loader.cancel
        #: Why the explorer could not open the evidence, if it could not.
        self.failure: str | None = None
        # What Textual would print on a crash goes here, for the crash report.
        self.error_console = Console(
            file=io.StringIO(), markup=False, highlight=False, width=120, color_system=None
        )

    def notify(self, message: str, **kwargs: Any) -> None:
        """Show a message; it stays until a key is pressed (see :data:`MESSAGE_SECONDS`)."""
        self._notified_at = time.monotonic()
        super().notify(message, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        """The next key read after a message has been seen long enough dismisses it."""
        shown = self._notified_at
        seen = shown is not None and time.monotonic() - shown >= MESSAGE_MIN_SECONDS
        if seen and isinstance(event, events.Key):
            self._notified_at = None
            self.clear_notifications()
        await super().on_event(event)

    @property
    def crash_text(self) -> str | None:
        """What the app would have printed about an unexpected error, if one happened."""
        buffer = self.error_console.file
        text = buffer.getvalue() if isinstance(buffer, io.StringIO) else ""
        return text or None

    def on_mount(self) -> None:
        # A dropped SSH session (SIGHUP) or a kill (SIGTERM) ends ctir like q does: the
        # load is cancelled and its worker processes stopped, nothing is left running.
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self._hang_up, signum)
        settings = self.config.settings
        if self.keymap:
            self.set_keymap(self.keymap)
        if settings.theme:
            if settings.theme in self.available_themes:
                self.theme = settings.theme
            else:
                settings.warnings.append(f"unknown theme {settings.theme!r}")
        for warning in settings.warnings:
            self.notify(inert(warning, limit=300), severity="warning", timeout=10, markup=False)
        self.push_screen(
            MainScreen(self.config.paths, self.config.filters, columns=settings.columns)
        )
        self._load()

    @property
    def main(self) -> MainScreen | None:
        """The main screen, once pushed."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    # --- loading ----------------------------------------------------------------------

    # A load that fails unexpectedly ends the app as a crash (a report, exit 3): the user
    # must never be left at a progress bar that no longer moves.
    @work(thread=True, exclusive=True, exit_on_error=True, group="load", description="load")
    def _load(self) -> None:
        """Follow the load: its progress, the rows so far, and its end, as messages."""
        loader = self.loader.start()
        shown = 0.0  # when progress was last shown
        worker = get_current_worker()
        while True:
            if worker.is_cancelled:  # the app is closing: so is the load
                self.cancel_load.set()
                return
            news = loader.news(timeout=PROGRESS_INTERVAL)
            if news.partial is not None and not self.cancel_load.is_set():
                self.show_partial(news.partial)
            now = time.monotonic()
            if news.progress is not None and (news.done or now - shown >= PROGRESS_INTERVAL):
                shown = now
                self.post_message(self.LoadProgress(news.progress))
            if not news.done:
                continue
            if isinstance(news.error, LoadCancelled):
                return
            if isinstance(news.error, MissingPathError):
                self.post_message(self.LoadDone(None, str(news.error)))
                return
            if news.error is not None:
                raise news.error  # a bug: the worker ends the app with a crash report
            self.post_message(self.LoadDone(news.session))
            return

    def show_partial(self, session: Session) -> None:
        """Hand the rows read so far to the main screen (called from the load's follower)."""
        self.post_message(self.LoadPartial(session))

    @on(LoadProgress)
    def _progress(self, message: LoadProgress) -> None:
        main = self.main
        if main is None:
            return
        if main.session is None:
            main.query_one(LoadPanel).update_progress(message.progress)
        main.load_progress(message.progress)

    @on(LoadPartial)
    def _partial(self, message: LoadPartial) -> None:
        main = self.main
        if main is not None and self.session is None:
            main.loaded(message.session)

    @on(LoadDone)
    def _done(self, message: LoadDone) -> None:
        if message.session is None:
            self.failure = message.error
            self.exit(1)
            return
        self.session = message.session
        main = self.main
        if main is not None:
            main.loaded(message.session)

    def _hang_up(self, signum: int) -> None:
        self.cancel_load.set()
        self.exit(128 + signum)

    async def action_quit(self) -> None:
        """Quit, cancelling a load in progress."""
        self.cancel_load.set()
        self.exit(0)

    def action_help(self) -> None:
        """Show every binding of the focused pane, the other panes and the app."""
        from ctir_tui.ui.keys import groups
        from ctir_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(groups(self, self.screen, self.keymap)))


@dataclass(frozen=True, slots=True)
class ExplorerOutcome:
    """How the explorer ended: its exit code, why it failed, what it printed on a crash."""

    code: int
    failure: str | None = None
    crash: str | None = None


def run_explorer(config: ExplorerConfig) -> ExplorerOutcome:
    """Run the explorer until the user leaves; never print a traceback."""
    app = CtirApp(config)
    code = app.run()
    crash = app.crash_text
    if crash is not None:
        return ExplorerOutcome(3, crash=crash)
    code = code if isinstance(code, int) else (app.return_code or 0)
    return ExplorerOutcome(code, failure=app.failure)
