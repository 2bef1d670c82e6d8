"""The bundle a responder hands over: the case's events, what they mean, and their provenance.

``write_bundle`` fills one folder with:

* ``report.md`` / ``report.html``: the report (:mod:`.report`), as GitHub-flavoured
  Markdown and as one self-contained, printable page;
* ``events.jsonl``: the original records, one per line, in time order, exactly as the
  evidence holds them (a record pretty-printed over several lines is compacted);
* ``timesketch.jsonl``: the same events in Timesketch's JSONL import format
  (:mod:`.timesketch`);
* ``manifest.json``: every input file with its size, modification time and SHA-256,
  ctir's version, the command line, the time, and what was selected;
* ``SHA256SUMS``: the SHA-256 of each of those files, as ``sha256sum -c`` checks it.

Each file is written to a temporary name and moved into place; ``SHA256SUMS`` is written
last, so a bundle with one is whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

import orjson

from ctir_tui import __version__
from ctir_tui.engine.case.document import render_html, render_markdown
from ctir_tui.engine.case.report import KEY, Selection, build_report, with_keys
from ctir_tui.engine.case.store import CaseStore
from ctir_tui.engine.case.timesketch import write_timesketch
from ctir_tui.engine.export.records import write_jsonl
from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.query.case_clauses import MarkedClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.session import Session
from ctir_tui.engine.times import iso_z

FORMAT: Final = "ctir-bundle"
VERSION: Final = 1
SUMS: Final = "SHA256SUMS"
#: The bundle's files (but SHA256SUMS), what each holds.
FILES: Final = {
    "report.md": "the report, GitHub-flavoured Markdown",
    "report.html": "the report, one self-contained page",
    "events.jsonl": "the original records, one per line, in time order",
    "timesketch.jsonl": "the events in Timesketch's JSONL import format",
    "manifest.json": "this file: inputs with their SHA-256, how the bundle was made",
}
_CHUNK: Final = 1 << 20


class BundleError(Exception):
    """The bundle cannot be written where asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class BundleResult:
    """What was written."""

    folder: Path
    events: int
    missing: tuple[str, ...]
    files: tuple[str, ...]


def select(session: Session, case: CaseStore, filters: Filters, *, everything: bool) -> Selection:
    """The events of a bundle: the marked ones (narrowed by ``filters``), or the view.

    Args:
        session: The loaded evidence.
        case: Its case.
        filters: The filters given; with ``everything`` they alone choose the events.
        everything: Export the view of ``filters`` rather than the marks.

    Raises:
        FilterError: A filter cannot be applied.
    """
    marks = case.marks()
    marked = with_keys(session.view(Filters((MarkedClause(),)), case=marks))
    missing = tuple(sorted(marks.marked - set(marked.get_column(KEY).to_list())))
    chosen = filters if everything else Filters((MarkedClause(), *filters.clauses))
    frame = with_keys(session.view(chosen, case=marks))
    return Selection(frame, everything, tuple(filters.labels()), missing)


def prepare_folder(folder: Path, *, force: bool) -> None:
    """Create ``folder``, or accept it empty (any content with ``force``).

    Raises:
        BundleError: It is a file, or not empty without ``force``, or cannot be created.
    """
    if folder.exists() and not folder.is_dir():
        raise BundleError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise BundleError(f"{folder} is not empty (--force writes into it)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BundleError(f"cannot create {folder}: {exc.strerror}") from exc


def write_bundle(
    session: Session,
    case: CaseStore,
    selection: Selection,
    folder: Path,
    *,
    command_line: Sequence[str],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BundleResult:
    """Write the bundle of ``selection`` into ``folder`` (see :func:`prepare_folder`).

    Raises:
        OSError: A file cannot be written, or an evidence file can no longer be read.
        LookupError: An evidence file changed since the load and lost a record.
    """
    created = clock()
    doc = build_report(session, case, selection, created=created, version=__version__)
    _write(folder / "report.md", lambda fh: fh.write(render_markdown(doc).encode()))
    _write(folder / "report.html", lambda fh: fh.write(render_html(doc).encode()))
    _write(folder / "events.jsonl", lambda fh: _jsonl(session, selection, fh))
    skipped = 0

    def timesketch(fh: IO[bytes]) -> None:
        nonlocal skipped
        skipped = write_timesketch(selection.frame, case, fh)

    _write(folder / "timesketch.jsonl", timesketch)
    manifest = _manifest(session, case, selection, created, command_line, skipped)
    _write(folder / "manifest.json", lambda fh: fh.write(manifest))
    names = tuple(FILES)
    sums = "".join(f"{_sha256(folder / name)}  {name}\n" for name in names)
    _write(folder / SUMS, lambda fh: fh.write(sums.encode()))
    return BundleResult(folder, selection.frame.height, selection.missing, (*names, SUMS))


def _write(path: Path, fill: Callable[[IO[bytes]], object]) -> None:
    # Not mkstemp: a bundle is handed over, so its files get the usual (umask) permissions.
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temp, "xb") as fh:
            fill(fh)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _jsonl(session: Session, selection: Selection, fh: IO[bytes]) -> None:
    # Undecodable bytes were read as surrogate escapes: write them back as they were.
    text = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="")
    write_jsonl(session.raw, selection.frame, text, to_terminal=False)
    text.flush()
    text.detach()


def _sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(
    session: Session,
    case: CaseStore,
    selection: Selection,
    created: datetime,
    command_line: Sequence[str],
    timesketch_skipped: int,
) -> bytes:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "ctir_version": __version__,
        "created": iso_z(created),
        "command_line": list(command_line),
        "evidence": case.evidence,
        "case_file": str(case.path),
        "selection": {
            "what": "view" if selection.everything else "marked",
            "filters": list(selection.filters),
            "events": selection.frame.height,
            "marked_not_found": list(selection.missing),
            "timesketch_without_time": timesketch_skipped,
        },
        "load": session.report.to_json(),
        "inputs": _inputs(session),
        "files": FILES,
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _inputs(session: Session) -> list[dict[str, Any]]:
    """Every input file on disk (a zip archive once, with its members), hashed now."""
    report = {f.path: f for f in session.report.files}
    groups: dict[str, list[SourceFile]] = {}
    for source in session.raw.sources:
        groups.setdefault(source.path, []).append(source)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        entries = list(pool.map(lambda item: _input(item[0], item[1], report), groups.items()))
    for f in session.report.files:
        if f.path not in groups and f.path.split("!", 1)[0] not in groups:
            entries.append({"path": f.path, "status": f.status, "reason": f.reason})
    return entries


def _input(path: str, sources: list[SourceFile], report: dict[str, FileReport]) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path}
    try:
        st = os.stat(path)
        entry["size"] = st.st_size
        entry["mtime"] = iso_z(datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC))
        entry["mtime_ns"] = st.st_mtime_ns
        entry["sha256"] = _sha256(path)
    except OSError as exc:
        entry["error"] = f"cannot be read now ({exc.strerror})"
        return entry
    entry["changed_since_load"] = sources[0].current_identity() != sources[0].identity
    members = [s for s in sources if s.member]
    if members:
        entry["members"] = [
            {"name": "!".join(s.member), **_status(report.get(s.display))} for s in members
        ]
    else:
        entry.update(_status(report.get(sources[0].display)))
    return entry


def _status(file: FileReport | None) -> dict[str, Any]:
    if file is None:
        return {}
    out: dict[str, Any] = {"status": file.status, "shape": file.shape, "records": file.records}
    out |= {"reason": file.reason} if file.reason else {}
    out |= {"salvage": file.salvage} if file.salvage else {}
    return out
