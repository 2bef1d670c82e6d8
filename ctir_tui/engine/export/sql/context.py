"""What a clause needs to become SQL: the table's shape, the mapping, the anchor of durations.

:class:`NotExpressible` is raised for a clause that has no SQL form (ctir's own columns,
fields the table lacks); its message starts ``not expressible in SQL:`` and names the clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ctir_tui.engine.query.values import FilterError, shown
from ctir_tui.engine.tactics.model import Mapping

if TYPE_CHECKING:
    from ctir_tui.engine.export.sql.tables import Shape

PREFIX = "not expressible in SQL: "


class NotExpressible(FilterError):
    """A filter that the SQL engines cannot be asked; the message names it and says why."""

    def __init__(self, what: str, why: str) -> None:
        self.what = what
        self.why = why
        super().__init__(f"{PREFIX}{shown(what, limit=80)} ({why})")

    @classmethod
    def several(cls, problems: list[NotExpressible]) -> NotExpressible:
        """One error naming every clause that has no SQL form."""
        if len(problems) == 1:
            return problems[0]
        error = cls(problems[0].what, problems[0].why)
        parts = "; ".join(f"{shown(p.what, limit=80)} ({p.why})" for p in problems)
        error.args = (f"{PREFIX}{parts}",)
        return error


@dataclass
class SqlContext:
    """One view being written as SQL.

    Attributes:
        shape: Where the canonical columns live in the target table.
        mapping: The tactic mapping the view uses (seed, extended, overrides).
        extended: Tactic clauses test the extended mapping, as the explorer's ``x`` does.
        anchor: What durations count back from: the newest loaded event, else now.
        anchored_on_events: Whether ``anchor`` is the newest loaded event.
        notes: Comment lines gathered while writing (how each duration was resolved).
    """

    shape: Shape
    mapping: Mapping
    extended: bool
    anchor: datetime
    anchored_on_events: bool
    notes: list[str] = field(default_factory=list)
