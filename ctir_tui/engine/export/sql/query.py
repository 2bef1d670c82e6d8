"""A view as one SQL statement for Athena or CloudTrail Lake: :func:`view_sql`.

The statement returns whole rows, so that its result can be opened in ctir, in time order::

    -- comments: the view's filters, how durations were resolved, the days scanned
    SELECT <the table's columns> FROM (
      SELECT *, row_number() OVER (PARTITION BY NULLIF(eventid, '') ORDER BY <time>) AS ctir_copy
      FROM <table>
      WHERE <delivery days> AND <time bounds>
    )
    WHERE (NULLIF(eventid, '') IS NULL OR ctir_copy = 1) AND <the other filters>
    ORDER BY <time>

Athena reads every delivered file, re-deliveries included, so the first copy of each
``eventID`` is kept as ctir's load does (events without an ID are all kept), and the other
filters test that copy, as ctir's view does. Time bounds and the ``timestamp`` partition
are tested before, on the table itself, so that the engines scan only those days (a copy
of an event has that event's time). Lake returns ``*``: its schema grows with CloudTrail's,
and ``ctir_copy`` (always 1) comes along.

Every value from a user or a log is a literal in a syntax tree that sqlglot writes out,
quoted for the dialect; comments carry only ctir's own text and labels made inert.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from sqlglot import exp

from ctir_tui.engine import schema as c
from ctir_tui.engine.export.sql import field_forms, tactic_forms, text_forms, time_forms
from ctir_tui.engine.export.sql.context import NotExpressible, SqlContext
from ctir_tui.engine.export.sql.forms import all_of, condition
from ctir_tui.engine.export.sql.tables import shape_for
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.tactics.model import Mapping
from ctir_tui.text import inert

#: The families of forms, registered with :func:`condition` on import.
FAMILIES: Final = (text_forms, time_forms, field_forms, tactic_forms)
COPY: Final = "ctir_copy"
_LINE_BREAKS: Final = re.compile("[\u2028\u2029\u0085]")
_ENGINES: Final = {"athena": "Athena (Trino)", "lake": "CloudTrail Lake"}


def _comment(text: str) -> str:
    """A ``--`` comment line; nothing in ``text`` can end it early."""
    return "-- " + _LINE_BREAKS.sub(" ", inert(text, limit=300))


def _conditions(filters: Filters, ctx: SqlContext) -> tuple[list[exp.Expr], list[exp.Expr]]:
    """(time bounds, other clauses) as conditions; every inexpressible clause named at once."""
    bounds: list[exp.Expr] = []
    others: list[exp.Expr] = []
    problems: list[NotExpressible] = []
    # Clauses on one field OR, as in ctir's view (Filters.groups); time bounds are alone.
    for group in filters.groups():
        conditions: list[exp.Expr] = []
        for clause in group:
            try:
                conditions.append(condition(clause, ctx))
            except NotExpressible as exc:
                label = clause.label()
                problems.append(exc if exc.what == label else NotExpressible(label, exc.why))
        if len(conditions) != len(group):
            continue
        sql = conditions[0] if len(conditions) == 1 else exp.paren(exp.or_(*conditions))
        (bounds if time_forms.is_time_bound(group[0]) else others).append(sql)
    if problems:
        raise NotExpressible.several(problems)
    return bounds, others


def view_sql(
    filters: Filters,
    mapping: Mapping,
    newest: datetime | None,
    dialect: str,
    table: str | None = None,
    *,
    extended: bool = False,
    now: datetime | None = None,
) -> str:
    """The view ``filters`` select, as one SQL statement for ``dialect``.

    Args:
        filters: The view's filters (validated: tactic names spelt as the mapping does).
        mapping: The tactic mapping the view uses (tactics become its event lists).
        newest: The newest loaded event, which durations count back from; None: count back
            from ``now`` (and say so in a comment).
        dialect: ``athena`` or ``lake``.
        table: Athena's ``[database.]table`` (default ``cloudtrail_logs``) or Lake's event
            data store ID or ARN (default a placeholder to replace).
        extended: Tactics as the extended mapping has them (the explorer's ``x``).
        now: The present, for durations when ``newest`` is None (default: the clock).

    Returns:
        Comment lines, then the statement (no trailing semicolon).

    Raises:
        NotExpressible: Some filter has no SQL form; the message names each one.
        FilterError: A bad dialect or table name, or a field value that does not fit.
    """
    shape = shape_for(dialect, table)
    anchor = newest if newest is not None else (now or datetime.now(UTC).replace(microsecond=0))
    ctx = SqlContext(shape, mapping, extended, anchor, anchored_on_events=newest is not None)
    bounds, others = _conditions(filters, ctx)
    first, last = time_forms.scanned_days(filters, ctx)
    partition = shape.partition(first, last)

    event_id = shape.column(c.EVENT_ID)
    copy_number = exp.Window(
        this=exp.RowNumber(),
        partition_by=[event_id],
        order=exp.Order(expressions=[exp.Ordered(this=shape.time(), nulls_first=False)]),
    )
    copies = (
        exp.select(exp.Star(), exp.alias_(copy_number, COPY))
        .from_(shape.source())
        .where(all_of([p for p in (partition, *bounds) if p is not None]) or exp.true())
    )
    first_copy = exp.or_(event_id.is_(exp.null()), exp.column(COPY).eq(1))
    statement = (
        exp.select(*shape.output())
        .from_(copies.subquery())
        .where(all_of([first_copy, *others]))
        .order_by(exp.Ordered(this=shape.time(), nulls_first=False))
    )

    lines = [f"ctir view as {_ENGINES[shape.dialect]} SQL, in time order"]
    labels = filters.labels()
    lines.append("filters: " + (" · ".join(labels) if labels else "none (every event)"))
    lines += ctx.notes
    if partition is not None:
        days = [d.strftime("%Y/%m/%d") for d in (first, last) if d is not None]
        if first is None:
            span = f"up to {days[0]}"
        else:
            span = " to ".join(days) if last is not None else f"{days[0]} onwards"
        late = ", one past the view's last: deliveries run late" if last is not None else ""
        lines.append(f"delivery days scanned (the timestamp partition): {span}{late}")
    lines.append(f"one row per eventID: {COPY} numbers re-delivered copies, the first is kept")
    body = statement.sql(dialect=shape.writes, pretty=True)
    return "\n".join(_comment(line) for line in lines) + "\n" + body
