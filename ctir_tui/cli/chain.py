"""``ctir chain``: from a key or a principal, every session reached by hops."""

from __future__ import annotations

import argparse

from ctir_tui.cli.common import UsageError, command_view, open_session
from ctir_tui.cli.render import cell, line, print_json, print_lines, width
from ctir_tui.engine.analyses.chain import Chain, chain
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.engine.times import when

NAME = "chain"
HELP = (
    "From an access key (--key) or a principal (--principal), the sessions reached by "
    "AssumeRole hops, issued keys, source identities and SwitchRole, both ways, and their events."
)


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options (``--principal``, a filter elsewhere, is the start here)."""
    parser.add_argument("--key", metavar="KEY", help="start from this access key id")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(ns: argparse.Namespace) -> int:
    """Print the chain's tree and how many events it holds."""
    key, principals = ns.key, ns.principal or []
    if (key is None) == (not principals) or len(principals) > 1:
        raise UsageError("give one of --key KEY or --principal TEXT (where the chain starts)")
    principal = principals[0] if principals else None
    # The start is not a filter: the chain leaves the principal through its hops.
    ns.principal = None
    session = open_session(ns)
    view = command_view(ns, session)
    found = chain(view, key=key, principal=principal, texts=session.texts)
    if ns.json:
        print_json(found.to_json())
        return 0
    print_lines(render(found, width()))
    return 0


def render(found: Chain, cols: int) -> list[str]:
    """The tree, one node a line, indented by depth, then the totals."""
    if not found.nodes:
        return [line(f"nothing matches {cell(found.start)}", cols)]
    lines = [
        line(
            f"chain from {cell(found.start)}: {len(found.nodes):,} sessions, {found.hops:,} hops, "
            f"{len(found.event_ids):,} events, accounts {', '.join(found.accounts) or '-'}",
            cols,
        )
    ]
    for n in found.nodes:
        hop = f"<- {n.hop} " if n.hop else ""
        mark = "*" if n.start else "-"
        lines.append(
            line(
                f"{'  ' * n.depth}{mark} {hop}{cell(n.principal, 200)}  key {cell(n.key)}  "
                f"{plural(n.count, 'event')}  {when(n.first)}..{when(n.last)}",
                cols,
            )
        )
    labels = " · ".join(cell(label, 200) for label in found.door.labels())
    lines.append(line(f"filter: {labels}", cols))
    return lines
