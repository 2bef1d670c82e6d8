"""The ctir explorer: the App, its global keys, loading, and the command palette."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from ctir_tui.data.filters import Filters
from ctir_tui.data.load import LoadCancelled, LoadOptions, Progress
from ctir_tui.data.session import Session
from ctir_tui.data.sources import MissingPathError
from ctir_tui.text import inert
from ctir_tui.ui.config import Settings, load_settings
from ctir_tui.ui.main_screen import MainScreen
from ctir_tui.ui.status import LoadPanel

#: Seconds between progress repaints: enough to look live, cheap on a slow SSH link.
PROGRESS_INTERVAL = 0.1


@dataclass
class LoadProgress(Message):
    """A progress report from the loading thread."""

    progress: Progress


@dataclass
class LoadDone(Message):
    """The load finished (``session``) or failed (``error``)."""

    session: Session | None
    error: str | None = None


class CtirApp(App[int]):
    """Explore CloudTrail logs: tactic matrix, event list and JSON detail."""

    TITLE = "ctir"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("colon", "command_palette", "Commands", id="app.palette", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True),
        Binding("ctrl+c", "quit", "Quit", id="app.interrupt", show=False, priority=True),
    ]

    def __init__(
        self,
        paths: list[str],
        *,
        filters: Filters | None = None,
        options: LoadOptions | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self.paths = paths
        self.options = options or LoadOptions()
        self.settings = settings or Settings()
        self.initial_filters = filters or Filters()
        self.session: Session | None = None
        self.cancel_load = threading.Event()
        self.crash_report: Path | None = None
        self._last_progress = 0.0

    def on_mount(self) -> None:
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.settings.warnings.append(f"unknown theme {self.settings.theme!r}")
        for warning in self.settings.warnings:
            self.notify(inert(warning, limit=300), severity="warning", timeout=10)
        self.push_screen(MainScreen(self.paths, self.initial_filters))
        self._load()

    @property
    def main(self) -> MainScreen | None:
        """The main screen, once pushed."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    # --- loading ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def _load(self) -> None:
        def progress(report: Progress) -> None:
            now = time.monotonic()
            if now - self._last_progress >= PROGRESS_INTERVAL or report.phase != "parsing":
                self._last_progress = now
                self.post_message(LoadProgress(report))

        try:
            session = Session.open(
                self.paths, self.options, progress=progress, cancel=self.cancel_load
            )
        except LoadCancelled:
            return
        except MissingPathError as exc:
            self.post_message(LoadDone(None, str(exc)))
            return
        self.post_message(LoadDone(session))

    @on(LoadProgress)
    def _progress(self, message: LoadProgress) -> None:
        main = self.main
        if main is not None and main.session is None:
            main.query_one(LoadPanel).update_progress(message.progress)

    @on(LoadDone)
    def _done(self, message: LoadDone) -> None:
        if message.session is None:
            self.exit(1, message=Text(f"ctir: {inert(message.error)}"))
            return
        self.session = message.session
        main = self.main
        if main is not None:
            main.loaded(message.session)

    async def action_quit(self) -> None:
        """Quit, cancelling a load in progress."""
        self.cancel_load.set()
        self.exit(0)

    # --- help and commands -------------------------------------------------------------

    def action_help(self) -> None:
        """Show every binding of the focused pane, the other panes and the app."""
        from ctir_tui.ui.screens.help import HelpScreen, collect_bindings

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(collect_bindings(self)))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key binding of the explorer, reachable from the command palette."""
        yield from super().get_system_commands(screen)
        main = self.main
        if main is None:
            return
        seen: set[str] = set()
        sources: list[Widget] = [
            main,
            *main.query("TacticMatrix, EventList, EventDetail, FilterBar"),
        ]
        for node in sources:
            for _key, binding in node._bindings:
                if not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                yield SystemCommand(
                    binding.description,
                    f"{type(node).__name__}: {binding.key}",
                    _runner(node, binding.action),
                )

    # --- crashes ----------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        from ctir_tui.cli import write_crash_report

        self.crash_report = write_crash_report(error)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        # The terminal is restored by Textual; say where the report is instead of a traceback.
        where = self.crash_report or "(the crash report could not be written)"
        self.bell()
        self._exit_renderables.append(Text(f"ctir crashed; the crash report is in {where}"))
        self._close_messages_no_wait()


def _runner(node: Widget, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await node.run_action(action)

    return run


def run_app(ns: argparse.Namespace) -> int:
    """Open the explorer for the command line in ``ns``; return the exit code."""
    from ctir_tui.data.filter_args import filters_from_args

    filters = filters_from_args(ns, None)
    settings = load_settings()
    if getattr(ns, "theme", None):
        settings.theme = ns.theme
    app = CtirApp(
        list(ns.paths),
        filters=filters,
        options=LoadOptions(use_cache=not ns.no_cache),
        settings=settings,
    )
    code = app.run()
    if app.crash_report is not None:
        return 3
    return code if isinstance(code, int) else (app.return_code or 0)
