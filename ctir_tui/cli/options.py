"""The filter options every command shares: each flag is a word of the filter language.

``--ip X`` builds exactly what typing ``ip X`` in the explorer's filter bar builds. The
same options open the explorer already filtered (``ctir PATH --ip ...``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from ctir_tui.engine.query import language
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.values import FilterError, shown
from ctir_tui.engine.tactics.data import attack_versions
from ctir_tui.engine.times import is_duration, parse_point, shift

#: Flag -> (metavar, help) for the options that take a value; the word is the flag's name.
_VALUED: Final = {
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
    "--text": (
        "WORD",
        "events holding WORD (case-insensitive) in a name, address, agent, error or ID, or in "
        "their request parameters, response elements or additional data",
    ),
}


#: Options that may be repeated: each is a clause on the same field, and they OR (as two
#: ``principal`` filters typed in the explorer do). ``--since``/``--until`` bound once.
REPEATABLE: Final = ("principal", "ip", "tactic", "text")


def add_attack_version(parser: argparse.ArgumentParser) -> None:
    """``--attack-version``: which ATT&CK naming the extended mapping uses."""
    parser.add_argument(
        "--attack-version",
        choices=attack_versions(),
        default=None,
        help="ATT&CK naming of the extended mapping (default: attack_version in the tactic "
        "override file, else v19)",
    )


def add_rules(parser: argparse.ArgumentParser, help: str) -> None:
    """``--rules DIR...``: Sigma rule files or folders."""
    parser.add_argument("--rules", metavar="DIR", nargs="+", action="extend", default=[], help=help)


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    """Add the filter options shared by every command to ``parser``."""
    group = parser.add_argument_group(
        "filters (different options must all match; a repeated option matches any of its values)"
    )
    for option, (metavar, text) in _VALUED.items():
        if option.removeprefix("--") in REPEATABLE:
            text += "; repeat to match any of several"
            group.add_argument(option, metavar=metavar, help=text, action="append")
        else:
            group.add_argument(option, metavar=metavar, help=text)
    group.add_argument(
        "--event",
        metavar="NAME",
        action="append",
        default=[],
        help="event name or glob (Create*, Get?bject, [CD]elete*), case-insensitive; "
        "repeat to match any of several",
    )
    group.add_argument(
        "--errors",
        action="store_true",
        help="only failed or denied calls (an error code, or a failed console login)",
    )
    group.add_argument(
        "--marked", action="store_true", help="only the events marked in the case of these paths"
    )
    group.add_argument(
        "--flagged",
        metavar="NAME",
        nargs="?",
        const="",
        default=None,
        help="only records the loader flagged as suspicious (duplicate keys, conflicting "
        "copies, odd identities, bad times...); NAME picks one flag (see summary)",
    )
    group.add_argument(
        "--tag",
        metavar="WORD",
        action="append",
        default=[],
        help="only events the case tagged WORD (malicious, benign, needs-review, any word); "
        "repeat to match any of several",
    )


def _check_order(since: str, until: str, newest: datetime | None) -> None:
    start = parse_point(since, newest, "--since")[0]
    end, bare_date = parse_point(until, newest, "--until")
    if start > (shift(end, timedelta(days=1)) if bare_date else end):
        raise FilterError(f"--since {shown(since)} is after --until {shown(until)}")


def filters_from_args(
    ns: argparse.Namespace,
    newest: datetime | None,
    *,
    known_tactics: Sequence[str] | None = None,
) -> Filters:
    """Build validated filters from the options added by :func:`add_filter_options`.

    Durations stay relative in the clauses and are resolved against the newest event of
    the frame filtered; ``newest`` is used here to check that ``--since`` is not after
    ``--until``.

    Raises:
        FilterError: A value is invalid; the message names the option.
        TimeError: A time is invalid; the message names the option.
    """
    clauses: list[Clause] = []

    def flag(word: str) -> None:
        given = getattr(ns, word, None)
        values = given if isinstance(given, list) else [] if given is None else [given]
        for value in values:
            clause = language.make(word, value, what=f"--{word}", known_tactics=known_tactics)
            if clause not in clauses:
                clauses.append(clause)

    for word in ("principal", "ip", "since", "until"):
        flag(word)
    since, until = getattr(ns, "since", None), getattr(ns, "until", None)
    relative = any(v is not None and is_duration(v) for v in (since, until))
    # A duration counts back from the newest event: before the load, the order is unknown.
    if since is not None and until is not None and (newest is not None or not relative):
        _check_order(since, until, newest)
    events = getattr(ns, "event", None) or []
    if events:
        clauses.append(language.make("event", "|".join(events), what="--event"))
    flag("tactic")
    flag("text")
    if getattr(ns, "errors", False):
        clauses.append(language.make("errors"))
    if getattr(ns, "marked", False):
        clauses.append(language.make("marked"))
    flagged = getattr(ns, "flagged", None)
    if flagged is not None:
        clauses.append(language.make("flagged", flagged, what="--flagged"))
    tags = getattr(ns, "tag", None) or []
    if tags:
        clauses.append(language.make("tag", ",".join(tags), what="--tag"))
    # Repeats OR: Filters keeps the clauses of one field together (see Filters.groups).
    filters = Filters()
    for clause in clauses:
        filters = filters.add(clause)
    return filters
