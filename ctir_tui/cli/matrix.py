"""``ctir matrix``: the MITRE ATT&CK tactic matrix of the matching events."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

import orjson

from ctir_tui.cli.common import command_view, err, open_session
from ctir_tui.cli.options import add_attack_version
from ctir_tui.engine.export.matrix_text import render_markdown, render_text
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.matrix import matrix_counts
from ctir_tui.text import json_safe

NAME = "matrix"
HELP = "The MITRE ATT&CK tactic matrix of the matching events."


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument("--extended", action="store_true", help="the extended mapping")
    add_attack_version(parser)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="print JSON")
    group.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--show-config",
        action="store_true",
        help="print where the tactic override file is, and exit",
    )


def run(ns: argparse.Namespace) -> int:
    """Print the matrix (or where its override file lives)."""
    mapping = load_mapping(attack_version=ns.attack_version)
    if ns.show_config:
        present = "" if mapping.override_path.exists() else " (not present)"
        print(f"tactic overrides: {mapping.override_path}{present}")
        for warning in mapping.warnings:
            err(f"warning: {warning}")
        return 0
    session = open_session(ns, mapping)
    view = command_view(ns, session, extended=ns.extended)
    matrix = matrix_counts(view, session.mapping, extended=ns.extended)
    if ns.json:
        sys.stdout.write(
            json_safe(orjson.dumps(matrix.to_json(), option=orjson.OPT_INDENT_2).decode()) + "\n"
        )
    elif ns.markdown:
        sys.stdout.write(render_markdown(matrix))
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        sys.stdout.write(render_text(matrix, width=width, color=color))
    return 0
