"""``ctir triage``: the questions responders ask first, each with its count and its events."""

from __future__ import annotations

import argparse
from datetime import datetime

from ctir_tui.cli.common import UsageError, command_view, open_session
from ctir_tui.cli.options import add_rules
from ctir_tui.cli.render import cell, line, print_json, print_lines, width
from ctir_tui.cli.sigma import rule_paths
from ctir_tui.engine.analyses.answers import Answer
from ctir_tui.engine.analyses.questions import questions
from ctir_tui.engine.analyses.rows import Row
from ctir_tui.engine.analyses.rule_hits import SIGMA_ID
from ctir_tui.engine.analyses.triage import triage
from ctir_tui.engine.detections import evaluate, load_rules
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.times import parse_user_time, when
from ctir_tui.text import inert

NAME = "triage"
HELP = (
    "The questions responders ask first (root activity, console logins without MFA, new "
    "credentials, grants, chains, first seen, denied bursts, recon, roles, logging "
    "tampering, data exposure, compute abuse, new regions, destruction, coverage)."
)
#: Rows printed under each question unless --rows says otherwise.
ROWS = 5


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument(
        "--question",
        metavar="ID",
        action="append",
        default=[],
        help="ask only this question (repeatable): " + ", ".join(q.id for q in questions()),
    )
    add_baseline(parser)
    parser.add_argument(
        "--rows", metavar="N", type=int, default=ROWS, help=f"rows under each question ({ROWS})"
    )
    parser.add_argument(
        "--sigma",
        action="store_true",
        help="add the Sigma rule hits as one more entry, 'sigma' (rules: --rules, else "
        "[sigma] rules in config.toml, else ctir's own)",
    )
    add_rules(parser, "with --sigma: rule files or folders")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def add_baseline(parser: argparse.ArgumentParser) -> None:
    """``--baseline-until T`` (first-seen and new regions)."""
    parser.add_argument(
        "--baseline-until",
        metavar="T",
        help="what came before T is the baseline of first-seen and new regions "
        "(default: the first half of the time range); a time, or a duration back from "
        "the newest event",
    )


def baseline(ns: argparse.Namespace, session: Session) -> datetime | None:
    """The ``--baseline-until`` time (None when not given)."""
    text = getattr(ns, "baseline_until", None)
    if text is None:
        return None
    try:
        return parse_user_time(text, newest=session.newest, what="--baseline-until")
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc


def run(ns: argparse.Namespace) -> int:
    """Print every question's answer over the matching events."""
    known = [q.id for q in questions()] + ([SIGMA_ID] if ns.sigma else [])
    unknown = [q for q in ns.question if q not in known]
    if unknown:
        raise UsageError(
            f"unknown question '{inert(unknown[0], limit=60)}': expected one of {', '.join(known)}"
        )
    if ns.rows < 0:
        raise UsageError("--rows must be 0 or more")
    if ns.rules and not ns.sigma:
        raise UsageError("--rules goes with --sigma")
    rules = load_rules(rule_paths(ns)) if ns.sigma else None
    session = open_session(ns)
    view = command_view(ns, session)
    hits = evaluate(session, rules, view=view) if rules is not None else None
    only = ns.question or None
    if only is not None and hits is not None and SIGMA_ID not in only:
        only = [*only, SIGMA_ID]
    found = triage(
        view, texts=session.texts, baseline_until=baseline(ns, session), only=only, sigma=hits
    )
    if ns.json:
        print_json(found.to_json())
        return 0
    cols = width()
    lines = [line(f"{view.height:,} events triaged", cols)]
    for a in found.answers:
        lines += render_answer(a, ns.rows, cols)
    print_lines(lines)
    return 0


def render_answer(a: Answer, rows: int, cols: int) -> list[str]:
    """One question: its severity, count, id and title, then its first rows and filter."""
    q = a.question
    counted = (
        f"{a.count:,} gap{'s' if a.count != 1 else ''}" if q.id == "coverage" else f"{a.count:,}"
    )
    out = ["", line(f"{a.severity.upper():<9}{counted:>9}  {q.id}: {q.title}", cols)]
    if a.note:
        out.append(line(f"{'':20}{inert(a.note)}", cols))
    for r in a.rows[:rows]:
        if q.id == SIGMA_ID:
            out += _hit_lines(r, cols)
            continue
        fields = ", ".join(
            f"{k}={cell(v, 120)}" for k, v in r.fields.items() if v not in (None, "")
        )
        span = _span(r)
        out.append(line(f"{'':11}{r.count:>7,}  {span}  {fields}", cols))
    if len(a.rows) > rows:
        more = plural(len(a.rows) - rows, "more row", "more rows")
        out.append(line(f"{'':20}... {more} (--rows, --json)", cols))
    if a.count and a.door.clauses:
        labels = " · ".join(inert(label, limit=200) for label in a.door.labels())
        out.append(line(f"{'':20}filter: {labels}", cols))
    return out


def _span(r: Row) -> str:
    """When a row's events happened, to the second (the rows' times line up)."""
    first, last = when(r.first, seconds=True), when(r.last, seconds=True)
    return first if r.first == r.last else f"{first}..{last}"


def _hit_lines(r: Row, cols: int) -> list[str]:
    """A rule's row: its events, level and title, then its author (the Detection Rule
    License asks for it wherever matches show) and its ATT&CK tactics and techniques."""
    span = _span(r)
    fields = r.fields
    level, title = cell(fields.get("level"), 13), cell(fields.get("title"), 200)
    head = f"{'':11}{r.count:>7,}  {level}  {title}"
    tail = f"by {cell(fields.get('author'), 120)}"
    if fields.get("tags"):
        tail += f" · {cell(fields.get('tags'), 200)}"
    return [line(head, cols), line(f"{'':20}{tail}  {span}", cols)]
