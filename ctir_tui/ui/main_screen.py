"""The main screen: tactic matrix, event list, JSON detail, filter bar and status line.

Data flows one way: the session's frame -> filters -> the view (computed in a thread worker)
-> the list and the matrix; the list's cursor -> the detail. Every filter change is a new
entry in the view history that ``[`` and ``]`` walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from ctir_tui.data.filters import (
    Clause,
    FilterError,
    Filters,
    Kind,
    field_clause,
    make_clause,
    parse_time,
    pivot_window,
    session_clause,
)
from ctir_tui.data.session import Session
from ctir_tui.data.tactics import Matrix, matrix_counts
from ctir_tui.text import inert
from ctir_tui.ui.filter_bar import FilterBar
from ctir_tui.ui.pivots import clause_for_path
from ctir_tui.ui.status import LoadPanel, StatusLine
from ctir_tui.ui.widgets.event_detail import EventDetail
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix

#: At or above this width the list and the detail sit side by side under the matrix,
#: whose ten tactic columns then all fit; below it the panes stack.
WIDE = 140


@dataclass
class ViewReady(Message):
    """A filtered view and its matrix, computed off the UI thread."""

    generation: int
    frame: pl.DataFrame
    matrix: Matrix


@dataclass
class DetailReady(Message):
    """The original text of the highlighted event, read off the UI thread."""

    key: tuple[int, int]
    raw: str | None
    event: dict[str, Any] | None


class MainScreen(Screen[None]):
    """Where the investigation happens."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pivot('principal')", "Principal", id="pivot.principal"),
        Binding(
            "P", "pivot('principal', True)", "Not principal", id="pivot.not_principal", show=False
        ),
        Binding("i", "pivot('ip')", "Source IP", id="pivot.ip"),
        Binding("I", "pivot('ip', True)", "Not source IP", id="pivot.not_ip", show=False),
        Binding("a", "pivot('key')", "Access key", id="pivot.key", show=False),
        Binding("A", "pivot('key', True)", "Not access key", id="pivot.not_key", show=False),
        Binding("s", "pivot('session')", "Session", id="pivot.session", show=False),
        Binding("S", "pivot('session', True)", "Not session", id="pivot.not_session", show=False),
        Binding("e", "pivot('event')", "Event name", id="pivot.event", show=False),
        Binding("E", "pivot('event', True)", "Not event name", id="pivot.not_event", show=False),
        Binding("w", "pivot('window')", "±15 min", id="pivot.window", show=False),
        Binding("equals_sign", "add_filter", "Add filter", id="filter.add"),
        Binding(
            "exclamation_mark",
            "toggle_kind('errors')",
            "Errors only",
            id="filter.errors",
            show=False,
        ),
        Binding("r", "toggle_kind('readonly')", "Hide read-only", id="filter.readonly", show=False),
        Binding("C", "clear_filters", "Clear filters", id="filter.clear", show=False),
        Binding("left_square_bracket", "history(-1)", "Back", id="view.back"),
        Binding("right_square_bracket", "history(1)", "Forward", id="view.forward", show=False),
        Binding("L", "problems", "Load report", id="app.problems", show=False),
        Binding("M", "toggle_pane('matrix')", "Matrix", id="pane.matrix"),
        Binding("D", "toggle_pane('detail')", "Detail", id="pane.detail"),
        Binding("z", "maximize_pane", "Zoom pane", id="pane.zoom", show=False),
        Binding("y", "copy_event", "Copy event", id="event.copy", show=False),
        Binding("q", "back_or_quit", "Back/quit", id="app.back"),
    ]

    def __init__(self, paths: list[str], initial: Filters) -> None:
        super().__init__()
        self.paths = paths
        self.session: Session | None = None
        self.filters = initial
        self.history: list[Filters] = [initial]
        self.position = 0
        self.extended = False
        self.view: pl.DataFrame | None = None
        self.generation = 0
        self.show_matrix: bool | None = None
        self.show_detail: bool | None = None
        self._detail_key: tuple[int, int] | None = None
        self._prompt_mode = "search"

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Container(id="body"):
            yield LoadPanel(id="load-panel")
            yield TacticMatrix(id="matrix")
            with Container(id="lower"):
                yield EventList(id="events")
                yield EventDetail(id="detail")
        yield StatusLine(id="status")
        yield Input(id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(LoadPanel).set_title(self.paths)
        self.add_class("-loading")
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        body = self.query_one("#body")
        wide = self.size.width >= WIDE
        body.set_class(wide, "-wide")
        show_matrix = (
            self.show_matrix if self.show_matrix is not None else (wide or self.size.height >= 34)
        )
        show_detail = self.show_detail if self.show_detail is not None else True
        self.query_one(TacticMatrix).display = show_matrix
        self.query_one(EventDetail).display = show_detail

    # --- loading ----------------------------------------------------------------------

    def loaded(self, session: Session) -> None:
        """Called by the app when the load finished."""
        self.session = session
        self.remove_class("-loading")
        self.query_one(LoadPanel).display = False
        try:
            self.filters = self.filters.validate(session.mapping.tactic_names(extended=True))
        except FilterError as exc:
            self.notify(inert(str(exc)), severity="error")
            self.filters = Filters()
        self.history = [self.filters]
        self.position = 0
        for warning in session.warnings:
            self.notify(inert(warning, limit=300), severity="warning", timeout=10)
        self.query_one(EventList).focus()
        self._refresh_view()

    # --- views ------------------------------------------------------------------------

    def _refresh_view(self) -> None:
        if self.session is None:
            return
        self.generation += 1
        bar = self.query_one(FilterBar)
        bar.set_filters(self.filters.labels(), self.session.mapping.tactic_names(extended=True))
        self._compute_view(self.session, self.filters, self.extended, self.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="view")
    def _compute_view(
        self, session: Session, filters: Filters, extended: bool, generation: int
    ) -> None:
        try:
            frame = session.view(filters, extended=extended)
        except FilterError as exc:
            self.app.call_from_thread(self._filter_failed, str(exc))
            return
        matrix = matrix_counts(frame, session.mapping, extended=extended)
        if not get_current_worker().is_cancelled:
            self.post_message(ViewReady(generation, frame, matrix))

    def _filter_failed(self, message: str) -> None:
        # Keep the current view: forget the filters that failed.
        self.query_one(FilterBar).show_error(message)
        if self.position > 0:
            del self.history[self.position :]
            self.position -= 1
            self.filters = self.history[self.position]
            self._refresh_view()

    @on(ViewReady)
    def _view_ready(self, message: ViewReady) -> None:
        if message.generation != self.generation or self.session is None:
            return
        self.view = message.frame
        self.query_one(EventList).set_frame(message.frame)
        self.query_one(TacticMatrix).set_matrix(message.matrix)
        self._update_status()

    def _update_status(self, extra: str = "") -> None:
        if self.session is None or self.view is None:
            return
        self.query_one(StatusLine).show(
            self.view.height,
            self.session.frame.height,
            self.filters.labels(),
            self.session.report.problems,
            extra=extra,
        )

    def set_filters(self, filters: Filters, *, record: bool = True) -> None:
        """Apply new filters (and remember the view in the history)."""
        if filters == self.filters:
            return
        self.filters = filters
        if record:
            del self.history[self.position + 1 :]
            self.history.append(filters)
            self.position = len(self.history) - 1
        self._refresh_view()

    def add_clause(self, clause: Clause) -> None:
        """Add one filter clause."""
        self.set_filters(self.filters.add(clause))

    # --- the detail follows the cursor -----------------------------------------------

    @on(EventList.Highlighted)
    def _highlighted(self, message: EventList.Highlighted) -> None:
        event = message.event
        if event is None or self.session is None:
            self._detail_key = None
            self.query_one(EventDetail).show(None, None)
            return
        key = (int(event["file_id"]), int(event["rec_index"]))
        if key == self._detail_key:
            return
        self._detail_key = key
        self._read_detail(self.session, key, event)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _read_detail(self, session: Session, key: tuple[int, int], event: dict[str, Any]) -> None:
        try:
            raw: str | None = session.original(*key)
        except (OSError, LookupError) as exc:
            raw = None
            self.app.call_from_thread(
                self.notify, inert(f"cannot read the original record: {exc}"), severity="warning"
            )
        if not get_current_worker().is_cancelled:
            self.post_message(DetailReady(key, raw, event))

    @on(DetailReady)
    def _detail_ready(self, message: DetailReady) -> None:
        if message.key == self._detail_key:
            self.query_one(EventDetail).show(message.raw, message.event)

    # --- pivots -----------------------------------------------------------------------

    def _current(self) -> dict[str, Any] | None:
        event = self.query_one(EventList).current_event()
        if event is None:
            self.notify("no event under the cursor", severity="warning")
        return event

    def action_pivot(self, what: str, negate: bool = False) -> None:
        """Filter to (or exclude) a value of the highlighted event."""
        event = self._current()
        if event is None:
            return
        if what == "window":
            moment = event.get("time")
            if not isinstance(moment, datetime):
                self.notify("this event has no time", severity="warning")
                return
            since, until = pivot_window(moment)
            self.set_filters(self.filters.add(since).add(until))
            return
        clause: Clause | None
        if what == "principal":
            clause = field_clause("principal", event.get("principal"), negate=negate)
        elif what == "ip":
            clause = field_clause("source_ip", event.get("source_ip"), negate=negate)
        elif what == "event":
            clause = field_clause("event_name", event.get("event_name"), negate=negate)
        elif what == "key":
            key = event.get("access_key_id")
            clause = field_clause("access_key_id", key, negate=negate) if key else None
        else:  # session: the key used, and for AssumeRole the key it handed out
            key = event.get("issued_access_key_id") or event.get("access_key_id")
            clause = session_clause(key, negate=negate) if key else None
        if clause is None:
            missing = what.replace("key", "access key")
            self.notify(f"this event has no {missing}", severity="warning")
            return
        self.add_clause(clause)

    @on(EventDetail.Pivot)
    def _detail_pivot(self, message: EventDetail.Pivot) -> None:
        clause = clause_for_path(message.path, message.value, negate=message.negate)
        if clause is None:
            self.notify(
                inert(f"{message.path} is not a filterable field; try / to search the list"),
                severity="warning",
            )
            return
        self.add_clause(clause)

    @on(TacticMatrix.Selected)
    def _matrix_selected(self, message: TacticMatrix.Selected) -> None:
        if message.event is None:
            clause = make_clause(Kind.TACTIC, message.tactic)
        else:
            clause = field_clause("event_name", message.event)
        self.add_clause(clause)
        self.query_one(EventList).focus()

    @on(TacticMatrix.ToggleExtended)
    def _toggle_extended(self) -> None:
        self.extended = not self.extended
        self.notify("extended ATT&CK mapping" if self.extended else "seed tactic table")
        self._refresh_view()

    # --- filter bar -------------------------------------------------------------------

    def action_add_filter(self, prefill: str = "") -> None:
        """Open the filter input."""
        self.query_one(FilterBar).open_input(prefill)

    @on(FilterBar.Added)
    def _bar_added(self, message: FilterBar.Added) -> None:
        self.add_clause(message.clause)
        self.query_one(EventList).focus()

    @on(FilterBar.Remove)
    def _bar_remove(self, message: FilterBar.Remove) -> None:
        self.set_filters(self.filters.remove(message.index))

    def action_toggle_kind(self, kind: str) -> None:
        """Toggle errors-only or hide-read-only."""
        clause = make_clause(Kind.ERRORS if kind == "errors" else Kind.READ_ONLY)
        if clause in self.filters.clauses:
            self.set_filters(self.filters.without(clause.kind))
        else:
            self.add_clause(clause)

    def action_clear_filters(self) -> None:
        """Remove every filter."""
        self.set_filters(Filters())

    def action_history(self, step: int) -> None:
        """Walk back or forward through the views."""
        target = self.position + step
        if not 0 <= target < len(self.history):
            self.notify("no earlier view" if step < 0 else "no later view")
            return
        self.position = target
        self.set_filters(self.history[target], record=False)

    def action_back_or_quit(self) -> None:
        """``q``: back one view; quit at the first."""
        if self.position > 0:
            self.action_history(-1)
        else:
            self.app.exit()

    # --- search and jump prompts ------------------------------------------------------

    @on(EventList.SearchRequested)
    def _search_requested(self) -> None:
        self._open_prompt("search", "search the list (principal, event, IP, agent, error...)")

    @on(EventList.JumpRequested)
    def _jump_requested(self) -> None:
        self._open_prompt(
            "jump", "jump to time: 2025-03-12T02:00, 2025-03-12, or 6h (before the end)"
        )

    def _open_prompt(self, mode: str, placeholder: str) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.placeholder = placeholder
        prompt.value = ""
        self._prompt_mode = mode
        prompt.add_class("-open")
        prompt.focus()

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.remove_class("-open")
        self.query_one(EventList).focus()

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        events = self.query_one(EventList)
        mode = self._prompt_mode
        self._close_prompt()
        if not text:
            return
        if mode == "search":
            if not events.search(text):
                self.notify(inert(f"no match for {text!r}", limit=100), severity="warning")
            return
        newest = self.session.newest if self.session else None
        try:
            when = parse_time(text, newest=newest, what="time")
        except FilterError as exc:
            self.notify(inert(str(exc)), severity="error")
            return
        if not events.jump_to_time(when):
            self.notify("no event at or after that time", severity="warning")

    def key_escape(self) -> None:
        prompt = self.query_one("#prompt", Input)
        if prompt.has_class("-open"):
            self._close_prompt()

    # --- panes ------------------------------------------------------------------------

    def action_toggle_pane(self, pane: str) -> None:
        """Show or hide the matrix or the detail pane."""
        widget = self.query_one(TacticMatrix if pane == "matrix" else EventDetail)
        shown = not widget.display
        if pane == "matrix":
            self.show_matrix = shown
        else:
            self.show_detail = shown
        self._layout()
        if shown:
            widget.focus()
        elif self.focused is None or not self.focused.display:
            self.query_one(EventList).focus()

    def action_maximize_pane(self) -> None:
        """Zoom the focused pane to the whole screen (again to restore)."""
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)

    def action_problems(self) -> None:
        """Show the load report."""
        from ctir_tui.ui.screens.problems import ProblemsScreen

        if self.session is not None:
            self.app.push_screen(ProblemsScreen(self.session.report))

    def action_copy_event(self) -> None:
        """Copy the highlighted event's original JSON (OSC 52: works over SSH)."""
        event = self._current()
        if event is None or self.session is None:
            return
        try:
            raw = self.session.original(int(event["file_id"]), int(event["rec_index"]))
        except (OSError, LookupError) as exc:
            self.notify(inert(f"cannot read the original record: {exc}"), severity="error")
            return
        self.app.copy_to_clipboard(raw)
        self.notify(f"copied the event ({len(raw):,} characters)")
