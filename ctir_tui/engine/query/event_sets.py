"""A clause over a fixed set of events: the door from a finding (a Sigma rule's hits) to its events.

The set is held by key (:func:`~ctir_tui.engine.query.marks.mark_key_expr`: the eventID, else
the record's locator), so the clause keeps selecting the same events after a reload of the same
evidence, like the case's marks. It cannot be typed in the filter language: it is made by what
found the events, and shown by the name it is given (the rule's title).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from ctir_tui.engine.query.case_clauses import keyed
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.values import FilterError


@dataclass(frozen=True, kw_only=True)
class EventSetClause(Clause):
    """The events whose keys are in ``keys`` (``name`` labels the chip, e.g. a rule's title)."""

    keys: frozenset[str]
    name: str
    word: ClassVar[str] = "events"

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise FilterError("an event set needs a name to be shown by")

    def test(self, ctx: Context) -> pl.Expr:
        """The event's key is one of the set."""
        return keyed(ctx, self.keys)

    def body(self) -> str:
        """``NAME (N events)``; the name comes from a rule file: render it inertly."""
        count = len(self.keys)
        return f"{self.name} ({count:,} event{'' if count == 1 else 's'})"
