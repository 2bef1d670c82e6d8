"""Filters from the command line: the options every headless command shares.

The same options open the explorer already filtered (``ctir PATH --ip ...``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from ctir_tui.data.filters import (
    Clause,
    FilterError,
    Filters,
    Kind,
    _parse_point,
    _show,
    make_clause,
    parse_time,
)


def from_cli(
    principal: str | None,
    ip: str | None,
    since: str | None,
    until: str | None,
    events: Sequence[str],
    tactic: str | None,
    errors: bool,
    newest: datetime | None,
    *,
    known_tactics: Sequence[str] | None = None,
) -> Filters:
    """Build validated filters from command-line values.

    Durations stay relative in the clauses and are resolved when the expression is built,
    against the newest event of the frame filtered. ``newest`` is used here to check that
    ``--since`` is not after ``--until``.

    Raises:
        FilterError: A value is invalid; the message names the option.
    """
    clauses: list[Clause] = []
    if principal is not None:
        clauses.append(make_clause(Kind.PRINCIPAL, principal))
    if ip is not None:
        clauses.append(make_clause(Kind.IP, ip, what="--ip"))
    if since is not None:
        clauses.append(make_clause(Kind.SINCE, since, what="--since"))
    if until is not None:
        clauses.append(make_clause(Kind.UNTIL, until, what="--until"))
    if since is not None and until is not None:
        start = parse_time(since, newest=newest)
        end, bare_date = _parse_point(until, newest, "--until")
        if start > (end + timedelta(days=1) if bare_date else end):
            raise FilterError(f"--since {_show(since)} is after --until {_show(until)}")
    if events:
        clauses.append(make_clause(Kind.EVENT, "|".join(events), what="--event"))
    if tactic is not None:
        clauses.append(make_clause(Kind.TACTIC, tactic, known_tactics=known_tactics))
    if errors:
        clauses.append(Clause(Kind.ERRORS))
    return Filters(tuple(clauses))


_HELP: Final = {
    "--principal": (
        "TEXT",
        "principal, ARN, user name, principal ID, access key or session issuer containing TEXT "
        "(case-insensitive)",
    ),
    "--ip": (
        "VALUE",
        "source IP: an address (IPv4/IPv6), a CIDR like 10.0.0.0/8 or 2001:db8::/32, or text "
        "it contains (203.0.113., amazonaws.com); several, comma-separated, match any",
    ),
    "--since": (
        "T",
        "events at or after T: 2026-01-02, 2026-01-02T03:04Z, an offset, or a duration back "
        "from the newest event (90m, 6h, 7d, 2w)",
    ),
    "--until": ("T", "events at or before T (as --since; a bare date includes that whole day)"),
    "--tactic": ("NAME", "events mapped to this ATT&CK tactic (case-insensitive)"),
}


def add_argparse_filters(parser: argparse.ArgumentParser) -> None:
    """Add the filter options shared by every headless command to ``parser``."""
    group = parser.add_argument_group("filters (all must match)")
    for option, (metavar, text) in _HELP.items():
        group.add_argument(option, metavar=metavar, help=text)
    group.add_argument(
        "--event",
        metavar="NAME",
        action="append",
        default=[],
        help="event name or glob (Create*, Get?bject, [CD]elete*), case-insensitive; "
        "repeat to match any of several",
    )
    group.add_argument("--errors", action="store_true", help="only failed calls (error code set)")


def filters_from_args(
    ns: argparse.Namespace,
    newest: datetime | None,
    *,
    known_tactics: Sequence[str] | None = None,
) -> Filters:
    """Build filters from options added by :func:`add_argparse_filters` (see :func:`from_cli`).

    Raises:
        FilterError: A value is invalid; the message names the option.
    """
    return from_cli(
        principal=getattr(ns, "principal", None),
        ip=getattr(ns, "ip", None),
        since=getattr(ns, "since", None),
        until=getattr(ns, "until", None),
        events=getattr(ns, "event", None) or [],
        tactic=getattr(ns, "tactic", None),
        errors=bool(getattr(ns, "errors", False)),
        newest=newest,
        known_tactics=known_tactics,
    )
