"""``ctir timeline``: events per time bucket, stacked by outcome, and the gaps."""

from __future__ import annotations

import argparse
from datetime import timedelta

from ctir_tui.cli.common import UsageError, command_view, open_session
from ctir_tui.cli.render import cell, line, print_json, print_lines, width
from ctir_tui.engine.analyses.timeline import Timeline, TimelineError, timeline
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.times import format_duration, parse_duration, when

NAME = "timeline"
HELP = "Events per time bucket, stacked by outcome, and the gaps per account and region."
#: The bar's characters: success, failure, denied.
MARKS = {"success": "=", "failure": "x", "denied": "!"}


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument(
        "--bucket", metavar="D", help="bucket size: 30s, 5m, 1h, 1d (default: from the span)"
    )
    parser.add_argument(
        "--min-gap",
        metavar="D",
        help="shortest silence reported as a gap (default: three buckets, at least 1h)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def durations(ns: argparse.Namespace) -> tuple[timedelta | None, timedelta | None]:
    """``--bucket`` and ``--min-gap``, checked before the load."""
    try:
        bucket = parse_duration(ns.bucket, "--bucket") if ns.bucket else None
        gap = parse_duration(ns.min_gap, "--min-gap") if ns.min_gap else None
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc
    return bucket, gap


def run(ns: argparse.Namespace) -> int:
    """Print the timeline."""
    bucket, gap = durations(ns)
    session = open_session(ns)
    view = command_view(ns, session)
    try:
        counted = timeline(view, bucket, gap)
    except TimelineError as exc:
        raise UsageError(str(exc)) from exc
    if ns.json:
        print_json(counted.to_json())
        return 0
    print_lines(render(counted, width()))
    return 0


def render(counted: Timeline, cols: int) -> list[str]:
    """Bucket lines with a bar stacked by outcome (= ok, x failed, ! denied), then gaps."""
    size = format_duration(counted.bucket)
    lines = [
        line(
            f"{len(counted.buckets):,} buckets of {size}; bar: = success, x failure, ! denied"
            + (f"; {counted.no_time:,} events without a time" if counted.no_time else ""),
            cols,
        )
    ]
    peak = max((b.count for b in counted.buckets), default=0)
    # One width for every bucket's time: with seconds in some (30 s buckets), not others.
    label = max((len(when(b.start)) for b in counted.buckets), default=17) + 1
    room = max(cols - label - 12, 1)
    for b in counted.buckets:
        bar = ""
        if peak:
            for name, mark in MARKS.items():
                share = b.by_outcome[name] / peak * room
                bar += mark * (max(1, round(share)) if b.by_outcome[name] else 0)
        lines.append(line(f"{when(b.start):<{label}}{b.count:>9,}  {bar[:room]}", cols))
    lines.append("")
    if not counted.gaps:
        lines.append(line(f"no gap of {format_duration(counted.min_gap)} or more", cols))
    else:
        lines.append(
            line(f"{len(counted.gaps):,} gaps of {format_duration(counted.min_gap)} or more:", cols)
        )
    for g in counted.gaps:
        length = format_duration(timedelta(seconds=int(g.length.total_seconds())))
        lines.append(
            line(
                f"  {cell(g.account)} {cell(g.region)}: "
                f"{when(g.start)} .. {when(g.end)} ({length})",
                cols,
            )
        )
    return lines
