"""``ctir first-seen``: per principal, what appears only after the baseline."""

from __future__ import annotations

import argparse

from ctir_tui.cli.common import UsageError, command_view, open_session
from ctir_tui.cli.render import cell, line, print_json, print_lines, table, width
from ctir_tui.cli.triage import add_baseline, baseline
from ctir_tui.engine.analyses.first_seen import DEFAULT_ROWS, KINDS, first_seen
from ctir_tui.engine.times import when

NAME = "first-seen"
HELP = (
    "Per principal, the source IPs, user agents, regions and event names first seen after "
    "the baseline (the first half of the range), most telling first."
)


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    add_baseline(parser)
    parser.add_argument(
        "--kind",
        metavar="KIND",
        action="append",
        default=[],
        help=f"only these kinds (repeatable): {', '.join(KINDS)}",
    )
    parser.add_argument(
        "-n", type=int, default=DEFAULT_ROWS, metavar="N", help=f"rows ({DEFAULT_ROWS})"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(ns: argparse.Namespace) -> int:
    """Print the new values."""
    kinds = ns.kind or list(KINDS)
    bad = [k for k in kinds if k not in KINDS]
    if bad or ns.n < 1:
        raise UsageError(
            f"--kind must be one of {', '.join(KINDS)}" if bad else "-n must be 1 or more"
        )
    # --principal chooses whose new values are shown; what is new is judged against everyone.
    principals, ns.principal = ns.principal or [], None
    if len(principals) > 1:
        raise UsageError("give --principal once: whose new values are shown")
    principal = principals[0] if principals else None
    session = open_session(ns)
    view = command_view(ns, session)
    found = first_seen(view, baseline(ns, session), kinds, principal)
    if ns.json:
        print_json(found.to_json(ns.n))
        return 0
    cols = width()
    head = (
        f"{found.total:,} values new after {when(found.baseline)} "
        f"({found.actors:,} principals, {found.new_actors:,} of them new)"
        if found.baseline is not None
        else "no event has a time: there is no baseline"
    )
    body = [
        [
            f"{r.score:.2f}",
            r.kind,
            when(r.first),
            f"{r.count:,}",
            ("new to all" if r.new_to_all else f"{r.users:,} use it"),
            cell(r.actor, 200),
            cell(r.value, 300),
        ]
        for r in found.rows(ns.n)
    ]
    headers = ["score", "kind", "first", "events", "seen", "principal", "value"]
    # The principal gets a quarter of the width; the value what is left.
    caps = [0.1, 0.1, 0.25, 0.1, 0.15, 0.25]
    print_lines([line(head, cols), *table(headers, body, cols, caps)])
    return 0
