"""The case report: what a responder hands over, as a :class:`~.document.Document`.

Sections, in order: the case notes; the timeline of the selected events (marked, or the
view with ``--all``) with their tags and notes; the attacker's identities, source IPs,
access keys and sessions, from those events; their tactic matrix; the filters that found
them; the load report; the coverage of the evidence (time span per account and region).
Everything from a log or a note is plain text in the document; the renderers escape it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.case.attacker import attacker_blocks
from ctir_tui.engine.case.document import Block, Bullets, Document, Heading, Para, Quote, Table
from ctir_tui.engine.case.store import CaseEvent, CaseStore
from ctir_tui.engine.query.marks import mark_key_expr
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.matrix import matrix_counts
from ctir_tui.engine.times import iso_z

KEY: Final = "__key"
#: Rows of the coverage table (account x region) shown at most.
MAX_COVERAGE: Final = 200
#: Events in the report's timeline at most (a bundle of a whole view still holds them all).
MAX_TIMELINE: Final = 5000
#: Rejected records named at most.
MAX_REJECTED: Final = 50
_NOTE_CUT: Final = 80


@dataclass(frozen=True, slots=True)
class Selection:
    """The events a bundle holds and how they were chosen.

    Attributes:
        frame: The events, in time order, with their case key in :data:`KEY`.
        everything: The view (``--all``) rather than the marks.
        filters: Labels of the filters given to the export.
        missing: Marked keys not found in the loaded events.
    """

    frame: pl.DataFrame
    everything: bool
    filters: tuple[str, ...]
    missing: tuple[str, ...]


def with_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each event's case key in the :data:`KEY` column."""
    return frame.with_columns(mark_key_expr().alias(KEY))


def build_report(
    session: Session,
    case: CaseStore,
    selection: Selection,
    *,
    created: datetime,
    version: str,
) -> Document:
    """The report of ``selection``: see the module docstring for its sections."""
    frame = selection.frame
    what = "events of the view" if selection.everything else "marked events"
    shown = ", ".join(selection.filters) if selection.filters else "none"
    blocks: list[Block] = [
        Para("\n".join(session.paths), strong="Evidence:"),
        Para(
            f"{frame.height:,} {what} of {session.frame.height:,} loaded; filters: {shown}. "
            f"Written by ctir {version} at {iso_z(created)}.",
        ),
        Para(str(case.path), strong="Case file:"),
        Heading("Case notes"),
        Quote(case.notes) if case.notes.strip() else Para("No case notes."),
        *_timeline(frame, case, selection),
        *attacker_blocks(frame, session.frame),
        *_tactics(frame, session),
        *_found_by(frame, case, selection),
        *_load_report(session),
        *_coverage(session.frame),
        Heading("Integrity"),
        Para(
            "manifest.json lists every input file with its size, modification time and "
            "SHA-256; SHA256SUMS covers every file of this bundle (check it with "
            "sha256sum -c SHA256SUMS). events.jsonl holds the original records, "
            "timesketch.jsonl the same events for a Timesketch import."
        ),
    ]
    title = "Case report" + (f": {session.paths[0]}" if len(session.paths) == 1 else "")
    return Document(title, tuple(blocks))


def _events(frame: pl.DataFrame) -> list[dict[str, Any]]:
    columns = [
        c.TIME,
        c.EVENT_NAME,
        c.EVENT_SOURCE,
        c.PRINCIPAL,
        c.SOURCE_IP,
        c.RECIPIENT_ACCOUNT_ID,
        c.REGION,
        c.ERROR_CODE,
        c.ERROR_MESSAGE,
        KEY,
    ]
    return frame.select(columns).to_dicts()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _timeline(frame: pl.DataFrame, case: CaseStore, selection: Selection) -> list[Block]:
    header: tuple[str, ...] = ("#", "time (UTC)", "event", "principal", "source IP")
    header += ("account / region", "error", "tags", "note", "key")
    rows: list[tuple[str, ...]] = []
    notes: list[Block] = []
    for number, row in enumerate(_events(frame.head(MAX_TIMELINE)), 1):
        entry = case.get(row[KEY])
        tags = ", ".join(entry.tags) if entry else ""
        note = entry.note if entry else ""
        first = note.strip().splitlines()[0] if note.strip() else ""
        if len(first) > _NOTE_CUT or len(note.strip().splitlines()) > 1:
            first = first[:_NOTE_CUT] + f"… (note {number} below)"
        where = " / ".join(_text(row[k]) for k in (c.RECIPIENT_ACCOUNT_ID, c.REGION) if row[k])
        rows.append(
            (
                str(number),
                iso_z(row[c.TIME]) or "(no time)",
                _text(row[c.EVENT_NAME]),
                _text(row[c.PRINCIPAL]),
                _text(row[c.SOURCE_IP]),
                where,
                ": ".join(_text(row[k]) for k in (c.ERROR_CODE, c.ERROR_MESSAGE) if row[k]),
                tags,
                first,
                _text(row[KEY]),
            )
        )
        if note.strip() and first != note.strip():  # cut in the table: in full below
            notes += _event_note(number, row, entry)
    blocks: list[Block] = [Heading("Timeline")]
    blocks.append(Table(header, tuple(rows)) if rows else Para("No events."))
    if frame.height > MAX_TIMELINE:
        more = frame.height - MAX_TIMELINE
        blocks.append(
            Para(f"… and {more:,} more events, all in events.jsonl and timesketch.jsonl.")
        )
    if notes:
        blocks += [Heading("Notes on the events", 3), *notes]
    if selection.missing:
        blocks += [
            Heading("Marked events not in the loaded evidence", 3),
            Para(
                "These keys are marked in the case but no loaded event has them "
                "(another evidence set, or files that moved):"
            ),
            Bullets(selection.missing),
        ]
    return blocks


def _event_note(number: int, row: dict[str, Any], entry: CaseEvent | None) -> list[Block]:
    assert entry is not None
    title = f"#{number} {iso_z(row[c.TIME]) or '(no time)'} {_text(row[c.EVENT_NAME])}"
    return [Para(f"key {row[KEY]}", strong=title), Quote(entry.note)]


def _tactics(frame: pl.DataFrame, session: Session) -> list[Block]:
    matrix = matrix_counts(frame, session.mapping)
    rows = []
    for tactic in matrix.tactics:
        if not tactic.count:
            continue
        cells = ", ".join(f"{cell.event} ×{cell.count}" for cell in tactic.cells if cell.count)
        rows.append((tactic.name, tactic.id, str(tactic.count), cells))
    unmapped = frame.filter(pl.col(c.TACTICS).list.len() == 0).height
    blocks: list[Block] = [Heading("Tactics (MITRE ATT&CK, the responders' seed table)")]
    if rows:
        blocks.append(Table(("tactic", "id", "events", "cells"), tuple(rows)))
    else:
        blocks.append(Para("None of these events is in the tactic table."))
    blocks.append(Para(f"{unmapped:,} of the {frame.height:,} events map to no tactic."))
    return blocks


def _found_by(frame: pl.DataFrame, case: CaseStore, selection: Selection) -> list[Block]:
    counts: dict[str, int] = {}
    for key in frame.get_column(KEY).to_list():
        entry = case.get(key)
        if entry is None or not entry.marked:
            continue
        label = " and ".join(entry.found_by) if entry.found_by else "(marked with no filter)"
        counts[label] = counts.get(label, 0) + 1
    items = [f"{label}: {n:,} event{'s' if n != 1 else ''}" for label, n in counts.items()]
    blocks: list[Block] = [Heading("How they were found")]
    export = ", ".join(selection.filters) if selection.filters else "none"
    chosen = "the view of those filters" if selection.everything else "the marked events"
    blocks.append(Para(f"This bundle holds {chosen}; filters given to the export: {export}."))
    if items:
        blocks += [Para("The filters in force when each event was marked:"), Bullets(tuple(items))]
    return blocks


def _load_report(session: Session) -> list[Block]:
    report = session.report
    figures = (
        ("files read", report.count("read")),
        ("files skipped", report.count("skipped")),
        ("files failed", report.count("failed")),
        ("records seen", report.records_seen),
        ("events loaded", report.loaded),
        ("duplicates dropped", report.duplicates),
        ("records rejected", report.rejected),
        ("events without a time", report.no_time),
    )
    blocks: list[Block] = [
        Heading("Load report"),
        Table(("", "count"), tuple((name, f"{n:,}") for name, n in figures)),
    ]
    if not report.reconciles:
        blocks.append(Para("The figures do not reconcile: records were lost.", strong="Warning:"))
    problems = [
        f"{f.status}: {f.path}: {f.reason or ''}" for f in report.files if f.status != "read"
    ]
    problems += [f"salvaged: {f.path}: {f.salvage}" for f in report.files if f.salvage]
    problems += [
        f"rejected: {r.path} #{r.index}: {r.reason}" for r in report.rejected_details[:MAX_REJECTED]
    ]
    if problems:
        blocks += [Heading("Files and records not loaded whole", 3), Bullets(tuple(problems))]
    return blocks


def _coverage(frame: pl.DataFrame) -> list[Block]:
    spans = (
        frame.lazy()
        .group_by(
            pl.col(c.RECIPIENT_ACCOUNT_ID).cast(pl.String).fill_null("(none)").alias("account"),
            pl.col(c.REGION).cast(pl.String).fill_null("(none)").alias("region"),
        )
        .agg(
            pl.len().alias("n"),
            pl.col(c.TIME).min().alias("first"),
            pl.col(c.TIME).max().alias("last"),
        )
        .sort("account", "region")
        .collect()
    )
    rows = tuple(
        (account, region, f"{n:,}", iso_z(first) or "-", iso_z(last) or "-")
        for account, region, n, first, last in spans.head(MAX_COVERAGE).iter_rows()
    )
    blocks: list[Block] = [
        Heading("Coverage of the evidence"),
        Table(("account", "region", "events", "first", "last"), rows),
    ]
    if spans.height > MAX_COVERAGE:
        blocks.append(Para(f"… and {spans.height - MAX_COVERAGE:,} more account/region pairs."))
    categories = _categories(frame)
    if categories:
        blocks.append(Para(categories, strong="Event categories:"))
    return blocks


def _categories(frame: pl.DataFrame) -> str:
    counts = (
        frame.group_by(pl.col(c.EVENT_CATEGORY).cast(pl.String).fill_null("(none)"))
        .len()
        .sort(c.EVENT_CATEGORY)
    )
    parts: Sequence[str] = [f"{name} {n:,}" for name, n in counts.iter_rows()]
    text = ", ".join(parts)
    if frame.height and "Data" not in {name for name, _ in counts.iter_rows()}:
        text += (
            " (no data events: trails record them only when asked, so S3 object and "
            "Lambda calls may be missing)"
        )
    return text
