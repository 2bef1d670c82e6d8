"""Command line: ``ctir PATH...`` opens the explorer; the commands answer without it.

Exit codes: 0 the load succeeded (even with bad files: they are in the report); 1 a path does
not exist, nothing could be read, or the evidence changed while it was read back; 2 bad
usage or an unparseable filter; 3 an internal error, which writes a crash report and says
where (never a traceback); 130 cancelled; 129 and 143 a hang-up (SIGHUP) or SIGTERM.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Final, NoReturn

from ctir_tui import __version__
from ctir_tui.cli import explore
from ctir_tui.cli.common import Parser, UsageError, add_common, check_filters_early, err
from ctir_tui.cli.crash import write_crash_report
from ctir_tui.engine.pipeline.discover import MissingPathError
from ctir_tui.engine.pipeline.load import LoadCancelled
from ctir_tui.engine.pipeline.raw import EvidenceChanged

#: The headless commands, by name, and the module of each (imported only when run: a
#: command does not pay for the others' imports, pySigma's for one).
COMMAND_MODULES: Final = {
    "summary": "summary",
    "export": "export",
    "matrix": "matrix",
    "sql": "sql",
    "case": "case",
    "sigma": "sigma",
    "triage": "triage",
    "top": "top",
    "timeline": "timeline",
    "first-seen": "first_seen",
    "chain": "chain",
}
COMMANDS: Final = tuple(COMMAND_MODULES)


def command_module(name: str) -> ModuleType:
    """The module of a headless command."""
    return importlib.import_module(f"ctir_tui.cli.{COMMAND_MODULES[name]}")


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
    module = command_module(command)
    if hasattr(module, "build_parser"):  # a command with actions builds its own parser
        built: argparse.ArgumentParser = module.build_parser(f"ctir {command}")
        return built
    parser = Parser(prog=f"ctir {command}", description=module.HELP)
    add_common(parser, paths_required=getattr(module, "PATHS_REQUIRED", True))
    module.configure(parser)
    return parser


class HangUp(Exception):
    """The terminal hung up (SIGHUP) or ctir was asked to stop (SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _hang_up(signum: int, _frame: object) -> None:
    raise HangUp(signum)


def run() -> NoReturn:
    """The ``ctir`` program (and ``python -m ctir_tui``): :func:`main`, then a quick exit.

    Once the answer is printed, tearing the interpreter down (freeing every object of a
    million rows, then every module) took 0.10-0.15 s of a 1.1 s warm ``summary``. What must
    happen on the way out still does: the exit handlers run (scratch folders removed, worker
    processes stopped), then standard output and error are flushed. A thread that is not a
    daemon, still running, gets the usual exit, which waits for it.
    """
    code = main()
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        raise SystemExit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone (| head), or a stream closed
            continue
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ctir`` command (returns its exit code; see :func:`run`)."""
    if threading.current_thread() is not threading.main_thread():
        return _main(argv)
    # Unwind instead of dying where we stand: worker processes are stopped and scratch
    # folders removed on the way out (the explorer installs its own handler meanwhile).
    signals = (signal.SIGHUP, signal.SIGTERM)
    previous = {signum: signal.signal(signum, _hang_up) for signum in signals}
    try:
        return _main(argv)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else None
    try:
        ns = build_parser(command).parse_args(args[1:] if command else args)
        ns.command_line = ["ctir", *args]  # as typed, for what records how it was made
        check_filters_early(ns)
        handler: Callable[[argparse.Namespace], int] = (
            command_module(command).run if command else explore.run
        )
        return handler(ns)
    except UsageError as exc:
        err(str(exc).removeprefix("ctir: "))
        return 2
    except MissingPathError as exc:
        err(str(exc))
        return 1
    except EvidenceChanged as exc:  # read back for export or a bundle: never show other data
        err(f"stopped: {exc}; run the command again to read the evidence as it is now")
        return 1
    except (KeyboardInterrupt, LoadCancelled):
        err("cancelled")
        return 130
    except HangUp as exc:
        with contextlib.suppress(OSError):
            err("stopped by a signal")
        return 128 + exc.signum
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
