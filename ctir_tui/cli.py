"""Command line: ``ctir PATH...`` opens the explorer; ``summary``, ``export`` and ``matrix``
answer without it.

Exit codes: 0 the load succeeded (even with bad files: they are in the report); 1 a path does
not exist or nothing could be read; 2 bad usage or an unparseable filter. Never a traceback:
an unexpected error writes a crash report and says where.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

import orjson

from ctir_tui import __version__

COMMANDS = ("summary", "export", "matrix")

NO_PATH_HELP = """\
ctir {version}: a terminal incident explorer for AWS CloudTrail.

Point it at exported CloudTrail logs (files or folders, searched recursively):

    ctir path/to/AWSLogs/            open the explorer
    ctir summary path/ [--json]      totals, tactics, top talkers, load report
    ctir matrix path/ [--extended]   the MITRE ATT&CK tactic matrix
    ctir export path/ --ip 203.0.113.7 --format jsonl -o events.jsonl

It reads S3 trail deliveries (.json.gz / .json), JSON arrays and JSON Lines,
`aws cloudtrail lookup-events` output, CloudWatch Logs exports and .zip archives.
The evidence is never written to; caches live in {cache}.

A sample incident ships with ctir: try  ctir {sample}
Filters (every command): --principal --ip --since --until --event --tactic --errors
More: ctir --help, ctir summary --help; in the explorer press ? for keys.
"""


class UsageError(Exception):
    """Bad usage: exit code 2 with a one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _sample_path() -> str:
    here = Path(__file__).resolve().parent.parent / "sample_logs"
    return str(here) if here.is_dir() else "sample_logs/"


def _add_common(parser: argparse.ArgumentParser, *, paths_required: bool) -> None:
    from ctir_tui.data.filter_args import add_argparse_filters

    parser.add_argument(
        "paths",
        nargs="+" if paths_required else "*",
        metavar="PATH",
        help="log files or folders (searched recursively; .gz and .zip read in place)",
    )
    add_argparse_filters(parser)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse everything again and do not read or write the cache",
    )


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The argument parser for ``command`` (None: open the explorer)."""
    if command is None:
        parser = _Parser(
            prog="ctir",
            description="Explore AWS CloudTrail logs in the terminal. "
            f"Headless commands: {', '.join(COMMANDS)} (ctir COMMAND --help).",
        )
        parser.add_argument("--version", action="version", version=f"ctir {__version__}")
        _add_common(parser, paths_required=False)
        parser.add_argument("--theme", help="colour theme (e.g. ctir-16 for 16-colour terminals)")
        return parser
    parser = _Parser(prog=f"ctir {command}")
    _add_common(parser, paths_required=True)
    if command == "summary":
        parser.description = "Totals, time range, tactics, top values and the load report."
        parser.add_argument("--json", action="store_true", help="print one JSON object")
    elif command == "export":
        parser.description = "The matching events in time order."
        parser.add_argument(
            "--format",
            choices=("jsonl", "csv"),
            default="jsonl",
            help="jsonl: the original records, one per line; csv: the canonical columns",
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")
    elif command == "matrix":
        parser.description = "The MITRE ATT&CK tactic matrix of the matching events."
        parser.add_argument("--extended", action="store_true", help="the extended mapping")
        parser.add_argument("--attack-version", choices=("v18", "v19"), default="v18")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--json", action="store_true", help="print JSON")
        group.add_argument("--markdown", action="store_true", help="print a Markdown table")
        parser.add_argument(
            "--show-config",
            action="store_true",
            help="print where the tactic override file is, and exit",
        )
    return parser


def _err(message: str) -> None:
    from ctir_tui.text import inert

    print(f"ctir: {inert(message, limit=500)}", file=sys.stderr)


def _open_session(ns: argparse.Namespace, mapping: Any = None) -> Any:
    from ctir_tui.data.load import LoadOptions
    from ctir_tui.data.session import Session

    session = Session.open(ns.paths, LoadOptions(use_cache=not ns.no_cache), mapping=mapping)
    for warning in session.warnings:
        _err(f"warning: {warning}")
    if session.report.count("read") == 0:
        _err(
            "nothing could be read: "
            f"{session.report.count('failed')} failed, {session.report.count('skipped')} skipped"
        )
        for f in session.report.files[:10]:
            _err(f"  {f.status}: {f.path}: {f.reason}")
        raise SystemExit(1)
    return session


def _filters(ns: argparse.Namespace, session: Any) -> Any:
    from ctir_tui.data.filter_args import filters_from_args
    from ctir_tui.data.filters import FilterError

    try:
        filters = filters_from_args(ns, session.newest)
        return filters.validate(session.mapping.tactic_names(extended=True))
    except FilterError as exc:
        raise UsageError(str(exc)) from exc


def _check_filters_early(ns: argparse.Namespace) -> None:
    """Reject unparseable filters before spending time on a load."""
    from ctir_tui.data.filter_args import filters_from_args
    from ctir_tui.data.filters import FilterError

    try:
        filters_from_args(ns, None)
    except FilterError as exc:
        raise UsageError(str(exc)) from exc


def cmd_summary(ns: argparse.Namespace) -> int:
    """``ctir summary``."""
    from ctir_tui.data.summary import summarize
    from ctir_tui.data.tactics import tactic_counts

    session = _open_session(ns)
    view = session.view(_filters(ns, session))
    data = summarize(view, session.report, tactic_counts(view, session.mapping))
    if ns.json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render_summary(data))
    return 0


def render_summary(data: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`ctir_tui.data.summary.summarize`."""
    from ctir_tui.text import inert

    files = data["files"]
    first, last = data["time_range"]["first"], data["time_range"]["last"]
    lines = [
        f"events      {data['events']:,} shown of {data['loaded']:,} loaded "
        f"({data['duplicates']:,} duplicates dropped, {data['rejected']:,} records rejected)",
        f"files       {files['read']:,} read, {files['skipped']:,} skipped, "
        f"{files['failed']:,} failed ({files['from_cache']:,} from cache)",
        f"time        {first or '-'}  ->  {last or '-'}"
        + (f"   ({data['no_time']:,} without a time)" if data["no_time"] else ""),
        f"errors      {data['errors']:,} failed calls; {data['read_only']:,} read-only events",
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


def _inside(path: Path, roots: Sequence[str]) -> bool:
    target = path.resolve()
    for root in roots:
        base = Path(root).resolve()
        folder = base if base.is_dir() else base.parent
        if target == base or folder in target.parents or target.parent == folder:
            return True
    return False


def cmd_export(ns: argparse.Namespace) -> int:
    """``ctir export``."""
    from ctir_tui.data.schema import EVENT_SCHEMA
    from ctir_tui.text import inert

    if ns.output and _inside(Path(ns.output), ns.paths):
        raise UsageError(
            f"refusing to write {ns.output} inside the evidence ({', '.join(ns.paths)}): "
            "evidence is read-only; choose another -o"
        )
    session = _open_session(ns)
    view = session.view(_filters(ns, session))
    out: IO[str]
    with contextlib.ExitStack() as stack:
        if ns.output:
            out = stack.enter_context(open(ns.output, "w", encoding="utf-8", newline=""))
        else:
            out = sys.stdout
        to_terminal = out.isatty()
        if ns.format == "csv":
            columns = [c for c in EVENT_SCHEMA if c not in ("file_id", "rec_index")]
            text = view.select(columns).write_csv(datetime_format="%Y-%m-%dT%H:%M:%S%.fZ")
            out.write(inert(text, limit=None, single_line=False) if to_terminal else text)
        else:
            for raw in session.raw.iter_frame(view):
                if "\n" in raw or "\r" in raw:
                    # One record per line: pretty-printed sources are compacted (same content).
                    raw = orjson.dumps(orjson.loads(raw)).decode()
                out.write((inert(raw, limit=None) if to_terminal else raw) + "\n")
    if ns.output:
        _err(f"wrote {view.height:,} events to {ns.output}")
    return 0


def cmd_matrix(ns: argparse.Namespace) -> int:
    """``ctir matrix``."""
    from ctir_tui.data.tactics import load_mapping, matrix_counts
    from ctir_tui.matrix_render import render_markdown, render_text

    mapping = load_mapping(attack_version=ns.attack_version)
    if ns.show_config:
        print(
            f"tactic overrides: {mapping.override_path}"
            + ("" if mapping.override_path.exists() else " (not present)")
        )
        for warning in mapping.warnings:
            _err(f"warning: {warning}")
        return 0
    session = _open_session(ns, mapping)
    view = session.view(_filters(ns, session), extended=ns.extended)
    matrix = matrix_counts(view, session.mapping, extended=ns.extended)
    if ns.json:
        sys.stdout.write(orjson.dumps(matrix.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif ns.markdown:
        sys.stdout.write(render_markdown(matrix))
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        sys.stdout.write(render_text(matrix, width=width, color=color))
    return 0


def cmd_open(ns: argparse.Namespace) -> int:
    """``ctir PATH...``: the explorer."""
    if not ns.paths:
        from ctir_tui.data.cache import default_cache_root

        sys.stdout.write(
            NO_PATH_HELP.format(
                version=__version__, sample=_sample_path(), cache=default_cache_root()
            )
        )
        return 0
    for path in ns.paths:
        if not os.path.exists(path):
            _err(f"no such file or folder: {path}")
            return 1
    from ctir_tui.ui.app import run_app

    return run_app(ns)


def write_crash_report(exc: BaseException) -> Path | None:
    """Write a traceback to the platformdirs state directory; return its path."""
    import platformdirs

    try:
        folder = platformdirs.user_state_path("ctir", appauthor=False) / "crashes"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        path.write_text(
            f"ctir {__version__}\nargv: {sys.argv!r}\n\n"
            + "".join(traceback.format_exception(exc)),
            encoding="utf-8",
        )
        return path
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ctir`` command."""
    from ctir_tui.data.load import LoadCancelled
    from ctir_tui.data.sources import MissingPathError

    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else None
    try:
        ns = build_parser(command).parse_args(args[1:] if command else args)
        _check_filters_early(ns)
        handler = {"summary": cmd_summary, "export": cmd_export, "matrix": cmd_matrix}.get(
            command or "", cmd_open
        )
        return handler(ns)
    except UsageError as exc:
        _err(str(exc).removeprefix("ctir: "))
        return 2
    except MissingPathError as exc:
        _err(str(exc))
        return 1
    except (KeyboardInterrupt, LoadCancelled):
        _err("cancelled")
        return 130
    except BrokenPipeError:
        # `ctir export ... | head`: the reader left; that is not an error.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 0
    except Exception as exc:
        report = write_crash_report(exc)
        where = f"; crash report: {report}" if report else ""
        _err(f"internal error: {type(exc).__name__}: {exc}{where}")
        return 3
