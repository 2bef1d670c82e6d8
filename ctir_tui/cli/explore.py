"""``ctir PATH...``: open the explorer (``ctir`` alone explains itself)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ctir_tui import __version__, paths
from ctir_tui.cli.common import err, load_options
from ctir_tui.cli.crash import write_crash_report
from ctir_tui.cli.options import filters_from_args

NO_PATH_HELP = """\
ctir {version}: a terminal incident explorer for AWS CloudTrail.

Point it at exported CloudTrail logs (files or folders, searched recursively):

    ctir path/to/AWSLogs/            open the explorer
    ctir summary path/ [--json]      totals, tactics, top talkers, load report
    ctir matrix path/ [--extended]   the MITRE ATT&CK tactic matrix
    ctir triage path/                the 15 questions responders ask first
    ctir chain path/ --key AKIA...   a key's sessions across AssumeRole hops
    ctir export path/ --ip 203.0.113.7 --format jsonl -o events.jsonl
    ctir case mark path/ --ip 203.0.113.7 --add-tag malicious
    ctir case export path/ -o bundle/   report, original records, hashes

It reads S3 trail deliveries (.json.gz / .json), JSON arrays and JSON Lines,
`aws cloudtrail lookup-events` output, CloudWatch Logs exports and .zip archives.
The evidence is never written to; caches live in {cache}.

A sample incident ships with ctir: try  ctir {sample}
Filters (every command): --principal --ip --since --until --event --tactic --text
                         --errors --marked --tag
More: ctir --help, ctir summary --help; in the explorer press ? for keys.
"""


def sample_path() -> str:
    """Where the sample incident is, in a checkout."""
    here = Path(__file__).resolve().parent.parent.parent / "sample_logs"
    return str(here) if here.is_dir() else "sample_logs/"


def configure(parser: argparse.ArgumentParser) -> None:
    """The explorer's own options."""
    parser.add_argument("--theme", help="colour theme (e.g. ansi-dark for 16-colour terminals)")


def run(ns: argparse.Namespace) -> int:
    """Open the explorer on the paths; return its exit code."""
    if not ns.paths:
        text = NO_PATH_HELP.format(
            version=__version__, sample=sample_path(), cache=paths.cache_dir()
        )
        sys.stdout.write(text)
        return 0
    for path in ns.paths:
        if not os.path.exists(path):
            err(f"no such file or folder: {path}")
            return 1
    filters = filters_from_args(ns, None)
    options = load_options(ns)
    # Textual is imported only here: headless commands never pay for it. (Starting the load
    # before it did not open the explorer sooner: both are Python work under one lock.)
    from ctir_tui.ui.app import run_explorer
    from ctir_tui.ui.config import ExplorerConfig, load_settings

    settings = load_settings()
    if ns.theme:
        settings.theme = ns.theme
    config = ExplorerConfig(paths=list(ns.paths), filters=filters, load=options, settings=settings)
    outcome = run_explorer(config)
    if outcome.crash is not None:
        report = write_crash_report(outcome.crash)
        where = report or "(the crash report could not be written)"
        err(f"ctir crashed; the crash report is in {where}")
        return 3
    if outcome.failure is not None:
        err(outcome.failure)
    return outcome.code
