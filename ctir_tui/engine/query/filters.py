"""Filters: an immutable stack of clauses that an event must pass.

One :class:`Filters` serves every headless command and the explorer (filter bar, chips,
pivots, view history). It is hashable, so views can be cached and kept in a history by
value.

Clauses on the same field (:func:`field_of`: ``event A`` and ``event B``, ``principal
alice`` and a pivot on bob's principal) OR together; fields AND. A negated clause always
ANDs (``not ip A`` and ``not ip B`` exclude both). :meth:`Filters.add` (the filter bar, the
command line) adds a clause beside those on its field; :meth:`Filters.pivot` (the explorer's
pivot keys) replaces every clause on its field and keeps the others.

Time clauses keep the text the user gave (``6h``, ``2026-01-02``); durations are resolved
when the expression is built, against the newest event of the frame being filtered (or an
explicit ``newest``), so ``since 6h`` stays relative to the newest event loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Final

import polars as pl

from ctir_tui.engine import schema
from ctir_tui.engine.query.case_clauses import TagClause
from ctir_tui.engine.query.clauses import (
    Clause,
    EventClause,
    IpClause,
    PrincipalClause,
    TacticClause,
    TextClause,
)
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.field_clauses import AnyOfClause, FieldClause
from ctir_tui.engine.query.flag_clauses import FlaggedClause
from ctir_tui.engine.query.marks import CaseMarks
from ctir_tui.engine.query.texts import TextSearch
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause, _TimeClause
from ctir_tui.engine.query.values import check_tactic

#: Canonical columns and the field a clause on them is about.
COLUMN_FIELDS: Final[dict[str, str]] = {
    schema.PRINCIPAL: "principal",
    schema.PRINCIPAL_ARN: "principal",
    schema.SOURCE_IP: "ip",
    schema.EVENT_NAME: "event",
    schema.ACCESS_KEY_ID: "key",
    schema.ISSUED_ACCESS_KEY_ID: "key",
}


def field_of(clause: Clause) -> str | None:
    """The field a clause is about (``principal``, ``ip``, ``event``, ``key``, a column...).

    Clauses on one field OR together and a pivot replaces them; ``None`` (errors, read-only,
    time bounds, marks, event sets) always ANDs and is never replaced by a pivot.
    """
    if isinstance(clause, PrincipalClause):
        return "principal"
    if isinstance(clause, IpClause):
        return "ip"
    if isinstance(clause, EventClause):
        return "event"
    if isinstance(clause, TextClause | TacticClause | TagClause | FlaggedClause):
        return clause.word
    if isinstance(clause, FieldClause):
        return COLUMN_FIELDS.get(clause.column, clause.column)
    if isinstance(clause, AnyOfClause):
        fields = {COLUMN_FIELDS.get(column, column) for column, _ in clause.pairs}
        return fields.pop() if len(fields) == 1 else None
    return None


def _same_field(a: Clause, b: Clause) -> bool:
    field = field_of(a)
    return field is not None and field == field_of(b)


@dataclass(frozen=True)
class Filters:
    """An immutable, hashable stack of clauses: same-field clauses OR, fields AND."""

    clauses: tuple[Clause, ...] = ()

    def add(self, clause: Clause) -> Filters:
        """Return filters with ``clause`` added beside the clauses on its field (OR).

        An identical clause, or its negation, is replaced in place rather than duplicated
        (``f`` then ``F`` on a value flips the chip). A since or until bound replaces the
        previous one of the same kind and sign, since only the narrowest would matter. A new
        clause goes after the last one on its field, so that the chips of a field (which
        OR) stay together.
        """

        def replaced(old: Clause) -> bool:
            same_bound = (
                isinstance(clause, _TimeClause)
                and type(old) is type(clause)
                and old.negate == clause.negate
            )
            return old in (clause, clause.negated()) or same_bound

        out, placed = _put(self.clauses, clause, replaced)
        if not placed:
            last = max(
                (i for i, old in enumerate(out) if _same_field(old, clause)), default=len(out) - 1
            )
            out.insert(last + 1, clause)
        return Filters(tuple(out))

    def pivot(self, *clauses: Clause) -> Filters:
        """Return filters where each clause replaces every clause on its field.

        The other fields are kept: pivoting from one principal to another keeps the time
        window and the IP. A clause on no field (a time window) is added as :meth:`add` does.
        The replacement takes the place of the first clause it replaces.
        """
        filters = self
        for clause in clauses:
            if field_of(clause) is None:
                filters = filters.add(clause)
                continue
            out, placed = _put(filters.clauses, clause, partial(_same_field, b=clause))
            if not placed:
                out.append(clause)
            filters = Filters(tuple(out))
        return filters

    def ors_previous(self) -> list[bool]:
        """For each clause, whether it ORs with the clause before it (the bar shows "or")."""
        flags: list[bool] = []
        for i, clause in enumerate(self.clauses):
            before = self.clauses[i - 1] if i else None
            flags.append(
                before is not None
                and not clause.negate
                and not before.negate
                and _same_field(before, clause)
            )
        return flags

    def groups(self) -> list[tuple[Clause, ...]]:
        """The clauses as an AND of ORs: each group's clauses OR, the groups AND.

        The positive clauses of one field form a group (in the order of their first
        clause); every other clause is a group of its own.
        """
        out: list[list[Clause]] = []
        by_field: dict[str, list[Clause]] = {}
        for clause in self.clauses:
            field = field_of(clause)
            if field is None or clause.negate:
                out.append([clause])
                continue
            group = by_field.get(field)
            if group is None:
                group = by_field[field] = []
                out.append(group)
            group.append(clause)
        return [tuple(group) for group in out]

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
        """Return one boolean expression for all clauses (``pl.lit(True)`` if none).

        Clauses on one field OR, fields AND (see :meth:`groups`).

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
        return pl.all_horizontal(
            [pl.any_horizontal([clause.expr(ctx) for clause in group]) for group in self.groups()]
        )

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


def _put(
    clauses: tuple[Clause, ...], clause: Clause, replaces: Callable[[Clause], bool]
) -> tuple[list[Clause], bool]:
    """``clauses`` with ``clause`` in the place of the first one it ``replaces`` (the others
    it replaces dropped), and whether it was placed."""
    out: list[Clause] = []
    placed = False
    for old in clauses:
        if replaces(old):
            if not placed:
                out.append(clause)
                placed = True
            continue
        out.append(old)
    return out, placed
