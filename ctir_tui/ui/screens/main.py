"""The main screen: tactic matrix, event list, JSON detail, filter bar and status line.

Data flows one way: the session's frame -> filters -> the view (computed in a thread worker)
-> the list and the matrix; the list's cursor -> the detail. Every filter change is a new
entry in the view history that ``[`` and ``]`` walk. Nothing that scans the whole view or
reads the evidence runs on the UI thread: workers answer with messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.message import Message
from textual.widgets import Footer
from textual.worker import get_current_worker

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.clauses import Clause, ErrorsClause, ReadOnlyClause, TacticClause
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.history import ViewHistory
from ctir_tui.engine.query.lookup import locate
from ctir_tui.engine.query.pivots import EVENT_PIVOTS, clause_for_path, event_pivot
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.matrix import Matrix, matrix_counts
from ctir_tui.text import inert, pasteable
from ctir_tui.ui.screens._investigate import InvestigateActions
from ctir_tui.ui.widgets.event_detail import EventDetail
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.filter_bar import FilterBar
from ctir_tui.ui.widgets.prompt import Prompt
from ctir_tui.ui.widgets.status import LoadPanel, StatusLine
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix

#: At or above this width the list and the detail sit side by side under the matrix,
#: whose ten tactic columns then all fit; below it the panes stack.
WIDE = 140


def _pivot(key: str, name: str, label: str, **kw: Any) -> Binding:
    return Binding(key, f"pivot('{name}')", label, id=f"pivot.{name}", **kw)


def _exclude(key: str, name: str, label: str) -> Binding:
    return Binding(key, f"pivot('{name}', True)", label, id=f"pivot.not_{name}", show=False)


class MainScreen(InvestigateActions):
    """Where the investigation happens."""

    HELP_TITLE: ClassVar[str] = "Main screen"
    BINDINGS: ClassVar[list[BindingType]] = [
        _pivot("p", "principal", "Principal"),
        _exclude("P", "principal", "Not principal"),
        _pivot("i", "ip", "Source IP"),
        _exclude("I", "ip", "Not source IP"),
        _pivot("a", "key", "Access key", show=False),
        _exclude("A", "key", "Not access key"),
        _pivot("s", "session", "Session", show=False),
        _exclude("S", "session", "Not session"),
        _pivot("e", "event", "Event name", show=False),
        _exclude("E", "event", "Not event name"),
        _pivot("w", "window", "±15 min", show=False),
        Binding("equals_sign", "add_filter", "Add filter", id="filter.add"),
        Binding("exclamation_mark", "toggle_errors", "Errors only", id="filter.errors", show=False),
        Binding("r", "toggle_read_only", "Hide read-only", id="filter.readonly", show=False),
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

    @dataclass
    class ViewReady(Message):
        """A filtered view, its matrix, and where the cursor's event is in it."""

        generation: int
        frame: pl.DataFrame
        matrix: Matrix
        keep: int | None

    @dataclass
    class DetailReady(Message):
        """The original text of the highlighted event, read off the UI thread."""

        key: tuple[int, int]
        raw: str | None
        event: dict[str, Any] | None
        #: Why ``raw`` is None, when it could not be read.
        why: str | None = None

    def __init__(self, paths: list[str], initial: Filters) -> None:
        super().__init__()
        self.paths = paths
        self.session: Session | None = None
        self.history = ViewHistory(initial)
        self.extended = False
        self.view: pl.DataFrame | None = None
        self.generation = 0
        self.show_matrix: bool | None = None
        self.show_detail: bool | None = None
        self._detail_key: tuple[int, int] | None = None

    @property
    def filters(self) -> Filters:
        """The filters of the view shown."""
        return self.history.current

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Container(id="body"):
            yield LoadPanel(id="load-panel")
            yield TacticMatrix(id="matrix")
            with Container(id="lower"):
                yield EventList(id="events")
                yield EventDetail(id="detail")
        yield StatusLine(id="status")
        yield Prompt(id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(LoadPanel).set_title(self.paths)
        self.add_class("-loading")
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        wide = self.size.width >= WIDE
        self.query_one("#body").set_class(wide, "-wide")
        matrix = self.show_matrix
        self.query_one(TacticMatrix).display = (
            matrix if matrix is not None else (wide or self.size.height >= 34)
        )
        self.query_one(EventDetail).display = self.show_detail is not False

    # --- loading and views ------------------------------------------------------------

    def loaded(self, session: Session) -> None:
        """Called by the app when the load finished."""
        self.session = session
        self.remove_class("-loading")
        self.query_one(LoadPanel).display = False
        try:
            first = self.filters.validate(session.mapping.tactic_words())
        except FILTER_ERRORS as exc:
            self.notify(inert(str(exc)), severity="error", markup=False)
            first = Filters()
        self.history.reset(first)
        for warning in session.warnings:
            self.notify(inert(warning, limit=300), severity="warning", timeout=10, markup=False)
        self.query_one(EventList).focus()
        self._refresh_view()

    def _refresh_view(self) -> None:
        if self.session is None:
            return
        self.generation += 1
        bar = self.query_one(FilterBar)
        bar.set_filters(self.filters.labels(), self.session.mapping.tactic_words())
        current = self.query_one(EventList).current_event()
        self._compute_view(self.session, self.filters, self.extended, self.generation, current)

    @work(thread=True, exit_on_error=False, exclusive=True, group="view")
    def _compute_view(
        self,
        session: Session,
        filters: Filters,
        extended: bool,
        generation: int,
        current: dict[str, Any] | None,
    ) -> None:
        try:
            frame = session.view(filters, extended=extended)
        except FILTER_ERRORS as exc:
            self.app.call_from_thread(self._filter_failed, str(exc))
            return
        matrix = matrix_counts(frame, session.mapping, extended=extended)
        keep = locate(frame, current) if current is not None else None
        if not get_current_worker().is_cancelled:
            self.post_message(self.ViewReady(generation, frame, matrix, keep))

    def _filter_failed(self, message: str) -> None:
        # Keep the current view: forget the filters that failed.
        self.query_one(FilterBar).show_error(message)
        if not self.history.at_start:
            self.history.discard_current()
            self._refresh_view()

    @on(ViewReady)
    def _view_ready(self, message: ViewReady) -> None:
        if message.generation != self.generation or self.session is None:
            return
        self.view = message.frame
        self.query_one(EventList).set_frame(message.frame, keep=message.keep)
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
        if record and filters == self.filters:
            return
        if record:
            self.history.push(filters)
        self._refresh_view()

    def add_clauses(self, *clauses: Clause) -> None:
        """Add filter clauses (one new view)."""
        filters = self.filters
        for clause in clauses:
            filters = filters.add(clause)
        self.set_filters(filters)

    # --- the detail follows the cursor -----------------------------------------------

    @on(EventList.Highlighted)
    def _highlighted(self, message: EventList.Highlighted) -> None:
        event = message.event
        if event is None or self.session is None:
            self._detail_key = None
            self.query_one(EventDetail).show(None, None)
            return
        key = (int(event[c.FILE_ID]), int(event[c.REC_INDEX]))
        if key == self._detail_key:
            return
        self._detail_key = key
        self._read_detail(self.session, key, event)

    @work(thread=True, exit_on_error=False, exclusive=True, group="detail")
    def _read_detail(self, session: Session, key: tuple[int, int], event: dict[str, Any]) -> None:
        why: str | None = None
        try:
            raw: str | None = session.original(*key)
        except (OSError, LookupError) as exc:
            raw, why = None, str(exc)
            note = inert(f"cannot read the original record: {exc}")
            self.app.call_from_thread(self.notify, note, severity="warning", markup=False)
        if not get_current_worker().is_cancelled:
            self.post_message(self.DetailReady(key, raw, event, why))

    @on(DetailReady)
    def _detail_ready(self, message: DetailReady) -> None:
        if message.key == self._detail_key:
            self.query_one(EventDetail).show(message.raw, message.event, message.why)

    # --- pivots -----------------------------------------------------------------------

    def action_pivot(self, name: str, negate: bool = False) -> None:
        """Filter to (or exclude) a value of the highlighted event."""
        event = self.query_one(EventList).current_event()
        if event is None:
            self.notify("no event under the cursor", severity="warning", markup=False)
            return
        clauses = event_pivot(name, event, negate=negate)
        if not clauses:
            missing = EVENT_PIVOTS[name].missing
            self.notify(f"this event has no {missing}", severity="warning", markup=False)
            return
        self.add_clauses(*clauses)

    @on(EventDetail.Pivot)
    def _detail_pivot(self, message: EventDetail.Pivot) -> None:
        clause = clause_for_path(message.path, message.value, negate=message.negate)
        if clause is None:
            note = inert(f"{message.path} is not a filterable field; try / to search the list")
            self.notify(note, severity="warning", markup=False)
            return
        self.add_clauses(clause)

    @on(TacticMatrix.Selected)
    def _matrix_selected(self, message: TacticMatrix.Selected) -> None:
        if message.event is None:
            self.add_clauses(TacticClause(value=message.tactic))
        else:
            self.add_clauses(field_clause(c.EVENT_NAME, message.event))
        self.query_one(EventList).focus()

    @on(TacticMatrix.ToggleExtended)
    def _toggle_extended(self) -> None:
        self.extended = not self.extended
        note = "extended ATT&CK mapping" if self.extended else "seed tactic table"
        self.notify(note, markup=False)
        self._refresh_view()

    # --- filter bar and history -------------------------------------------------------

    def action_add_filter(self, prefill: str = "") -> None:
        """Open the filter input."""
        self.query_one(FilterBar).open_input(prefill)

    @on(FilterBar.Added)
    def _bar_added(self, message: FilterBar.Added) -> None:
        self.add_clauses(message.clause)
        self.query_one(EventList).focus()

    @on(FilterBar.Closed)
    def _bar_closed(self) -> None:
        self.query_one(EventList).focus()

    @on(FilterBar.Remove)
    def _bar_remove(self, message: FilterBar.Remove) -> None:
        self.set_filters(self.filters.remove(message.index))

    def _toggle(self, clause: Clause) -> None:
        if clause in self.filters.clauses:
            self.set_filters(self.filters.without(type(clause)))
        else:
            self.add_clauses(clause)

    def action_toggle_errors(self) -> None:
        """Show only failed calls, or all again."""
        self._toggle(ErrorsClause())

    def action_toggle_read_only(self) -> None:
        """Hide read-only events, or show them again."""
        self._toggle(ReadOnlyClause())

    def action_clear_filters(self) -> None:
        """Remove every filter."""
        self.set_filters(Filters())

    def action_history(self, step: int) -> None:
        """Walk back or forward through the views."""
        if self.history.step(step) is None:
            self.notify("no earlier view" if step < 0 else "no later view", markup=False)
            return
        self.set_filters(self.history.current, record=False)

    def action_back_or_quit(self) -> None:
        """``q``: back one view; quit at the first."""
        if not self.history.at_start:
            self.action_history(-1)
        else:
            self.app.exit()

    # --- panes, report, copy ----------------------------------------------------------

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
        """Copy the highlighted event's original JSON (OSC 52: works over SSH).

        The detail pane has already read it (off the UI thread); until it has, say so.
        """
        detail = self.query_one(EventDetail)
        text = detail.copy_text()
        if self._detail_key is None or text is None or detail.key != self._detail_key:
            self.notify("the event is still being read; try again", markup=False)
            return
        text = pasteable(text, json=True)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied the event ({len(text):,} characters)", markup=False)
