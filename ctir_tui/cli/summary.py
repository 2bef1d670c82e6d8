"""``ctir summary``: totals, time range, tactics, top values and the load report."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from typing import Any

import orjson

from ctir_tui.cli.common import command_view, open_session
from ctir_tui.engine.analyses.summary import summarize
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.engine.tactics.matrix import tactic_counts
from ctir_tui.text import inert, json_safe

NAME = "summary"
HELP = "Totals, time range, tactics, top values and the load report."


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(ns: argparse.Namespace) -> int:
    """Print the summary of the matching events."""
    session = open_session(ns)
    view = command_view(ns, session)
    data = summarize(view, session.report, tactic_counts(view, session.mapping))
    if ns.json:
        sys.stdout.write(json_safe(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()) + "\n")
    else:
        sys.stdout.write(render_summary(data))
    return 0


def render_summary(data: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`ctir_tui.engine.analyses.summary.summarize`."""

    files = data["files"]
    first, last = data["time_range"]["first"], data["time_range"]["last"]
    lines = [
        f"events      {data['events']:,} shown of {data['loaded']:,} loaded "
        f"({plural(data['duplicates'], 'duplicate')} dropped, "
        f"{plural(data['rejected'], 'record')} rejected)",
        f"files       {files['read']:,} read, {files['skipped']:,} skipped, "
        f"{files['failed']:,} failed ({files['from_cache']:,} from cache)",
        f"time        {first or '-'}  ->  {last or '-'}"
        + (f"   ({data['no_time']:,} without a time)" if data["no_time"] else ""),
        f"errors      {data['errors']:,} failed calls; {data['read_only']:,} read-only events",
        f"flagged     {plural(data['flagged'], 'suspicious record')}"
        + (" (filter: flagged NAME)" if data["flags"] else ""),
        *textwrap.wrap(
            ", ".join(f"{n:,} {inert(f)}" for f, n in data["flags"].items()),
            width=max(40, shutil.get_terminal_size().columns - 1),
            initial_indent=" " * 12,
            subsequent_indent=" " * 12,
        ),
        "accounts    " + ", ".join(f"{inert(a)} ({n:,})" for a, n in data["accounts"][:8]),
        "regions     " + ", ".join(f"{inert(r)} ({n:,})" for r, n in data["regions"][:8]),
        "",
        "tactics (seed table)",
    ]
    lines += [f"  {name:<22}{count:>10,}" for name, count in data["tactics"].items()]
    titles = {
        "principals": "top principals",
        "source_ips": "top source IPs",
        "event_names": "top event names",
        "error_codes": "top error codes",
    }
    for key, title in titles.items():
        lines += ["", title]
        lines += [f"  {n:>9,}  {inert(v, limit=150)}" for v, n in data["top"][key]] or ["  -"]
    problems = data["failed"] + data["skipped"]
    if problems or data["salvaged"] or data["rejected"]:
        lines += ["", "load report"]
        lines += [f"  failed   {inert(p['path'])}: {inert(p['reason'])}" for p in data["failed"]]
        lines += [f"  skipped  {inert(p['path'])}: {inert(p['reason'])}" for p in data["skipped"]]
        lines += [f"  salvaged {inert(p['path'])}: {inert(p['salvage'])}" for p in data["salvaged"]]
        lines += [
            f"  rejected {inert(r['path'])} #{r['index']}: {inert(r['reason'])}"
            for r in data["rejected_records"][:50]
        ]
    return "\n".join(lines) + "\n"
