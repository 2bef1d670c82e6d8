"""Pivots: from a value of an event (a column of its row, or a field of its JSON) to a clause.

One table says which record field each canonical column comes from; the event pivots (the
explorer's ``p i a s e w`` keys) and the detail's field pivots (``f``/``F``) both use it.

A pivot replaces any clause on the same field and keeps the others (:func:`pivoted`, over
:meth:`Filters.pivot <ctir_tui.engine.query.filters.Filters.pivot>`): from alice's events,
``p`` on one of bob's shows bob's, in the same time window. A fresh pivot clears first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.clauses import Clause, IpClause, PrincipalClause
from ctir_tui.engine.query.field_clauses import field_clause, session_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.time_clauses import window
from ctir_tui.engine.query.values import parse_addresses, several_addresses
from ctir_tui.engine.times import format_time

#: JSON paths of a record and the canonical column holding the same value.
PATH_COLUMNS: Final[dict[str, str]] = {
    **c.WRITTEN_PATHS,
    "userIdentity.onBehalfOf.userId": c.PRINCIPAL,
    "responseElements.ConsoleLogin": c.CONSOLE_LOGIN,
}

#: Paths whose value is an access key: pivot to the whole session it belongs to.
SESSION_PATHS: Final = frozenset({"responseElements.credentials.accessKeyId"})

#: Paths whose value is worth a substring filter on the principal.
PRINCIPAL_PATHS: Final = frozenset(
    {
        "userIdentity.sessionContext.sessionIssuer.userName",
        "userIdentity.sessionContext.sessionIssuer.principalId",
        "requestParameters.userName",
        "requestParameters.roleArn",
        "requestParameters.roleName",
        "responseElements.assumedRoleUser.arn",
    }
)


@dataclass(frozen=True, slots=True)
class EventPivot:
    """One way to pivot from the highlighted event."""

    name: str
    #: The column whose value is taken (the session pivot looks at two).
    column: str
    #: What the user is told when the event has no such value.
    missing: str


#: The event pivots, by name.
EVENT_PIVOTS: Final[dict[str, EventPivot]] = {
    p.name: p
    for p in (
        EventPivot("principal", c.PRINCIPAL, "principal"),
        EventPivot("ip", c.SOURCE_IP, "source IP"),
        EventPivot("event", c.EVENT_NAME, "event name"),
        EventPivot("key", c.ACCESS_KEY_ID, "access key"),
        EventPivot("session", c.ACCESS_KEY_ID, "access key"),
        EventPivot("window", c.TIME, "time"),
    )
}


def event_pivot(name: str, event: Mapping[str, Any], *, negate: bool = False) -> list[Clause]:
    """The clauses that filter to (or exclude) the events sharing one value of ``event``.

    Args:
        name: A key of :data:`EVENT_PIVOTS`.
        event: The event's row (column name -> value).
        negate: Exclude instead (not for ``window``).

    Returns:
        The clauses to add; empty when the event has no such value (the principal, IP and
        event-name pivots match a missing value as "is null").
    """
    pivot = EVENT_PIVOTS[name]
    if name == "window":
        moment = event.get(c.TIME)
        return list(window(format_time(moment))) if isinstance(moment, datetime) else []
    if name == "session":
        # The key used and, for AssumeRole, the key it handed out: one session.
        key = event.get(c.ISSUED_ACCESS_KEY_ID) or event.get(c.ACCESS_KEY_ID)
        return [session_clause(str(key), negate=negate)] if key else []
    value = event.get(pivot.column)
    if name == "key" and not value:
        return []
    if name == "ip" and value is not None and several_addresses(str(value)):
        # A proxy chain: any of its addresses is the same source.
        joined = ",".join(str(a) for a in parse_addresses(str(value)))
        return [IpClause.from_text(joined, negate=negate)]
    return [field_clause(pivot.column, None if value is None else str(value), negate=negate)]


def clause_for_path(path: str, value: str | None, *, negate: bool = False) -> Clause | None:
    """The clause that filters to (or excludes) events sharing this JSON field's value.

    Returns:
        None when the field has no counterpart in the frame (only its record holds it).
    """
    column = PATH_COLUMNS.get(path)
    if column == c.READ_ONLY and value not in ("true", "false"):
        return None
    if column is not None:
        return field_clause(column, value, negate=negate)
    if path in SESSION_PATHS and value:
        return session_clause(value, negate=negate)
    if path in PRINCIPAL_PATHS and value:
        return PrincipalClause.from_text(value, negate=negate)
    return None


def pivoted(filters: Filters, clauses: Sequence[Clause], *, fresh: bool = False) -> Filters:
    """The filters after a pivot: each clause replaces those on its field, others are kept.

    Args:
        filters: The filters of the view pivoted from.
        clauses: What the pivot filters to (from :func:`event_pivot` or
            :func:`clause_for_path`).
        fresh: Start from no filters instead (the explorer's alt+key pivots).
    """
    return (Filters() if fresh else filters).pivot(*clauses)
