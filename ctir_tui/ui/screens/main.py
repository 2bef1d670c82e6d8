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
from textual.widget import Widget
from textual.widgets import Footer
from textual.worker import get_current_worker

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.load import Progress
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.engine.query.clauses import Clause, ErrorsClause, ReadOnlyClause, TacticClause
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.history import ViewHistory
from ctir_tui.engine.query.lookup import locate
from ctir_tui.engine.query.pivots import EVENT_PIVOTS, clause_for_path, event_pivot, pivoted
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.matrix import Matrix, matrix_counts
from ctir_tui.text import inert, pasteable
from ctir_tui.ui.config import save_columns
from ctir_tui.ui.screens._investigate import InvestigateActions
from ctir_tui.ui.screens.quit import QuitScreen
from ctir_tui.ui.widgets._list_format import (
    DEFAULT_COLUMNS,
    Widths,
    full_values,
    measure_view,
)
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
    return Binding(
        key, f"pivot('{name}', True)", f"Not {label.lower()}", id=f"pivot.not_{name}", show=False
    )


def _fresh(key: str, name: str, label: str) -> Binding:
    return Binding(
        key,
        f"pivot('{name}', False, True)",
        f"{label} only (clear filters first)",
        id=f"pivot.fresh_{name}",
        show=False,
    )


class MainScreen(InvestigateActions):
    """Where the investigation happens."""

    HELP_TITLE: ClassVar[str] = "Main screen"
    BINDINGS: ClassVar[list[BindingType]] = [
        _pivot("p", "principal", "Principal"),
        _exclude("P", "principal", "Principal"),
        _fresh("alt+p", "principal", "Principal"),
        _pivot("i", "ip", "Source IP"),
        _exclude("I", "ip", "Source IP"),
        _fresh("alt+i", "ip", "Source IP"),
        _pivot("a", "key", "Access key", show=False),
        _exclude("A", "key", "Access key"),
        _fresh("alt+a", "key", "Access key"),
        _pivot("s", "session", "Session", show=False),
        _exclude("S", "session", "Session"),
        _fresh("alt+s", "session", "Session"),
        _pivot("e", "event", "Event name", show=False),
        _exclude("E", "event", "Event name"),
        _fresh("alt+e", "event", "Event name"),
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
        Binding("v", "choose_columns", "Columns", id="list.columns", show=False),
        Binding("V", "full_values", "Full values", id="list.values", show=False),
        Binding("tab", "cycle_pane(1)", "Next pane", id="pane.next", show=False),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", id="pane.previous", show=False),
        Binding("escape", "restore", "Restore zoomed pane", id="pane.restore", show=False),
        Binding("enter", "toggle_detail", "Detail full screen", id="detail.open", show=False),
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
        #: The widest value of each list column in ``frame``.
        widths: Widths = ()
        #: The one account of every event of ``frame``, if there is one only.
        account: str | None = None

    @dataclass
    class DetailReady(Message):
        """The original text of the highlighted event, read off the UI thread."""

        key: tuple[int, int]
        raw: str | None
        event: dict[str, Any] | None
        #: Why ``raw`` is None, when it could not be read.
        why: str | None = None

    def __init__(
        self, paths: list[str], initial: Filters, columns: tuple[str, ...] | None = None
    ) -> None:
        super().__init__()
        self.columns = columns if columns is not None else DEFAULT_COLUMNS
        self.paths = paths
        self.session: Session | None = None
        self.history = ViewHistory(initial)
        self.extended = False
        self.view: pl.DataFrame | None = None
        self.generation = 0
        self.show_matrix: bool | None = None
        self.show_detail: bool | None = None
        self._detail_key: tuple[int, int] | None = None
        #: How far the load is, while the rows read so far are shown.
        self._loading = ""
        #: A matrix cell was opened: the list takes the focus when its view is shown.
        self._focus_list_with_view = False
        self._progress: Progress | None = None
        #: The one account of the view shown, if it has one only (the status line says it).
        self._account: str | None = None
        #: The detail is full screen because enter opened it from the list (esc goes back).
        self._detail_opened = False

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
        self.query_one(EventList).set_columns(self.columns)
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
        """Called by the app with the rows read so far while loading, then with them all.

        The first call opens the view; later ones keep the filters, history and cursor the
        user has by then, and show the same view over more rows.
        """
        first_rows = self.session is None
        self.session = session
        if first_rows:
            self.remove_class("-loading")
            self.query_one(LoadPanel).display = False
            try:
                first = self.filters.validate(session.mapping.tactic_words())
            except FILTER_ERRORS as exc:
                self.notify(inert(str(exc)), severity="error", markup=False)
                first = Filters()
            self.history.reset(first)
            # The list takes the focus once its first view is on screen: the footer's keys
            # are rebuilt on a change of focus (a tenth of a second of this thread), which
            # would delay the first rows.
            self._focus_list_with_view = True
        self._loading = "" if session.complete else self._loading_text(self._progress)
        if session.complete and not session.frame.height:
            report = session.report
            self.notify(
                f"nothing could be read: {plural(report.count('failed'), 'file')} failed, "
                f"{report.count('skipped'):,} skipped (L says why)",
                severity="error",
                markup=False,
            )
        if session.complete:
            for warning in session.warnings:
                self.notify(inert(warning, limit=300), severity="warning", timeout=10, markup=False)
        # More rows arrived: a cursor the user moved stays on its event; one left at the top
        # stays at the top (the first event of the rows read so far is rarely the first).
        self._refresh_view(follow=self.query_one(EventList).cursor_row > 0)

    def load_progress(self, progress: Progress) -> None:
        """How far the load is: on the status line while the rows read so far are shown."""
        self._progress = progress
        if self.session is None or self.session.complete:
            return
        self._loading = self._loading_text(progress)
        self._update_status()

    def _loading_text(self, progress: Progress | None) -> str:
        if progress is None or not progress.files_total:
            return "loading"
        done = progress.files_done / progress.files_total
        return (
            f"loading {done:.0%}: {progress.files_done:,} of {progress.files_total:,} files,"
            f" {progress.events:,} records so far"
        )

    def _refresh_view(self, *, follow: bool = True) -> None:
        """Compute the view of the filters; the cursor stays on its event when ``follow``."""
        if self.session is None:
            return
        self.generation += 1
        current = self.query_one(EventList).current_event() if follow else None
        # The view first: the filter bar's repaint then runs beside it, not before it.
        self._compute_view(self.session, self.filters, self.extended, self.generation, current)
        bar = self.query_one(FilterBar)
        bar.set_filters(
            self.filters.labels(), self.session.mapping.tactic_words(), self.filters.ors_previous()
        )

    @work(thread=True, exit_on_error=False, exclusive=True, group="view", description="view")
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
        widths, account = measure_view(frame)
        if not get_current_worker().is_cancelled:
            self.post_message(self.ViewReady(generation, frame, matrix, keep, widths, account))

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
        self._account = message.account
        self._found_note = ""  # the rows found were of the view before
        events = self.query_one(EventList)
        events.set_frame(message.frame, keep=message.keep, widths=message.widths)
        self.query_one(TacticMatrix).set_matrix(message.matrix)
        self._update_status()
        if self._focus_list_with_view:
            self._focus_list_with_view = False
            self.call_after_refresh(events.focus)  # after the frame that shows the view

    def _update_status(self, extra: str = "") -> None:
        if self.session is None or self.view is None:
            return
        if self._account is not None:
            # The list leaves out an account column that would say this on every row.
            extra = f"account {self._account}" + (f" · {extra}" if extra else "")
        self.query_one(StatusLine).show(
            self.view.height,
            self.session.frame.height,
            self.filters.labels(),
            self.session.report.problems,
            extra=" ".join(part for part in (self._loading, extra) if part),
            found=self._found_note,
        )

    def set_filters(self, filters: Filters, *, record: bool = True) -> None:
        """Apply new filters (and remember the view in the history)."""
        if record and filters == self.filters:
            return
        if record:
            self.history.push(filters)
        self._refresh_view()

    def add_clauses(self, *clauses: Clause) -> None:
        """Add filter clauses (one new view); a clause ORs with those on its field."""
        filters = self.filters
        for clause in clauses:
            filters = filters.add(clause)
        self.set_filters(filters)

    def pivot_to(self, *clauses: Clause, fresh: bool = False) -> None:
        """Pivot (one new view): each clause replaces those on its field; ``fresh`` clears."""
        self.set_filters(pivoted(self.filters, clauses, fresh=fresh))

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

    @work(thread=True, exit_on_error=False, exclusive=True, group="detail", description="detail")
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

    def action_pivot(self, name: str, negate: bool = False, fresh: bool = False) -> None:
        """Filter to (or exclude) a value of the highlighted event, replacing its field.

        With ``fresh`` every other filter is cleared first.
        """
        event = self.query_one(EventList).current_event()
        if event is None:
            self.notify("no event under the cursor", severity="warning", markup=False)
            return
        clauses = event_pivot(name, event, negate=negate)
        if not clauses:
            missing = EVENT_PIVOTS[name].missing
            self.notify(f"this event has no {missing}", severity="warning", markup=False)
            return
        self.pivot_to(*clauses, fresh=fresh)

    @on(EventDetail.Pivot)
    def _detail_pivot(self, message: EventDetail.Pivot) -> None:
        clause = clause_for_path(message.path, message.value, negate=message.negate)
        if clause is None:
            note = inert(f"{message.path} is not a filterable field; try / to search the list")
            self.notify(note, severity="warning", markup=False)
            return
        self.pivot_to(clause)

    @on(TacticMatrix.Selected)
    def _matrix_selected(self, message: TacticMatrix.Selected) -> None:
        # A cell replaces the event clauses, a header the tactic ones: the rest is kept.
        if message.event is None:
            self.pivot_to(TacticClause(value=message.tactic))
        else:
            self.pivot_to(field_clause(c.EVENT_NAME, message.event))
        # The list takes the focus with the view it shows: moving it now would repaint the
        # screen (borders, footer) while the view is computed, and the count would wait.
        self._focus_list_with_view = True

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
        """``q``: restore a zoomed pane, else back one view; at the first, ask to quit."""
        if self.maximized is not None:
            self.action_restore()
        elif not self.history.at_start:
            self.action_history(-1)
        else:
            self.app.push_screen(QuitScreen(), self._quit_answered)

    def _quit_answered(self, quit_: bool | None) -> None:
        if quit_:
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

    def _panes(self) -> list[Widget]:
        """The panes tab cycles through, in order, those shown.

        The matrix is one step from the list either way; the filter bar joins only when
        it has filters to pick (or its input is open): with none there is nothing to do.
        """
        bar = self.query_one(FilterBar)
        panes: list[Widget] = [
            self.query_one(EventList),
            self.query_one(TacticMatrix),
            self.query_one(EventDetail),
        ]
        if self.filters.clauses or bar.has_class("-editing"):
            panes.append(bar)
        return [p for p in panes if p.display and p.parent is not None and p.parent.display]

    def action_cycle_pane(self, step: int) -> None:
        """Focus the next (or previous) pane: list, matrix, detail (filter bar)."""
        if self.maximized is not None:
            return
        panes = self._panes()
        focused = self.focused
        holder = next(
            (p for p in panes if focused is not None and (focused is p or p in focused.ancestors)),
            None,
        )
        index = panes.index(holder) if holder is not None else -step
        panes[(index + step) % len(panes)].focus()

    def action_maximize_pane(self) -> None:
        """Zoom the focused pane to the whole screen (again to restore)."""
        if self.maximized is not None:
            self.action_restore()
            return
        focused = self.focused
        pane = next(
            (
                p
                for p in self._panes()
                if focused is not None and (focused is p or p in focused.ancestors)
            ),
            None,
        )
        if pane is not None and pane is not self.query_one(FilterBar):
            self.maximize(pane, container=False)
        else:
            self.notify("z zooms the list, the matrix or the detail", markup=False)

    def action_restore(self) -> None:
        """Put a zoomed pane back (esc)."""
        if self.maximized is not None:
            self.minimize()
            if self.show_detail is False:
                self.query_one(EventDetail).display = False
            if self._detail_opened or self.show_detail is False:
                self.query_one(EventList).focus()
        self._detail_opened = False

    def action_toggle_detail(self) -> None:
        """Enter in the detail: full screen, and back."""
        if self.maximized is not None:
            self.action_restore()
        elif isinstance(self.focused, EventDetail):
            self.maximize(self.focused, container=False)

    @on(EventList.Opened)
    def _opened(self) -> None:
        # Enter on an event: its detail, full screen (esc, q, z or enter again return).
        detail = self.query_one(EventDetail)
        detail.display = True
        detail.focus()
        self.maximize(detail, container=False)
        self._detail_opened = True

    def action_choose_columns(self) -> None:
        """Choose the list's columns (remembered in the config directory)."""
        from ctir_tui.ui.screens.columns import ColumnsScreen

        fitting = self.query_one(EventList).fitting
        self.app.push_screen(ColumnsScreen(self.columns, fitting), self._columns_chosen)

    def _columns_chosen(self, columns: tuple[str, ...] | None) -> None:
        if columns is None or columns == self.columns:
            return
        self.columns = columns
        self.query_one(EventList).set_columns(columns)
        problem = save_columns(columns)
        if problem is not None:
            self.notify(inert(problem), severity="warning", markup=False)

    def action_full_values(self) -> None:
        """Show every column of the highlighted event whole (a cut cell in full)."""
        from ctir_tui.ui.screens.values import ValuesScreen

        events = self.query_one(EventList)
        if not events.frame.height:
            self.notify("no event under the cursor", severity="warning", markup=False)
            return
        row = events.frame.slice(events.frame_index(events.cursor_row), 1)
        self.app.push_screen(ValuesScreen(full_values(row)))

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
