"""What every command shares: its parser, the load, the filters, and one-line errors.

Exit codes: 0 the load succeeded (even with bad files: they are in the report); 1 a path
does not exist or nothing could be read; 2 bad usage or an unparseable filter.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import NoReturn

import orjson
import polars as pl

from ctir_tui.cli.options import add_filter_options, filters_from_args
from ctir_tui.engine.case.store import CaseStore
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.query.case_clauses import MarkedClause, TagClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.model import Mapping
from ctir_tui.paths import inside_evidence
from ctir_tui.text import inert, json_safe

#: Most failed or skipped files named when nothing could be read.
NAMED_PROBLEMS = 10


class UsageError(Exception):
    """Bad usage: exit code 2 with a one-line message."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (exit 2, one line)."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing the usage and exiting."""
        if message.startswith("unrecognized arguments:"):
            message += _did_you_mean(self, message)
        # err() says "ctir: " already: name the command only ("ctir: export: ...").
        command = self.prog.partition(" ")[2]
        raise UsageError(
            f"{command}: {message} (see --help)" if command else f"{message} (see --help)"
        )


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    """``; did you mean --principal?`` for a misspelt option (``--principle``)."""
    known = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    for word in message.split(":", 1)[1].split():
        if word.startswith("--"):
            close = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.75)
            if close:
                return f"; did you mean {close[0]}?"
    return ""


def err(message: str) -> None:
    """Print ``ctir: message`` on stderr, inert."""
    print(f"ctir: {inert(message, limit=500)}", file=sys.stderr)


def add_common(parser: argparse.ArgumentParser, *, paths_required: bool) -> None:
    """The paths, the filter options and ``--no-cache``."""
    parser.add_argument(
        "paths",
        nargs="+" if paths_required else "*",
        metavar="PATH",
        help="log files or folders (searched recursively; .gz and .zip read in place)",
    )
    add_filter_options(parser)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse everything again and do not read or write the cache",
    )


def load_options(ns: argparse.Namespace) -> LoadOptions:
    """How the command line asks to load."""
    return LoadOptions(use_cache=not ns.no_cache)


def open_session(ns: argparse.Namespace, mapping: Mapping | None = None) -> Session:
    """Load the paths; exit 1 (naming the bad files) when nothing could be read."""
    session = Session.open(ns.paths, load_options(ns), mapping=mapping)
    for warning in session.warnings:
        err(f"warning: {warning}")
    report = session.report
    if report.count("read") == 0:
        failed, skipped = report.count("failed"), report.count("skipped")
        err(f"nothing could be read: {failed:,} failed, {skipped:,} skipped")
        for f in report.files[:NAMED_PROBLEMS]:
            err(f"  {f.status}: {f.path}: {f.reason}")
        if len(report.files) > NAMED_PROBLEMS:
            err(f"  and {len(report.files) - NAMED_PROBLEMS:,} more")
        if getattr(ns, "json", False):  # a script reading stdout gets the whole report
            out = {"error": "nothing could be read", "report": report.to_json()}
            print(json_safe(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode()))
        raise SystemExit(1)
    return session


def session_filters(ns: argparse.Namespace, session: Session) -> Filters:
    """The command line's filters, validated against the loaded events' tactics."""
    try:
        filters = filters_from_args(ns, session.newest)
        return filters.validate(session.mapping.tactic_words())
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc


def open_case(ns: argparse.Namespace) -> CaseStore:
    """The case of the command's paths; what was wrong with its file is printed."""
    case = CaseStore.open(ns.paths)
    for problem in case.problems:
        err(f"warning: {problem}")
    return case


def command_view(
    ns: argparse.Namespace,
    session: Session,
    *,
    extended: bool = False,
    case: CaseStore | None = None,
) -> pl.DataFrame:
    """The events the command's filters select; ``--marked``/``--tag`` read the case."""
    filters = session_filters(ns, session)
    if case is None and any(isinstance(c, MarkedClause | TagClause) for c in filters.clauses):
        case = open_case(ns)
    try:
        return session.view(filters, extended=extended, case=case.marks() if case else None)
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc


def check_filters_early(ns: argparse.Namespace) -> None:
    """Reject unparseable filters before spending time on a load."""
    try:
        filters_from_args(ns, None)
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc


def inside(path: Path, roots: list[str]) -> bool:
    """Whether ``path`` would land inside (or beside a file of) the evidence ``roots``."""
    return inside_evidence(path, roots)
