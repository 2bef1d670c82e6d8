"""The events an analysis found, as a clause: the door of an answer no simpler filter states.

Most answers of :mod:`ctir_tui.engine.analyses` are shown by ordinary clauses (an event
name, a principal, a time window). Some are not: the first event of each new value, the
events of a burst. :class:`EventSetClause` names those events by key (the event ID, else
the record's locator, as the case marks them), so that the door still opens on exactly the
events the analysis counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from ctir_tui.engine.query.case_clauses import keyed
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.values import clean


@dataclass(frozen=True, kw_only=True)
class EventSetClause(Clause):
    """The events whose key is one of ``keys`` (see :func:`~.marks.mark_key_expr`)."""

    keys: frozenset[str]
    #: What found them, shown in the label (``first-seen``).
    name: str
    word: ClassVar[str] = "events"

    def test(self, ctx: Context) -> pl.Expr:
        """The event's key is one of the set's."""
        return keyed(ctx, self.keys)

    def body(self) -> str:
        """``first-seen (12 events)``."""
        count = len(self.keys)
        return f"{clean(self.name)} ({count:,} event{'' if count == 1 else 's'})"
