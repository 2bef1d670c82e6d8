"""SQL forms of the exact matches pivots make: one field's value, or any of several.

Values are compared as ctir compares them (:meth:`Context.equals`): times as moments,
``true``/``false`` for booleans, a tactic list by its exact names, text exactly.
"""

from __future__ import annotations

from sqlglot import exp

from ctir_tui.engine import schema as c
from ctir_tui.engine.export.sql.context import SqlContext
from ctir_tui.engine.export.sql.forms import any_of, positive
from ctir_tui.engine.export.sql.tactic_forms import tactic_events, tactic_ids
from ctir_tui.engine.query.field_clauses import AnyOfClause, FieldClause
from ctir_tui.engine.query.values import FilterError, shown
from ctir_tui.engine.times import parse_user_time

_BOOLEANS = frozenset({c.MFA, c.READ_ONLY})
_TACTICS = {c.TACTICS: False, c.TACTICS_EXTENDED: True}


def equals(column: str, value: str, ctx: SqlContext) -> exp.Expr:
    """``column == value`` over the table, as ctir's view tests it."""
    if column in _TACTICS:
        ids = tactic_ids(ctx.mapping, lambda name: name == value, extended=_TACTICS[column])
        return tactic_events(ctx, ids, extended=_TACTICS[column])
    sql = ctx.shape.column(column)
    if column == c.TIME:
        when = parse_user_time(value, newest=None, what=column)
        return exp.EQ(this=sql, expression=ctx.shape.time_literal(when))
    if column in _BOOLEANS:
        word = value.strip().lower()
        if word not in ("true", "false"):
            raise FilterError(f"bad {column} value '{shown(value)}': expected true or false")
        # (readonly = 'true') = TRUE: never a chained comparison
        return exp.EQ(this=exp.paren(sql), expression=exp.true() if word == "true" else exp.false())
    return exp.EQ(this=sql, expression=exp.Literal.string(value))


@positive.register
def _field(clause: FieldClause, ctx: SqlContext) -> exp.Expr:
    if clause.value is None:
        if clause.column in _TACTICS:
            return exp.false()  # every event has a (possibly empty) tactic list
        return ctx.shape.column(clause.column).is_(exp.null())
    return equals(clause.column, clause.value, ctx)


@positive.register
def _any_of(clause: AnyOfClause, ctx: SqlContext) -> exp.Expr:
    return any_of(equals(column, value, ctx) for column, value in clause.pairs)
