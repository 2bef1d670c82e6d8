"""``ctir export``: the matching events in time order, as JSON Lines or CSV."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TextIO

from ctir_tui.cli.common import UsageError, command_view, err, inside, open_session
from ctir_tui.engine.export.records import write_csv, write_jsonl

NAME = "export"
HELP = "The matching events in time order."


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        default="jsonl",
        help="jsonl: the original records, one per line; csv: the canonical columns",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")


def run(ns: argparse.Namespace) -> int:
    """Write the matching events; refuse to write inside the evidence."""
    if ns.output and inside(Path(ns.output), ns.paths):
        raise UsageError(
            f"refusing to write {ns.output} inside the evidence ({', '.join(ns.paths)}): "
            "evidence is read-only; choose another -o"
        )
    session = open_session(ns)
    view = command_view(ns, session)
    out: TextIO
    with contextlib.ExitStack() as stack:
        if ns.output:
            out = stack.enter_context(open(ns.output, "w", encoding="utf-8", newline=""))
        else:
            out = sys.stdout
        to_terminal = out.isatty()
        if ns.format == "csv":
            count = write_csv(view, out, to_terminal=to_terminal)
        else:
            count = write_jsonl(session.raw, view, out, to_terminal=to_terminal)
    if ns.output:
        err(f"wrote {count:,} events to {ns.output}")
    return 0
