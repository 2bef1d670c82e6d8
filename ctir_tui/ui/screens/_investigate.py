"""The investigation's keys on the main screen: triage, top values, timeline, chain, SQL,
and (from :class:`~ctir_tui.ui.screens._case_keys.CaseKeys`) the case.

``MainScreen`` inherits these; every binding and action of them lives here, so that the main
screen's own code (its layout, list, filters and keys) is not touched. How this class joins in
without editing it:

* :attr:`InvestigateActions.session` is a property: when the main screen sets it (the load
  finished), the case is opened and its marks handed to the session before the first view
  is asked for (``ctir PATH --marked`` works), and the Sigma rules start in a worker, over
  the whole evidence.
* :meth:`InvestigateActions.on_main_screen_view_ready` runs after the main screen's own
  handler of each new view: the matrix cells of events the rules hit get their marker, and
  a screen that follows the view (the timeline, zooming) is given it.
* The list's ``m`` (:class:`EventList.MarkToggled`) and cursor are followed by ``CaseKeys``.

What it uses of the main screen: ``filters``, ``set_filters``, ``add_clauses``, ``view``,
``generation``, ``paths``, ``extended``, the event list and the matrix.

The analyses run in thread workers on the screens that show them (which show "computing"
meanwhile); the Sigma rules and the matrix markers run in workers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import polars as pl
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from ctir_tui.engine import schema as c
from ctir_tui.engine.detections import SigmaResult, shipped_rules
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.event_sets import EventSetClause
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.matrix import Matrix
from ctir_tui.text import inert
from ctir_tui.ui.screens._case_keys import CaseKeys
from ctir_tui.ui.screens._findings import Findings
from ctir_tui.ui.screens._sigma_marks import HIT_KEY, CellHits, annotated, cell_hits, hit_index
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix

if TYPE_CHECKING:
    from ctir_tui.ui.screens.main import MainScreen


@runtime_checkable
class FollowsView(Protocol):
    """A screen that wants each new view of the main screen (the timeline, as it zooms)."""

    def view_changed(self, view: pl.DataFrame, filters: Filters) -> None:
        """The main screen shows a new view."""


@runtime_checkable
class FollowsSigma(Protocol):
    """A screen that shows the Sigma hits once the rules have run (the triage)."""

    def sigma_done(self) -> None:
        """The rules ran (see :attr:`Findings.sigma`)."""


class InvestigateActions(CaseKeys):
    """Keys that open the investigation's screens over the view shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("T", "triage", "Triage", id="investigate.triage"),
        Binding("number_sign", "top_values", "Top values", id="investigate.top", show=False),
        Binding("H", "timeline", "Timeline", id="investigate.timeline", show=False),
        Binding("c", "chain", "Session chain", id="investigate.chain", show=False),
        Binding("Q", "sql", "View as SQL", id="investigate.sql", show=False),
        Binding("R", "rule_hits", "Sigma rule hits", id="investigate.rule_hits", show=False),
    ]

    #: Whether the extended ATT&CK mapping is shown (the main screen's).
    extended: bool = False
    #: What the investigation's screens have found (set when the load finishes).
    findings: Findings | None = None
    _session: Session | None = None
    #: A complete session whose Sigma rules are to run once its first view is on screen.
    _sigma_due: Session | None = None
    _plain_matrix: Matrix | None = None
    #: The Sigma hits of the matrix shown, by event name.
    _cell_hits: dict[str, CellHits] | None = None

    @dataclass
    class SigmaDone(Message):
        """The rules ran over the whole evidence (``result``) or could not (``error``)."""

        result: SigmaResult | None
        index: pl.DataFrame | None
        error: str | None
        #: The keys of every hit event (worked out in the worker: there may be many).
        keys: frozenset[str] = frozenset()

    @dataclass
    class CellsHit(Message):
        """Which matrix cells of view ``generation`` hold events the rules hit."""

        generation: int
        hits: dict[str, CellHits]

    # -- joining the main screen --------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The loaded evidence (the main screen sets it when the load finishes)."""
        return self._session

    @session.setter
    def session(self, value: Session | None) -> None:
        self._session = value
        if value is None:
            return
        self.findings = Findings(value, rules=self._rule_paths())
        self.open_case(value)
        # The rules run once, over every event, after the first view of it is on screen:
        # over the rows of a load still running they would compete with the parse for this
        # process (and run again at every refresh), and beside the first view, with it.
        self._sigma_due = value if value.complete else None

    def _rule_paths(self) -> list[Path]:
        config = getattr(self.app, "config", None)
        settings = getattr(config, "settings", None)
        configured = getattr(settings, "sigma_rules", None) or []
        return [Path(p) for p in configured] or [shipped_rules()]

    def on_main_screen_view_ready(self, message: MainScreen.ViewReady) -> None:
        """After the main screen showed a new view: its matrix markers, and the screens that
        follow the view."""
        if message.generation != self.generation:
            return
        self._plain_matrix = message.matrix
        self._cell_hits = None
        findings = self.findings
        due = self._sigma_due
        if due is not None and findings is not None and findings.session is due:
            self._sigma_due = None
            self.call_after_refresh(self._evaluate_sigma, due, findings.rules)
        if findings is not None and findings.sigma is not None:
            index = findings.sigma_index
            if index is not None and index.height:
                self._find_cells_hit(
                    message.frame, message.generation, findings.sigma, index, findings.sigma_keys
                )
        screen = self.app.screen
        if screen is not self and isinstance(screen, FollowsView):
            screen.view_changed(message.frame, self.filters)

    def open_door(self, door: Filters, *, fresh: bool = False) -> None:
        """Show the events behind an analysis row: ``door`` within the current view (or
        alone, ``fresh``, for a door found over the whole evidence)."""
        filters = Filters() if fresh else self.filters
        for clause in door.clauses:
            filters = filters.add(clause)
        self.set_filters(filters)
        self.query_one(EventList).focus()

    # -- Sigma: the rules over the whole evidence, markers on the matrix ---------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="sigma", description="sigma")
    def _evaluate_sigma(self, session: Session, rules: list[Path]) -> None:
        # pySigma is imported here, on this thread, not as the explorer starts.
        from ctir_tui.engine.detections import evaluate, load_rules

        try:
            result = evaluate(session, load_rules(rules))
            index = hit_index(result)
            keys = frozenset(index.get_column(HIT_KEY).to_list())
        except (OSError, ValueError, pl.exceptions.PolarsError, *FILTER_ERRORS) as exc:
            self.post_message(self.SigmaDone(None, None, str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.SigmaDone(result, index, None, keys))

    @on(SigmaDone)
    def _sigma_done(self, message: SigmaDone) -> None:
        findings = self.findings
        if findings is None:
            return
        findings.sigma, findings.sigma_index = message.result, message.index
        findings.sigma_keys = message.keys
        findings.sigma_error = message.error
        if message.error is not None:
            note = inert(f"the Sigma rules could not run: {message.error}", limit=300)
            self.notify(note, severity="warning", markup=False)
        view = self.view
        if message.result is not None and message.index is not None and view is not None:
            self._find_cells_hit(view, self.generation, message.result, message.index, message.keys)
        screen = self.app.screen
        if screen is not self and isinstance(screen, FollowsSigma):
            screen.sigma_done()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="sigma-cells",
        description="sigma-cells",
    )
    def _find_cells_hit(
        self,
        view: pl.DataFrame,
        generation: int,
        result: SigmaResult,
        index: pl.DataFrame,
        keys: frozenset[str],
    ) -> None:
        hits = cell_hits(view, index, result, keys)
        if not get_current_worker().is_cancelled:
            self.post_message(self.CellsHit(generation, hits))

    @on(CellsHit)
    def _cells_hit(self, message: CellsHit) -> None:
        if message.generation != self.generation or self._plain_matrix is None:
            return
        self._cell_hits = message.hits
        if message.hits:
            matrix = annotated(self._plain_matrix, message.hits)
            self.query_one(TacticMatrix).set_matrix(matrix)

    @on(TacticMatrix.Selected)
    def _cell_hits_hint(self, message: TacticMatrix.Selected) -> None:
        # Runs after the main screen's own handler filtered to the cell's events: say how
        # many of them the rules hit, and how to narrow to those.
        hits = (self._cell_hits or {}).get(message.event) if message.event else None
        if hits is not None and hits.keys:
            verb = "was" if hits.events == 1 else "were"
            note = f"{hits.events:,} of these {verb} hit by Sigma rules: R shows only those"
            self.notify(note, markup=False)

    def action_rule_hits(self) -> None:
        """``R``: only the events the Sigma rules hit: those of the matrix cell under the
        cursor (its ``!`` marker) when the matrix has the focus, else those of the view.

        Enter on a cell keeps meaning its count (every event of that name); this narrows
        to the hits, as a chip of its own beside the event name's.
        """
        findings = self.findings
        if findings is not None and not findings.session.complete:
            self.notify("the Sigma rules run once every event is read", markup=False)
            return
        if findings is None or not findings.sigma_done:
            self.notify("the Sigma rules are still running", markup=False)
            return
        if findings.sigma_error is not None or findings.sigma_index is None:
            note = inert(f"the Sigma rules could not run: {findings.sigma_error}", limit=300)
            self.notify(note, severity="warning", markup=False)
            return
        matrix = self.query_one(TacticMatrix)
        if self.focused is matrix:
            _, event = matrix.current()
            hits = (self._cell_hits or {}).get(event) if event is not None else None
            if event is None or hits is None or not hits.keys:
                self.notify("no Sigma hit in this cell (those have a ! marker)", markup=False)
                return
            self.add_clauses(field_clause(c.EVENT_NAME, event), hits.door(event))
            self.query_one(EventList).focus()
            return
        keys = findings.sigma_keys
        if not keys:
            self.notify("the Sigma rules hit no event", markup=False)
            return
        self.add_clauses(EventSetClause(keys=keys, name="Sigma hits"))

    def add_clauses(self, *clauses: Clause) -> None:
        """Add filter clauses (the main screen's)."""
        raise NotImplementedError

    # -- the screens --------------------------------------------------------------------

    def _ready(self) -> tuple[Findings, pl.DataFrame] | None:
        if self.findings is None or self.view is None:
            self.notify("still loading", markup=False)
            return None
        return self.findings, self.view

    def action_triage(self) -> None:
        """The fifteen questions (and the Sigma hits) over the view."""
        from ctir_tui.ui.screens.triage import TriageScreen

        ready = self._ready()
        if ready is not None:
            self.app.push_screen(TriageScreen(ready[0], ready[1], self.filters, self.open_door))

    def action_top_values(self) -> None:
        """The most frequent values of a column of the view."""
        from ctir_tui.ui.screens.top import TopScreen

        ready = self._ready()
        if ready is not None:
            self.app.push_screen(TopScreen(ready[1], self.filters, self.open_door))

    def action_timeline(self) -> None:
        """The view's events per time bucket, by outcome, and its gaps."""
        from ctir_tui.ui.screens.timeline import TimelineScreen

        ready = self._ready()
        if ready is not None:
            self.app.push_screen(TimelineScreen(ready[1], self.filters, self.set_filters))

    def action_chain(self) -> None:
        """The sessions linked to the highlighted event's, across AssumeRole hops."""
        from ctir_tui.ui.screens.chain import ChainScreen

        ready = self._ready()
        if ready is None:
            return
        event = self.query_one(EventList).current_event()
        if event is None:
            self.notify("no event under the cursor", severity="warning", markup=False)
            return
        self.app.push_screen(ChainScreen(ready[0], event, self.open_door))

    def action_sql(self) -> None:
        """The view as SQL for Athena or CloudTrail Lake, to copy."""
        from ctir_tui.ui.screens.sql import SqlScreen

        if self.session is None:
            self.notify("still loading", markup=False)
            return
        self.app.push_screen(SqlScreen(self.session, self.filters, extended=self.extended))


def view_title(filters: Filters) -> str:
    """A view's filters in one line (``all events`` without any)."""
    return " · ".join(inert(label, limit=60) for label in filters.labels()) or "all events"
