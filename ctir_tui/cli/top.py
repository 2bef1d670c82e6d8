"""``ctir top``: the most frequent values of one column, with first and last seen."""

from __future__ import annotations

import argparse

from ctir_tui.cli.common import UsageError, command_view, open_session
from ctir_tui.cli.render import cell, line, print_json, print_lines, table, width
from ctir_tui.engine.analyses.top import COLUMN_NAMES, DEFAULT_N, resolve_column, top
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.schema import EVENT_SCHEMA
from ctir_tui.engine.times import when

NAME = "top"
HELP = "The most frequent values of one column (counts, first and last seen)."


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument(
        "--by",
        metavar="COLUMN",
        required=True,
        help=f"what to rank: {', '.join(sorted(COLUMN_NAMES))}, or any column of the frame",
    )
    parser.add_argument("-n", type=int, default=DEFAULT_N, metavar="N", help=f"rows ({DEFAULT_N})")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def check(ns: argparse.Namespace) -> str:
    """The column ``--by`` names, checked before the load."""
    if ns.n < 1:
        raise UsageError("-n must be 1 or more")
    try:
        return resolve_column(ns.by, [*EVENT_SCHEMA, "tactics", "tactics_extended"])
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc


def run(ns: argparse.Namespace) -> int:
    """Print the top values."""
    column = check(ns)
    session = open_session(ns)
    view = command_view(ns, session)
    result = top(view, column, ns.n)
    if ns.json:
        print_json(result.to_json())
        return 0
    cols = width()
    head = (
        f"top {len(result.rows)} of {result.distinct:,} {column} values "
        f"in {result.total:,} events ({result.missing:,} without one)"
    )
    body = [
        [
            f"{r.count:,}",
            f"{100 * float(str(r.fields['share'] or 0)):.1f}%",
            when(r.first, seconds=True),
            when(r.last, seconds=True),
            cell(r.fields["value"]),
        ]
        for r in result.rows
    ]
    lines = [line(head, cols), *table(["events", "share", "first", "last", column], body, cols)]
    print_lines(lines)
    return 0
