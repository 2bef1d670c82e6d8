"""Every clause's SQL form: one ``singledispatch`` over the clause classes.

Each family of clauses registers its forms in its own module (:mod:`.text_forms`,
:mod:`.time_forms`, :mod:`.field_forms`, :mod:`.tactic_forms`), so the clause classes in
:mod:`ctir_tui.engine.query` stay free of SQL. A clause kind with no registered form (a new
one, say) is reported as not expressible rather than silently dropped.

:func:`positive` is the test as the clause's ``test`` states it; :func:`condition` applies
negation with ctir's null semantics: a null never matches, so ``not principal~alice`` keeps
the events whose principal is null (``NOT COALESCE(test, FALSE)``). Time bounds override
:func:`negated` because they drop events without a time either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatch

from sqlglot import exp

from ctir_tui.engine.export.sql.context import NotExpressible, SqlContext
from ctir_tui.engine.query.clauses import Clause


@singledispatch
def positive(clause: Clause, ctx: SqlContext) -> exp.Expr:
    """The clause's positive test over the target table (nulls: not matched).

    Raises:
        NotExpressible: The clause has no SQL form.
    """
    raise NotExpressible(clause.label(), "no SQL form for this kind of filter")


@singledispatch
def negated(clause: Clause, ctx: SqlContext, test: exp.Expr) -> exp.Expr:
    """The negation of ``test``: true wherever the positive test is false or null."""
    return exp.not_(exp.Coalesce(this=test, expressions=[exp.false()]))


def condition(clause: Clause, ctx: SqlContext) -> exp.Expr:
    """The clause as a WHERE condition, negation applied."""
    test = positive(clause, ctx)
    return negated(clause, ctx, test) if clause.negate else test


def any_of(tests: Iterable[exp.Expr]) -> exp.Expr:
    """``a OR b OR ...`` (FALSE for none); a null part does not hide a true one."""
    parts = list(tests)
    if not parts:
        return exp.false()
    return exp.or_(*parts)


def all_of(tests: Iterable[exp.Expr]) -> exp.Expr | None:
    """``a AND b AND ...`` (None for none)."""
    parts = list(tests)
    if not parts:
        return None
    return exp.and_(*parts)


def contains_text(column: exp.Expr, needle: str) -> exp.Expr:
    """Case-insensitive literal substring: ``strpos(lower(col), lower('needle')) > 0``.

    ``strpos`` takes the needle as plain text, so ``%``, ``_`` and backslashes are
    themselves (no LIKE pattern to escape), and both sides are lower-cased by the engine
    alike.
    """
    return exp.GT(
        this=exp.StrPosition(
            this=exp.Lower(this=column),
            substr=exp.Lower(this=exp.Literal.string(needle)),
        ),
        expression=exp.Literal.number(0),
    )
