"""SQL forms of the time bounds, and the delivery days an Athena query must scan.

Durations (``since 6h``) are resolved to absolute times here, against the newest loaded
event as the view does (or against now when nothing was loaded, which a comment says).
A time bound drops events without a time whether negated or not, as in ctir.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlglot import exp

from ctir_tui.engine.export.sql.context import SqlContext
from ctir_tui.engine.export.sql.forms import negated, positive
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause
from ctir_tui.engine.times import LATEST, as_utc, format_time, is_duration, parse_point, shift

#: CloudTrail delivers a file within minutes of its last event, under the delivery day's
#: prefix: an event late on day D may sit under D+1, so the last day scanned is one more.
DELIVERY_SLACK = timedelta(days=1)


def moment(clause: SinceClause | UntilClause, ctx: SqlContext) -> tuple[datetime, bool]:
    """The clause's moment (durations resolved, noted for the reader) and whether a date."""
    relative = is_duration(clause.value)
    when, bare_date = parse_point(clause.value, ctx.anchor if relative else None, clause.word)
    if relative:
        back = f"{clause.value} before"
        if ctx.anchored_on_events:
            origin = f"{back} the newest event loaded ({format_time(ctx.anchor)})"
        else:
            origin = f"{back} now ({format_time(ctx.anchor)}): no events loaded to count back from"
        note = f"{clause.word} {clause.value} = {format_time(when)}, {origin}"
        if note not in ctx.notes:
            ctx.notes.append(note)
    return when, bare_date


@positive.register
def _since(clause: SinceClause, ctx: SqlContext) -> exp.Expr:
    when, _ = moment(clause, ctx)
    return exp.GTE(this=ctx.shape.time(), expression=ctx.shape.time_literal(when))


@positive.register
def _until(clause: UntilClause, ctx: SqlContext) -> exp.Expr:
    when, bare_date = moment(clause, ctx)
    if bare_date:  # the whole day: before the next midnight
        return exp.LT(
            this=ctx.shape.time(), expression=ctx.shape.time_literal(shift(when, timedelta(days=1)))
        )
    return exp.LTE(this=ctx.shape.time(), expression=ctx.shape.time_literal(when))


def _negated_bound(clause: Clause, ctx: SqlContext, test: exp.Expr) -> exp.Expr:
    has_time = exp.not_(ctx.shape.time().is_(exp.null()))
    return exp.and_(has_time, exp.not_(exp.Coalesce(this=test, expressions=[exp.false()])))


negated.register(SinceClause, _negated_bound)
negated.register(UntilClause, _negated_bound)


def is_time_bound(clause: Clause) -> bool:
    """Whether the clause bounds the event time (it may then run before deduplication)."""
    return isinstance(clause, SinceClause | UntilClause)


def scanned_days(filters: Filters, ctx: SqlContext) -> tuple[date | None, date | None]:
    """The first and last delivery day holding events of the view's positive time bounds."""
    since, until = filters.time_bounds()
    first = as_utc(moment(since, ctx)[0]).date() if since is not None else None
    last = None
    if until is not None:
        when, _ = moment(until, ctx)
        # A bare date is that day, whole; past the last day there is no bound to give.
        after = shift(when, DELIVERY_SLACK)
        last = as_utc(after).date() if after != LATEST else None
    return first, last
