"""``ctir case``: the case of an evidence set, without the explorer, and the bundle.

``ctir case export PATH... -o DIR [--all] [--force] [FILTERS]``   write the bundle
``ctir case show PATH... [--json]``                               the notes and the events
``ctir case notes PATH... [--key KEY] [--set T|--append T|--clear|--edit]``
``ctir case mark PATH... [FILTERS] [--key KEY]... [--add-tag W]... [--note T]``
``ctir case unmark PATH... [FILTERS] [--key KEY]... [--remove-tag W]...``
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from ctir_tui.cli.common import (
    Parser,
    UsageError,
    add_common,
    command_view,
    err,
    inside,
    open_case,
    open_session,
    session_filters,
)
from ctir_tui.engine import schema as c
from ctir_tui.engine.case.bundle import BundleError, prepare_folder, select, write_bundle
from ctir_tui.engine.case.report import KEY, with_keys
from ctir_tui.engine.case.store import CaseEvent, CaseStore
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.engine.query.marks import check_tag
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.times import iso_z
from ctir_tui.text import inert

NAME = "case"
HELP = "The case (marks, tags, notes) of an evidence set, and the bundle to hand over."
ACTIONS = ("export", "show", "notes", "mark", "unmark")


def build_parser(prog: str) -> argparse.ArgumentParser:
    """``ctir case ACTION ...``: one sub-parser per action."""
    parser = Parser(prog=prog, description=HELP)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, text: str, *, filters: bool = True) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(
            name, help=text, description=text, prog=f"{prog} {name}"
        )
        if filters:
            add_common(sub, paths_required=True)
        else:
            sub.add_argument("paths", nargs="+", metavar="PATH", help="the evidence paths")
        return sub

    export = action(
        "export",
        "Write the bundle: report.md, report.html, events.jsonl, timesketch.jsonl, "
        "manifest.json, SHA256SUMS. The marked events (narrowed by FILTERS), or the view.",
    )
    export.add_argument("-o", "--output", metavar="DIR", required=True, help="the bundle folder")
    export.add_argument(
        "--all", action="store_true", help="export the view of FILTERS instead of the marks"
    )
    export.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    show = action("show", "The case file, its notes and every event it marks, tags or notes.")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    notes = action("notes", "Print or change the case's notes, or an event's.", filters=False)
    notes.add_argument("--key", metavar="KEY", help="an event's note instead (its key)")
    change = notes.add_mutually_exclusive_group()
    change.add_argument("--set", metavar="TEXT", help="replace the notes")
    change.add_argument("--append", metavar="TEXT", help="add a paragraph")
    change.add_argument("--clear", action="store_true", help="remove the notes")
    change.add_argument("--edit", action="store_true", help="edit them in $VISUAL/$EDITOR")
    notes.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
    mark = action("mark", "Mark the events of FILTERS and/or --key; tag them, note them.")
    mark.add_argument("--key", metavar="KEY", action="append", default=[], help="an event key")
    mark.add_argument("--add-tag", metavar="WORD", action="append", default=[], help="tag them")
    mark.add_argument(
        "--note", metavar="TEXT", help="note them (after the note an event already has)"
    )
    unmark = action("unmark", "Unmark the events of FILTERS and/or --key (tags, notes stay).")
    unmark.add_argument("--key", metavar="KEY", action="append", default=[], help="an event key")
    unmark.add_argument(
        "--remove-tag",
        metavar="WORD",
        action="append",
        default=[],
        help="remove this tag instead of the mark",
    )
    return parser


def configure(parser: argparse.ArgumentParser) -> None:
    """Unused: :func:`build_parser` builds this command's parser."""


def run(ns: argparse.Namespace) -> int:
    """Run the action."""
    handlers = {"export": _export, "show": _show, "notes": _notes, "mark": _mark}
    return handlers.get(ns.action, _unmark)(ns)


# --- export -------------------------------------------------------------------------


def _export(ns: argparse.Namespace) -> int:
    folder = Path(ns.output)
    if inside(folder, ns.paths) or inside(folder / "report.md", ns.paths):
        raise UsageError(
            f"refusing to write {ns.output} inside the evidence ({', '.join(ns.paths)}): "
            "evidence is read-only; choose another -o"
        )
    try:
        prepare_folder(folder, force=ns.force)
    except BundleError as exc:
        raise UsageError(str(exc)) from exc
    session = open_session(ns)
    case = open_case(ns)
    try:
        selection = select(session, case, session_filters(ns, session), everything=ns.all)
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc
    result = write_bundle(session, case, selection, folder, command_line=ns.command_line)
    one, many = (
        ("event of the view", "events of the view") if ns.all else ("marked event", "marked events")
    )
    err(f"wrote {plural(result.events, one, many)} to {folder} ({', '.join(result.files)})")
    if result.missing:
        err(f"warning: {len(result.missing):,} marked events are not in the loaded evidence")
    if not result.events:
        err("warning: the bundle holds no event (mark some, or use --all)")
    return 0


# --- show ---------------------------------------------------------------------------


def _described(session: Session, case: CaseStore) -> pl.DataFrame:
    keys = pl.lit(pl.Series(sorted(e.key for e in case.entries()), dtype=pl.String)).implode()
    return with_keys(session.frame).filter(pl.col(KEY).is_in(keys))


def _show(ns: argparse.Namespace) -> int:
    session = open_session(ns)
    case = open_case(ns)
    frame = _described(session, case)
    found = {row[KEY]: row for row in frame.iter_rows(named=True)}
    entries = case.entries()
    order = {key: i for i, key in enumerate(frame.get_column(KEY).to_list())}
    entries.sort(key=lambda e: (order.get(e.key, len(order)), e.key))
    if ns.json:
        data = {
            "case_file": str(case.path),
            "evidence": case.evidence,
            "notes": case.notes,
            "tags": case.tags(),
            "events": [_event_json(e, found.get(e.key)) for e in entries],
        }
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    marked = sum(1 for e in entries if e.marked)
    lines = [
        f"case file   {inert(case.path)}",
        f"events      {marked:,} marked, {len(entries) - marked:,} only tagged or noted",
        "tags        " + (", ".join(f"{t} ({n:,})" for t, n in case.tags().items()) or "-"),
        "",
        "notes",
    ]
    lines += [f"  {inert(line)}" for line in case.notes.splitlines()] or ["  -"]
    lines += ["", "events"]
    for entry in entries:
        row = found.get(entry.key)
        what = (
            f"{iso_z(row[c.TIME]) or '(no time)'}  {inert(row[c.EVENT_NAME])}  "
            f"{inert(row[c.PRINCIPAL])}"
            if row
            else "(not in the loaded evidence)"
        )
        flag = "*" if entry.marked else " "
        tags = f"  [{', '.join(entry.tags)}]" if entry.tags else ""
        lines.append(f"{flag} {inert(entry.key)}  {what}{tags}")
        lines += [f"      {inert(line)}" for line in entry.note.splitlines()]
    if not entries:
        lines.append("  -")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _event_json(entry: CaseEvent, row: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": entry.key,
        "marked": entry.marked,
        "tags": list(entry.tags),
        "note": entry.note,
        "found_by": list(entry.found_by),
        "updated": entry.updated,
        "found": row is not None,
    }
    if row is not None:
        out |= {
            "time": iso_z(row[c.TIME]),
            "event_name": row[c.EVENT_NAME],
            "principal": row[c.PRINCIPAL],
        }
    return out


# --- notes --------------------------------------------------------------------------


def _notes(ns: argparse.Namespace) -> int:
    case = open_case(ns)
    if ns.key is not None:
        _check_keys(open_session(ns), [ns.key])
    current = case.note(ns.key) if ns.key is not None else case.notes
    if ns.edit:
        text = _edit(current)
    elif ns.set is not None:
        text = ns.set
    elif ns.append is not None:
        text = f"{current.rstrip()}\n\n{ns.append}" if current.strip() else ns.append
    elif ns.clear:
        text = ""
    else:
        sys.stdout.write(inert(current, limit=None, single_line=False).rstrip("\n") + "\n")
        return 0
    if ns.key is not None:
        case.set_note(ns.key, text)
    else:
        case.set_notes(text)
    err(f"saved {case.path}")
    return 0


def _edit(text: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="ctir-notes-") as folder:
        path = Path(folder) / "notes.md"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        if done.returncode != 0:
            raise UsageError(f"the editor ({editor}) exited with {done.returncode}; not saved")
        return path.read_text(encoding="utf-8")


# --- mark, unmark -------------------------------------------------------------------


def _check_keys(session: Session, keys: list[str]) -> None:
    if not keys:
        return
    wanted = pl.lit(pl.Series(keys, dtype=pl.String)).implode()
    known = set(with_keys(session.frame).filter(pl.col(KEY).is_in(wanted)).get_column(KEY))
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise UsageError(f"no loaded event has the key {', '.join(unknown[:5])}")


def _chosen(ns: argparse.Namespace, session: Session, case: CaseStore) -> tuple[list[str], Any]:
    filters = session_filters(ns, session)
    if not filters.clauses and not ns.key:
        raise UsageError(f"say which events: FILTERS or --key (see ctir case {ns.action} --help)")
    _check_keys(session, ns.key)
    keys = list(ns.key)
    if filters.clauses:
        view = with_keys(command_view(ns, session, case=case))
        keys += [k for k in view.get_column(KEY).to_list() if k not in keys]
    return keys, filters


def _mark(ns: argparse.Namespace) -> int:
    session = open_session(ns)
    case = open_case(ns)
    keys, filters = _chosen(ns, session, case)
    given = set(ns.key)
    case.autosave = False
    try:
        tags = [check_tag(t) for t in ns.add_tag]
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc
    newly = 0
    for key in keys:
        newly += case.mark(key, found_by=() if key in given else filters.labels())
        for tag in tags:
            case.tag(key, tag)
        if ns.note is not None:
            # Added after a note the event already has: a note is never lost to another.
            before = case.note(key)
            if not before:
                note = ns.note
            elif ns.note in before:  # said already
                note = before
            else:
                note = f"{before}\n\n{ns.note}"
            case.set_note(key, note)
    case.save()
    err(f"marked {plural(len(keys), 'event')} ({newly:,} newly); case: {case.path}")
    return 0


def _unmark(ns: argparse.Namespace) -> int:
    session = open_session(ns)
    case = open_case(ns)
    keys, _filters = _chosen(ns, session, case)
    case.autosave = False
    changed = 0
    for key in keys:
        if ns.remove_tag:
            changed += sum(case.untag(key, tag) for tag in ns.remove_tag) > 0
        else:
            changed += case.unmark(key)
    case.save()
    what = f"removed {', '.join(ns.remove_tag)} from" if ns.remove_tag else "unmarked"
    err(f"{what} {changed:,} of {len(keys):,} events; case: {case.path}")
    return 0
