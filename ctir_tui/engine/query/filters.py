"""Filters: an immutable stack of clauses, all of which an event must pass.

One :class:`Filters` serves every headless command and the explorer (filter bar, chips,
pivots, view history). It is hashable, so views can be cached and kept in a history by
value. Time clauses keep the text the user gave (``6h``, ``2026-01-02``); durations are
resolved when the expression is built, against the newest event of the frame being filtered
(or an explicit ``newest``), so ``since 6h`` stays relative to the newest event loaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from ctir_tui.engine.query.clauses import Clause, TacticClause
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.marks import CaseMarks
from ctir_tui.engine.query.texts import TextSearch
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause, _TimeClause
from ctir_tui.engine.query.values import check_tactic


@dataclass(frozen=True)
class Filters:
    """An immutable, hashable stack of clauses, AND-ed together."""

    clauses: tuple[Clause, ...] = ()

    def add(self, clause: Clause) -> Filters:
        """Return filters with ``clause`` added.

        An identical clause, or its negation, is replaced in place rather than duplicated
        (``f`` then ``F`` on a value flips the chip). A since or until bound replaces the
        previous one of the same kind and sign, since only the narrowest would matter.
        """
        out: list[Clause] = []
        placed = False
        for old in self.clauses:
            same_bound = (
                isinstance(clause, _TimeClause)
                and type(old) is type(clause)
                and old.negate == clause.negate
            )
            if old in (clause, clause.negated()) or same_bound:
                if not placed:
                    out.append(clause)
                    placed = True
                continue
            out.append(old)
        if not placed:
            out.append(clause)
        return Filters(tuple(out))

    def remove(self, index: int) -> Filters:
        """Return filters without the clause at ``index`` (IndexError when out of range)."""
        clauses = list(self.clauses)
        del clauses[index]
        return Filters(tuple(clauses))

    def without(self, kind: type[Clause]) -> Filters:
        """Return filters without any clause of class ``kind``."""
        return Filters(tuple(c for c in self.clauses if not isinstance(c, kind)))

    def labels(self) -> list[str]:
        """Return the chip text of each clause, in order."""
        return [c.label() for c in self.clauses]

    def validate(self, known_tactics: Sequence[str]) -> Filters:
        """Return filters whose tactic names are spelled as in ``known_tactics``.

        Raises:
            FilterError: A tactic name is unknown; the message lists the valid names.
        """
        return Filters(
            tuple(
                replace(c, value=check_tactic(c.value, known_tactics))
                if isinstance(c, TacticClause)
                else c
                for c in self.clauses
            )
        )

    def to_expr(
        self,
        frame: pl.DataFrame,
        *,
        extended: bool = False,
        newest: datetime | None = None,
        case: CaseMarks | None = None,
        texts: TextSearch | None = None,
        tactic_aliases: Mapping[str, frozenset[str]] | None = None,
    ) -> pl.Expr:
        """Return one boolean expression for all clauses, AND-ed (``pl.lit(True)`` if none).

        Rows with a null ``time`` are excluded by since and until clauses, negated or not.

        Args:
            frame: The frame the expression will filter (or a subset of it): IP clauses are
                resolved over its distinct source IPs, durations count back from its newest
                event.
            extended: Test tactic clauses against the extended mapping.
            newest: Anchor for durations instead of the newest event of ``frame``.
            case: The case's current marks and tags, for ``marked`` and ``tag`` clauses.
            texts: The load's text store, searched by ``text`` clauses as well as the
                frame's columns (see :class:`~.texts.TextSearch`).
            tactic_aliases: Names meaning the same tactic (:meth:`Mapping.tactic_aliases
                <ctir_tui.engine.tactics.model.Mapping.tactic_aliases>`).

        Raises:
            FilterError: A clause needs a column the frame lacks, a field value does not
                fit its column (e.g. ``read_only=maybe``), or a case clause has no case.
        """
        if not self.clauses:
            return pl.lit(True)
        ctx = Context(
            frame,
            extended=extended,
            newest=newest,
            case=case,
            texts=texts,
            tactic_aliases=tactic_aliases,
        )
        return pl.all_horizontal([c.expr(ctx) for c in self.clauses])

    def apply(
        self,
        frame: pl.DataFrame,
        *,
        extended: bool = False,
        newest: datetime | None = None,
        case: CaseMarks | None = None,
        texts: TextSearch | None = None,
        tactic_aliases: Mapping[str, frozenset[str]] | None = None,
    ) -> pl.DataFrame:
        """Return the rows of ``frame`` that pass every clause (see :meth:`to_expr`)."""
        if not self.clauses:
            return frame
        expr = self.to_expr(
            frame,
            extended=extended,
            newest=newest,
            case=case,
            texts=texts,
            tactic_aliases=tactic_aliases,
        )
        return frame.filter(expr)

    def time_bounds(self) -> tuple[SinceClause | None, UntilClause | None]:
        """The positive since and until bounds, if any (for checks and SQL partitions)."""
        since = next((c for c in self.clauses if isinstance(c, SinceClause) and not c.negate), None)
        until = next((c for c in self.clauses if isinstance(c, UntilClause) and not c.negate), None)
        return since, until
