"""Command line: ``ctir PATH...`` opens the explorer; the commands answer without it.

Exit codes: 0 the load succeeded (even with bad files: they are in the report); 1 a path does
not exist or nothing could be read; 2 bad usage or an unparseable filter; 3 an internal
error, which writes a crash report and says where (never a traceback); 130 cancelled.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from ctir_tui import __version__
from ctir_tui.cli import (
    case,
    chain,
    explore,
    export,
    first_seen,
    matrix,
    sql,
    summary,
    timeline,
    top,
    triage,
)
from ctir_tui.cli.common import Parser, UsageError, add_common, check_filters_early, err
from ctir_tui.cli.crash import write_crash_report
from ctir_tui.engine.pipeline.discover import MissingPathError
from ctir_tui.engine.pipeline.load import LoadCancelled

#: The headless commands, by name.
COMMANDS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (summary, export, matrix, sql, case, triage, top, timeline, first_seen, chain)
}


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The argument parser for ``command`` (None: open the explorer)."""
    if command is None:
        parser = Parser(
            prog="ctir",
            description="Explore AWS CloudTrail logs in the terminal. "
            f"Commands: {', '.join(COMMANDS)} (ctir COMMAND --help).",
        )
        parser.add_argument("--version", action="version", version=f"ctir {__version__}")
        add_common(parser, paths_required=False)
        explore.configure(parser)
        return parser
    module = COMMANDS[command]
    if hasattr(module, "build_parser"):  # a command with actions builds its own parser
        built: argparse.ArgumentParser = module.build_parser(f"ctir {command}")
        return built
    parser = Parser(prog=f"ctir {command}", description=module.HELP)
    add_common(parser, paths_required=getattr(module, "PATHS_REQUIRED", True))
    module.configure(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ctir`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else None
    try:
        ns = build_parser(command).parse_args(args[1:] if command else args)
        ns.command_line = ["ctir", *args]  # as typed, for what records how it was made
        check_filters_early(ns)
        handler: Callable[[argparse.Namespace], int] = (
            COMMANDS[command].run if command else explore.run
        )
        return handler(ns)
    except UsageError as exc:
        err(str(exc).removeprefix("ctir: "))
        return 2
    except MissingPathError as exc:
        err(str(exc))
        return 1
    except (KeyboardInterrupt, LoadCancelled):
        err("cancelled")
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
        err(f"internal error: {type(exc).__name__}: {exc}{where}")
        return 3
