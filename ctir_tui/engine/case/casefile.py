"""The case file: its format, how it is read back (broken or not) and how it is written.

A case file is JSON, UTF-8, one per evidence set, in ``paths.cases_dir()``. Version 1::

    {"format": "ctir-case",
    "version": 1,
    "evidence": ["/abs/path/a", "/abs/path/b"],
    "created": "2026-03-01T10:00:00.000000Z",
    "updated": "2026-03-01T11:30:00.000000Z",
    "notes": "case notes, free text (newlines as \\n)",
    "notes_updated": "2026-03-01T11:30:00.000000Z",
    "events": [
    {"key": "evt-1", "marked": true, "tags": ["malicious"], "note": "…",
     "found_by": ["ip=203.0.113.66"], "updated": "2026-03-01T11:00:00.000000Z"},
    …
    ]}

(each event on one line). ``key`` is the event's ``eventID``, else ``@file_id:rec_index``;
``marked`` whether it is in the case's selection; ``tags`` lower-case words; ``note`` free
text (empty: none); ``found_by`` the filter labels active when it was marked (what found
it); ``updated`` when the entry last changed. Unknown keys are ignored.

Each member and each event sits on its own line so that a truncated or damaged file can
be recovered line by line: :func:`read_case` salvages every line that still parses.
:func:`write_atomic` writes a temporary file and moves it into place with ``os.replace``,
after keeping the previous version as ``NAME.bak``, so the case is never half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson

from ctir_tui.engine.query.marks import check_tag
from ctir_tui.engine.query.values import FilterError, clean, shown

FORMAT: Final = "ctir-case"
VERSION: Final = 1
#: The top-level members written, in order (``events`` comes last).
_HEAD: Final = ("format", "version", "evidence", "created", "updated", "notes", "notes_updated")


@dataclass(slots=True)
class Entry:
    """What the case holds about one event (see the module docstring for each field)."""

    key: str
    marked: bool = False
    tags: list[str] = field(default_factory=list)
    note: str = ""
    found_by: list[str] = field(default_factory=list)
    updated: str = ""

    @property
    def empty(self) -> bool:
        """Nothing is left to keep: not marked, no tag, no note."""
        return not self.marked and not self.tags and not self.note

    def to_json(self) -> dict[str, Any]:
        """The entry as written."""
        return {
            "key": self.key,
            "marked": self.marked,
            "tags": self.tags,
            "note": self.note,
            "found_by": self.found_by,
            "updated": self.updated,
        }


@dataclass(slots=True)
class CaseData:
    """The content of a case file."""

    evidence: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""
    notes: str = ""
    notes_updated: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)


@dataclass(slots=True)
class ReadResult:
    """A case file read back: what could be used, and what was wrong with it.

    Attributes:
        data: The case (everything recovered, when the file was damaged).
        problems: One line per defect; empty when the file was sound.
        whole: The file parsed as JSON (a damaged one was salvaged line by line).
    """

    data: CaseData
    problems: list[str]
    whole: bool


def dump(data: CaseData) -> bytes:
    """The case file's bytes for ``data`` (one member, one event per line)."""
    head: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "evidence": data.evidence,
        "created": data.created,
        "updated": data.updated,
        "notes": data.notes,
        "notes_updated": data.notes_updated,
    }
    lines = [b"{" + b",\n".join(orjson.dumps(k) + b": " + orjson.dumps(head[k]) for k in _HEAD)]
    lines[0] += b',\n"events": ['
    events = [orjson.dumps(e.to_json()) for e in sorted(data.entries.values(), key=_order)]
    body = b",\n".join(events)
    return lines[0] + (b"\n" + body if body else b"") + b"\n]}\n"


def _order(entry: Entry) -> tuple[str, str]:
    return (entry.updated, entry.key)


def read_case(raw: bytes) -> ReadResult:
    """Read a case file, recovering what it can from a damaged one.

    A file that is not JSON (truncated, garbage) is salvaged line by line. A file of
    another format or version, or with values of the wrong type, keeps every event whose
    key is usable; each defect is reported.
    """
    problems: list[str] = []
    try:
        doc = orjson.loads(raw)
        whole = True
    except orjson.JSONDecodeError as exc:
        problems.append(f"not valid JSON ({exc}); recovered what parses, line by line")
        doc = _salvage(raw)
        whole = False
    if not isinstance(doc, dict):
        problems.append(f"expected a JSON object, found {type(doc).__name__}")
        return ReadResult(CaseData(), problems, whole)
    if whole and (doc.get("format") != FORMAT or doc.get("version") != VERSION):
        problems.append(
            f"format {shown(repr(doc.get('format')))} version {shown(repr(doc.get('version')))}"
            f" is not {FORMAT} version {VERSION}; recovered the events that read as version 1"
        )
    data = CaseData()
    for name in ("created", "updated", "notes", "notes_updated"):
        value = doc.get(name, "")
        if isinstance(value, str):
            setattr(data, name, clean(value))
        else:
            problems.append(f"'{name}' is {type(value).__name__}, not text; dropped")
    evidence = doc.get("evidence", [])
    if isinstance(evidence, list) and all(isinstance(p, str) for p in evidence):
        data.evidence = [clean(p) for p in evidence]
    else:
        problems.append("'evidence' is not a list of paths; dropped")
    events = doc.get("events", [])
    if not isinstance(events, list):
        problems.append(f"'events' is {type(events).__name__}, not a list; no event kept")
        events = []
    for index, item in enumerate(events):
        entry = _entry(item, index, problems)
        if entry is not None and not entry.empty:
            data.entries[entry.key] = entry
    return ReadResult(data, problems, whole)


def _entry(item: object, index: int, problems: list[str]) -> Entry | None:
    """One event, its usable fields kept; None when it has no usable key."""
    where = f"event #{index}"
    if not isinstance(item, dict):
        problems.append(f"{where} is {type(item).__name__}, not an object; dropped")
        return None
    key = item.get("key")
    if not isinstance(key, str) or not key.strip():
        problems.append(f"{where} has no key; dropped")
        return None
    entry = Entry(clean(key))
    where = f"event {shown(entry.key)}"
    marked = item.get("marked", False)
    if isinstance(marked, bool):
        entry.marked = marked
    else:
        # An unreadable mark is kept: losing a mark is worse than one too many.
        entry.marked = True
        problems.append(f"{where}: 'marked' is {shown(repr(marked))}, not true/false; kept marked")
    for name in ("note", "updated"):
        value = item.get(name, "")
        if isinstance(value, str):
            setattr(entry, name, clean(value))
        else:
            problems.append(f"{where}: '{name}' is {type(value).__name__}, not text; dropped")
    entry.tags = _words(item.get("tags", []), where, "tags", problems, tag=True)
    entry.found_by = _words(item.get("found_by", []), where, "found_by", problems, tag=False)
    return entry


def _words(value: object, where: str, name: str, problems: list[str], *, tag: bool) -> list[str]:
    if not isinstance(value, list):
        value = [value] if isinstance(value, str) else []
        problems.append(f"{where}: '{name}' is not a list")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            problems.append(f"{where}: {name} value {shown(repr(item))} is not text; dropped")
            continue
        try:
            word = check_tag(item) if tag else clean(item)
        except FilterError as exc:
            problems.append(f"{where}: {exc}; dropped")
            continue
        if word not in out:
            out.append(word)
    return out


def _salvage(raw: bytes) -> dict[str, Any]:
    """Every member and event line of a damaged file that still parses on its own."""
    doc: dict[str, Any] = {"events": []}
    for line in raw.splitlines():
        text = line.strip().removesuffix(b",")
        if not text:
            continue
        # An event line is an object; a member line needs braces; the first line has one.
        candidates = [text, b"{" + text + b"}"]
        if text.startswith(b"{"):
            candidates.append(text + b"}")
        for candidate in candidates:
            try:
                value = orjson.loads(candidate)
            except orjson.JSONDecodeError:
                continue
            if isinstance(value, dict) and "key" in value:
                doc["events"].append(value)
            elif isinstance(value, dict):
                doc.update({k: v for k, v in value.items() if k in _HEAD})
            break
    return doc


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, keeping the previous version as ``NAME.bak``.

    The new content goes to a temporary file in the same folder (flushed to disk) and
    replaces ``path`` with ``os.replace``; the previous file is first hard-linked (or
    copied) to ``NAME.bak``, so at every moment ``path`` holds a whole case.

    Raises:
        OSError: The folder cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        _keep_backup(path)
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def backup_path(path: Path) -> Path:
    """Where the previous version of a case file is kept."""
    return path.with_name(path.name + ".bak")


def _keep_backup(path: Path) -> None:
    bak = backup_path(path)
    temp = path.with_name(path.name + ".bak.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    try:
        os.link(path, temp)
    except OSError:
        temp.write_bytes(path.read_bytes())
    os.replace(temp, bak)
