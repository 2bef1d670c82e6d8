"""The status line and the load progress display."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar, Static

from ctir_tui.engine.pipeline.load import Progress
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.text import inert


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f}s"
    return f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"


class StatusLine(Static):
    """Always visible: ``<shown> of <total> events``, the filters, and load problems."""

    #: The line as plain text, as the user reads it.
    plain = ""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    """

    def show(
        self,
        shown: int,
        total: int,
        labels: Sequence[str],
        problems: int,
        *,
        extra: str = "",
        found: str = "",
    ) -> None:
        """Update the line (every part from logs goes through :func:`inert`).

        ``found`` (which match of a search the cursor is on) comes right after the counts,
        where a narrow terminal still shows it.
        """
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{shown:,} of {total:,} events", style="bold")
        if found:
            text.append(f"  {inert(found, limit=60)}", style="bold")
        if labels:
            text.append("  ")
            text.append(" ".join(f"[{inert(label, limit=40)}]" for label in labels))
        if problems:
            text.append(f"  {plural(problems, 'load problem')} (L)", style="bold yellow")
        if extra:
            text.append(f"  {inert(extra, limit=80)}", style="italic")
        text.append("  ? help", style="dim")
        self.plain = text.plain
        self.update(text)


class LoadPanel(Vertical):
    """Files done / total, events, events per second and the time left, while loading."""

    DEFAULT_CSS = """
    LoadPanel { height: auto; padding: 1 2; border: round $primary; margin: 1 4; }
    LoadPanel ProgressBar { width: 100%; }
    LoadPanel Label { width: 100%; }
    """

    def compose(self) -> ComposeResult:
        yield Label("", id="load-title")
        yield ProgressBar(total=None, show_eta=False, id="load-bar")
        yield Label("discovering files…", id="load-figures")
        yield Label("q or ctrl+c cancels", id="load-hint")

    def set_title(self, paths: Sequence[str]) -> None:
        """Say what is being loaded."""
        shown = ", ".join(inert(p, limit=80) for p in paths[:3])
        more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
        self.query_one("#load-title", Label).update(Text(f"Loading {shown}{more}"))

    def update_progress(self, progress: Progress) -> None:
        """Show one progress report."""
        bar = self.query_one(ProgressBar)
        bar.update(total=max(progress.files_total, 1), progress=progress.files_done)
        figures = (
            f"{progress.phase}: {progress.files_done:,} / {progress.files_total:,} files · "
            f"{progress.events:,} records · {progress.rate:,.0f}/s · "
            f"ETA {_duration(progress.eta)}"
        )
        if progress.phase == "parsing":  # the count agrees with the end's once dropped
            figures += "\nrecords include re-deliveries, dropped when the load ends"
        self.query_one("#load-figures", Label).update(Text(figures))
