"""``ctir sigma``: Sigma rules for CloudTrail run over the events, offline.

Rules come from ``--rules DIR...`` (files or folders, e.g. a SigmaHQ checkout's
``rules/cloud/aws``), else from ``[sigma] rules`` in ``config.toml``, else ctir's own set.
Every hit is shown with its rule's author (the Detection Rule License asks for it); every
rule that does not run is listed with why. Rule text and log text are shown inert.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Final

import orjson
import polars as pl

from ctir_tui.cli.common import UsageError, command_view, err, open_session
from ctir_tui.cli.options import add_rules
from ctir_tui.engine import schema as c
from ctir_tui.engine.detections import RuleHit, SigmaResult, evaluate, load_rules, shipped_rules
from ctir_tui.engine.query.marks import mark_key_expr
from ctir_tui.engine.times import iso_z
from ctir_tui.text import fit, inert, json_safe
from ctir_tui.ui.config import load_settings

NAME = "sigma"
HELP = "Run Sigma rules for AWS CloudTrail over the events (ctir's own rules by default)."
#: Events listed under each rule in the text output.
SHOWN_EVENTS: Final = 5
_LEVELS: Final = {"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4}


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    add_rules(
        parser,
        "rule files or folders (searched recursively for .yml/.yaml); default: "
        "[sigma] rules in config.toml, else ctir's own rules",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--events",
        metavar="N",
        type=int,
        default=SHOWN_EVENTS,
        help=f"events listed under each rule (default {SHOWN_EVENTS}; --json lists all)",
    )


def rule_paths(ns: argparse.Namespace) -> list[Path]:
    """The rule folders to read: the option's, the config's, or the shipped set."""
    if ns.rules:
        paths = [Path(p) for p in ns.rules]
        missing = [p for p in paths if not p.exists() and not p.is_symlink()]
        if missing:
            raise UsageError(f"--rules: {missing[0]} does not exist")
        return paths
    settings = load_settings()
    for warning in settings.warnings:
        if "sigma" in warning:
            err(f"warning: {warning}")
    if settings.sigma_rules:
        return [Path(p) for p in settings.sigma_rules]
    return [shipped_rules()]


def run(ns: argparse.Namespace) -> int:
    """Load the rules and the events, evaluate, print."""
    if ns.events < 0:
        raise UsageError("--events must be 0 or more")
    rules = load_rules(rule_paths(ns))
    session = open_session(ns)
    view = command_view(ns, session)
    result = evaluate(session, rules, view=view)
    if ns.json:
        text = orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode()
        sys.stdout.write(json_safe(text) + "\n")
        return 0
    width = max(60, shutil.get_terminal_size((100, 24)).columns)
    sys.stdout.write(render(result, view, session.frame.height, width, ns.events))
    return 0


def _sorted(hits: list[RuleHit]) -> list[RuleHit]:
    return sorted(hits, key=lambda h: (_LEVELS.get(h.rule.level, 5), -len(h.event_ids)))


def render(result: SigmaResult, view: pl.DataFrame, loaded: int, width: int, shown: int) -> str:
    """The text report: hits by level (each with its author and events), then what did not run."""
    events = sum(len(h.event_ids) for h in result.hits)
    lines = [
        f"ctir sigma: {result.compiled:,} rules run, {len(result.not_compiled):,} not, "
        f"{len(result.hits):,} with hits ({events:,} hits) over {result.events:,} of "
        f"{loaded:,} events",
        "",
    ]
    keyed = view.with_columns(mark_key_expr().alias("_key")).select(
        "_key", c.TIME, c.EVENT_NAME, c.PRINCIPAL, c.SOURCE_IP
    )
    for hit in _sorted(result.hits):
        meta = hit.rule
        count = len(hit.event_ids)
        head = f"{meta.level or '-':<13}{count:>7,}  "
        lines.append(fit(head + inert(meta.title, limit=300), width, pad=False))
        about = f"by {inert(meta.author or 'unknown author', limit=200)}"
        if meta.tactics:
            about += " · " + ", ".join(meta.tactics)
        if meta.techniques:
            about += " · " + " ".join(meta.techniques)
        lines.append(fit(" " * 22 + about, width, pad=False))
        lines.append(fit(" " * 22 + f"id {inert(meta.rule_id, limit=80)}", width, pad=False))
        if shown:
            wanted = pl.Series(hit.event_ids[:shown], dtype=pl.String)
            rows = keyed.filter(pl.col("_key").is_in(wanted.implode()))
            for _, when, name, principal, ip in rows.iter_rows():
                event = (
                    f"{iso_z(when) or '-':<21} {inert(name, limit=60):<28} "
                    f"{inert(ip, limit=50):<16} {inert(principal, limit=300)}"
                )
                lines.append(fit(" " * 24 + event, width, pad=False))
            if count > shown:
                lines.append(" " * 24 + f"… and {count - shown:,} more (--json lists every event)")
        lines.append("")
    if not result.hits:
        lines += ["no rule matched", ""]
    if result.not_compiled:
        lines.append(f"not run ({len(result.not_compiled):,})")
        elsewhere = [n for n in result.not_compiled if n.reason.startswith("log source is")]
        for problem in result.not_compiled:
            if problem in elsewhere and len(elsewhere) > 10:
                continue
            text = f"  {inert(problem.rule, limit=300)}: {inert(problem.reason, limit=500)}"
            lines.append(fit(text, width, pad=False))
        if len(elsewhere) > 10:
            lines.append(f"  {len(elsewhere):,} rules for other log sources (--json lists them)")
    return "\n".join(lines).rstrip("\n") + "\n"
