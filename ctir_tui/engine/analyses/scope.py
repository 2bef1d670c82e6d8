"""What the triage questions are asked of: one view, and what several questions share.

A :class:`Scope` is built once per triage; the work more than one question needs (the
view's graph of sessions, its first-seen values, its timeline) is done once, on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.chain_graph import Graph, graph
from ctir_tui.engine.analyses.first_seen import FirstSeen, first_seen
from ctir_tui.engine.analyses.timeline import Timeline, timeline
from ctir_tui.engine.pipeline.texts import TextStore
from ctir_tui.engine.query.filters import Filters

#: The columns the answers read (what they group by, show, escalate on, and the keys).
ANSWER_COLUMNS: Final = (
    c.TIME,
    c.EVENT_ID,
    c.SOURCE_FILE,
    c.FILE_ID,
    c.REC_INDEX,
    c.EVENT_NAME,
    c.EVENT_SOURCE,
    c.PRINCIPAL,
    c.PRINCIPAL_ARN,
    c.USER_NAME,
    c.ACCESS_KEY_ID,
    c.IDENTITY_TYPE,
    c.INVOKED_BY,
    c.SOURCE_IP,
    c.USER_AGENT,
    c.REGION,
    c.RECIPIENT_ACCOUNT_ID,
    c.OUTCOME,
    c.ERROR_CODE,
    c.MFA_USED,
    c.TARGET,
    c.TARGET_ACCOUNTS,
    c.CROSS_ACCOUNT,
    c.EVENT_CATEGORY,
)


@dataclass
class Scope:
    """A view being triaged.

    Attributes:
        view: The events asked about (any filtered view).
        texts: The load's text store (SwitchRole hops read it); None: without them.
        baseline_until: The end of the first-seen baseline (None: the middle of the range).
    """

    view: pl.DataFrame
    texts: TextStore | None = None
    baseline_until: datetime | None = None
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    def apply(self, filters: Filters, columns: Sequence[str] = ANSWER_COLUMNS) -> pl.DataFrame:
        """The events of the view that pass ``filters``, with the ``columns`` answers read
        (a narrower copy is much cheaper than the whole frame's)."""
        columns = [name for name in columns if name in self.view.schema]
        if not filters.clauses:
            return self.view.select(columns)
        expr = filters.to_expr(self.view)
        return self.view.lazy().filter(expr).select(columns).collect()

    def graph(self) -> Graph:
        """The view's sessions and hops (built once)."""
        if "graph" not in self._shared:
            self._shared["graph"] = graph(self.view, self.texts)
        built: Graph = self._shared["graph"]
        return built

    def first_seen(self) -> FirstSeen:
        """The view's first-seen values (found once)."""
        if "first_seen" not in self._shared:
            self._shared["first_seen"] = first_seen(self.view, self.baseline_until)
        found: FirstSeen = self._shared["first_seen"]
        return found

    def timeline(self) -> Timeline:
        """The view's timeline with its gaps (counted once)."""
        if "timeline" not in self._shared:
            self._shared["timeline"] = timeline(self.view)
        counted: Timeline = self._shared["timeline"]
        return counted
