"""The parse cache under the platformdirs cache directory: trusted only once verified.

One entry per set of input paths; inside it, generations: ``gen-<id>/`` holds the rows of
every file as the load ended (``frame.parquet``: in order, re-delivered copies dropped,
conflicting ones flagged), the copies it dropped (``dropped.parquet``, as parsed), the text
store's parts and a manifest (each file's identity, report and row count); the small file
``current`` names the generation in use and is replaced atomically, last. A kill at any
moment leaves the old generation in use; a full disk leaves the load whole (the cache is
just not written).

A reopen of the same inputs takes the rows as they are: no sort, no search for copies, no
copy of the rows (the frame is one row group, so it is read as one chunk). When some inputs
changed, the rows of the others are put back as parsed (copies returned, flags of the
search removed) and the load sorts and searches again, as over fresh rows.

On read-back the generation is checked: its format, its schema, and the rows of every file
against the manifest. Anything odd (truncated, bit-flipped, mismatched, another version's)
discards it with a warning, and the load parses the files again. A file's identity is its
size, modification time, change time and inode: a file swapped for another with the same
size and mtime has a new ctime, and is parsed again.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
import polars as pl

from ctir_tui import __version__, paths
from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.pipeline.texts import TextPart
from ctir_tui.engine.schema import EVENT_ID, EVENT_SCHEMA, FILE_ID, REC_INDEX, REQUEST_ID

#: Bump when the parsed columns or their meaning change, so old caches are ignored.
CACHE_FORMAT: Final = 9
_FINGERPRINT: Final = (
    f"{CACHE_FORMAT}:{__version__}:{pl.__version__}:"
    + hashlib.sha256(
        repr(sorted((k, str(v)) for k, v in EVENT_SCHEMA.items())).encode()
    ).hexdigest()[:16]
)
_CURRENT: Final = "current"
_ROWS: Final = "frame.parquet"
_IDS: Final = "ids.parquet"
_DROPPED: Final = "dropped.parquet"
#: Kept apart from the other columns, in row groups of this many rows (see :func:`commit`).
_ID_COLUMNS: Final = (EVENT_ID, REQUEST_ID)
_ID_GROUP: Final = 1 << 17
#: The columns of ``frame.parquet``: all but those.
_OTHER_COLUMNS: Final = tuple(n for n in EVENT_SCHEMA if n not in _ID_COLUMNS)
#: What names a row (its file and its place there): both row files hold it, to line up.
_ROW_KEY: Final = (FILE_ID, REC_INDEX)


def entry_dir(roots: list[str], cache_root: Path | None) -> Path:
    """The cache folder for a set of input paths (order does not matter)."""
    joined = b"\0".join(sorted(os.fsencode(r) for r in roots))
    digest = hashlib.sha256(joined).hexdigest()[:32]
    return (cache_root or paths.cache_dir()) / "loads" / digest


@dataclass(slots=True)
class CachedFile:
    """What the cache remembers of one input."""

    source: SourceFile
    file_id: int
    report: FileReport
    rejected: list[tuple[int, str]]
    rows: int


@dataclass(slots=True)
class Generation:
    """A verified generation: its files, its rows and its text parts."""

    folder: Path
    files: dict[tuple[str, tuple[str, ...]], CachedFile]
    texts: list[TextPart]


#: A manifest entry is one array per file, its fields in this order (an object per file
#: took twice the bytes and 1.0 s to read for 100,000 files; this 0.6 s). The report's
#: fields follow ``path``..``rows``; its path is null when it is the file's own.
_FILE_FIELDS: Final = (
    "path", "member", "size", "mtime_ns", "ctime_ns", "inode", "file_id", "rows", "rejects",
)  # fmt: skip
_REPORT_AT: Final = len(_FILE_FIELDS)
_FIELDS: Final = (*_FILE_FIELDS, *(f"report.{f.name}" for f in dataclasses.fields(FileReport)))
_AT: Final = {name: at for at, name in enumerate(_FIELDS)}
#: The fields that can hold any bytes of a name (a path, the reasons quoting them).
_TEXTS: Final = (
    "path", "report.path", "report.shape", "report.reason", "report.salvage", "report.note",
)  # fmt: skip
_TEXTS_AT: Final = tuple(_AT[name] for name in _TEXTS)


def _entry(cached: CachedFile) -> list[Any]:
    source, report = cached.source, cached.report
    fields = [getattr(report, f.name) for f in dataclasses.fields(FileReport)]
    if fields[0] == source.path:
        fields[0] = None
    return [
        source.path, list(source.member), *source.identity, cached.file_id, cached.rows,
        cached.rejected, *fields,
    ]  # fmt: skip


def _cached(entry: list[Any]) -> CachedFile:
    """A manifest entry read back, every field of the type it was written with.

    Raises:
        ValueError, TypeError: The entry is not one this version writes (a damaged cache).
    """
    _check_shape(entry)
    path, member, size, mtime_ns, ctime_ns, inode, file_id, rows, rejects = entry[:_REPORT_AT]
    report_path, status, shape, reason, records, rejected, salvage, note = entry[_REPORT_AT:]
    # Sets of types: a tenth of the time of a check per value, for 100,000 entries.
    numbers = {type(v) for v in (size, mtime_ns, ctime_ns, inode, file_id, rows, records, rejected)}
    notes = {type(v) for v in (report_path, shape, reason, salvage, note)}
    if (
        numbers != _INT
        or not notes <= _TEXT_OR_NULL
        or type(path) is not str
        or status not in _STATUSES
        or (member and {type(m) for m in member} != _TEXT)
        or (rejects and {type(r) for _, r in rejects} != _TEXT)
    ):
        raise TypeError("a manifest entry holds a value of the wrong type")
    report = FileReport(
        report_path or path, status, shape, reason, records, rejected, salvage, note
    )
    source = SourceFile(path, tuple(member), size, mtime_ns, ctime_ns, inode)
    return CachedFile(source, file_id, report, [(int(i), r) for i, r in rejects], rows)


_INT: Final = {int}
_TEXT: Final = {str}
_TEXT_OR_NULL: Final = {str, type(None)}
_STATUSES: Final = frozenset(("read", "skipped", "failed"))


def _check_shape(entry: Any) -> None:
    if not isinstance(entry, list) or len(entry) != len(_FIELDS):
        raise ValueError("a manifest entry has other fields than this version's")
    if not isinstance(entry[_AT["member"]], list) or not isinstance(entry[_AT["rejects"]], list):
        raise TypeError("a manifest entry's lists are not lists")


def _escaped(text: str) -> str | dict[str, str]:
    """A text as JSON can hold it: itself, or (a name's bytes that are not UTF-8, decoded
    with surrogates) its bytes in base64."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return {"b64": base64.b64encode(text.encode("utf-8", "surrogateescape")).decode()}
    return text


def _unescaped(value: Any) -> str:
    if isinstance(value, dict):
        return base64.b64decode(value["b64"], validate=True).decode("utf-8", "surrogateescape")
    if not isinstance(value, str):
        raise TypeError(f"a text was expected, not {type(value).__name__}")
    return value


def _escape_entry(entry: list[Any]) -> list[Any]:
    return _each_text(entry, _escaped)


def _unescape_entry(entry: list[Any]) -> list[Any]:
    _check_shape(entry)
    return _each_text(entry, _unescaped)


def _each_text(entry: list[Any], change: Callable[[Any], Any]) -> list[Any]:
    """A copy of ``entry`` with ``change`` applied to each of its texts that is not null."""
    out = list(entry)
    for at in _TEXTS_AT:
        if out[at] is not None:
            out[at] = change(out[at])
    out[_AT["member"]] = [change(m) for m in out[_AT["member"]]]
    out[_AT["rejects"]] = [(i, change(r)) for i, r in out[_AT["rejects"]]]
    return out


def read_generation(entry: Path) -> tuple[Generation | None, str | None]:
    """The generation in use, if it is there and sound.

    Returns:
        The generation (None when there is none, or it was discarded) and a warning when
        one was found but could not be trusted.
    """
    try:
        name = (entry / _CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None, None
    folder = entry / name
    try:
        data: dict[str, Any] = orjson.loads((folder / "manifest.json").read_bytes())
        if not isinstance(data, dict):
            raise TypeError("the manifest is not an object")
        if data.get("fingerprint") != _FINGERPRINT:
            return None, None  # another version's cache: silently rebuilt
        files: dict[tuple[str, tuple[str, ...]], CachedFile] = {}
        escaped = data.get("escaped") is True
        for item in data["files"]:
            cached = _cached(_unescape_entry(item) if escaped else item)
            files[cached.source.key] = cached
        texts = [
            TextPart(folder / t["file"], tuple(int(i) for i in t["ids"])) for t in data["texts"]
        ]
        for rows in (_ROWS, _IDS, _DROPPED):
            if not (folder / rows).exists():
                raise ValueError(f"{rows} is missing")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"the cache in {folder} could not be read ({exc}); parsing again"
    return Generation(folder, files, texts), None


@dataclass(slots=True)
class CachedRows:
    """The rows the cache holds of some files."""

    #: As the load that wrote them ended: in order, copies dropped, conflicts flagged.
    kept: pl.DataFrame
    #: The re-delivered copies that load dropped, as parsed.
    dropped: pl.DataFrame


def read_rows(generation: Generation, file_ids: dict[int, int]) -> CachedRows:
    """Read the cached rows of some files, renumbering their ``file_id`` (old -> new).

    Raises:
        ValueError: The rows do not match the manifest (schema or counts): discard the cache.
    """
    some = file_ids if len(file_ids) < len(generation.files) else None
    folder = generation.folder
    kept = _read(folder / _ROWS, some, list(_OTHER_COLUMNS))
    ids = _read(folder / _IDS, some, [*_ROW_KEY, *_ID_COLUMNS]).rechunk()
    if not ids.select(_ROW_KEY).equals(kept.select(_ROW_KEY)):
        raise ValueError(f"{_IDS} does not line up with {_ROWS}")
    kept = kept.hstack(ids.drop(_ROW_KEY).get_columns()).select(list(EVENT_SCHEMA))
    dropped = _read(folder / _DROPPED, some, list(EVENT_SCHEMA))
    counts = pl.concat([kept.select(FILE_ID), dropped.select(FILE_ID)]).get_column(FILE_ID)
    found = dict(counts.value_counts().iter_rows())
    want = {f.file_id: f.rows for f in generation.files.values() if f.file_id in file_ids}
    if found != {k: v for k, v in want.items() if v}:
        raise ValueError(f"{_ROWS} does not hold the rows its manifest lists")
    if any(k != v for k, v in file_ids.items()):
        renumber = pl.col(FILE_ID).replace_strict(file_ids, return_dtype=pl.UInt32)
        kept, dropped = kept.with_columns(renumber), dropped.with_columns(renumber)
    return CachedRows(kept, dropped)


def _read(path: Path, file_ids: dict[int, int] | None, columns: list[str]) -> pl.DataFrame:
    """One of the generation's row files (the rows of some files only, if given)."""
    lf = pl.scan_parquet(path)
    if file_ids is not None:
        lf = lf.filter(pl.col(FILE_ID).is_in(list(file_ids)))
    try:
        frame = lf.collect()
    except Exception as exc:  # Polars raises several kinds for a damaged file
        raise ValueError(f"{path.name} is damaged ({type(exc).__name__})") from exc
    if dict(frame.schema) != {name: EVENT_SCHEMA[name] for name in columns}:
        raise ValueError(f"{path.name} has other columns than this version's")
    return frame


def new_generation(entry: Path) -> Path:
    """A fresh folder for a generation being written (not in use until committed)."""
    folder = entry / f"gen-{uuid.uuid4().hex[:12]}"
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    return folder


def commit(
    entry: Path,
    folder: Path,
    rows: CachedRows,
    files: list[CachedFile],
    texts: list[TextPart],
) -> str | None:
    """Write the rows and the manifest, then make the generation current; older ones go.

    Returns:
        A warning when the cache could not be written (the load itself is not affected).
    """
    try:
        # The rows are read back as one chunk, as the load left them, when their file is
        # one row group: in eight, a reopen copied every column into one (a million
        # events: 0.1 s and 210 MB). Written whole, a column is encoded at once, which for
        # the two long unique texts held 2.4 times their size (~160 MB of 1M events at the
        # load's peak): they go in a file of smaller groups, put into one chunk on reading.
        files_of_rows = (
            (_ROWS, rows.kept.select(_OTHER_COLUMNS), max(rows.kept.height, 1)),
            (_IDS, rows.kept.select(*_ROW_KEY, *_ID_COLUMNS), _ID_GROUP),
            (_DROPPED, rows.dropped, max(rows.dropped.height, 1)),
        )
        for name, frame, group in files_of_rows:
            tmp = folder / f"{name}.tmp"
            frame.write_parquet(tmp, compression="lz4", statistics=False, row_group_size=group)
            os.replace(tmp, folder / name)
        entries = [_entry(f) for f in files]
        manifest: dict[str, Any] = {
            "fingerprint": _FINGERPRINT,
            "files": entries,
            "texts": [
                {"file": str(part.path.relative_to(folder)), "ids": list(part.ids)}
                for part in texts
            ],
        }
        try:
            written = orjson.dumps(manifest)
        except TypeError:  # a name whose bytes are not UTF-8 (a hostile file or member)
            manifest["escaped"] = True
            manifest["files"] = [_escape_entry(entry) for entry in entries]
            written = orjson.dumps(manifest)
        (folder / "manifest.json").write_bytes(written)
        pointer = entry / f"{_CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
        pointer.write_text(folder.name, encoding="utf-8")
        os.replace(pointer, entry / _CURRENT)
    except (OSError, pl.exceptions.ComputeError) as exc:
        strerror = getattr(exc, "strerror", None) or str(exc)
        discard(folder)
        return f"could not write the cache in {entry}: {strerror}"
    for old in entry.iterdir():
        if old.is_dir() and old.name.startswith("gen-") and old != folder:
            discard(old)
    return None


def adopt(part: TextPart, folder: Path) -> TextPart:
    """Bring a text part of an older generation into ``folder`` (a hard link when it can)."""
    target = folder / "texts" / f"kept-{uuid.uuid4().hex[:8]}.parquet"
    try:
        os.link(part.path, target)
    except OSError:
        shutil.copyfile(part.path, target)
    return TextPart(target, part.ids)


def discard(folder: Path) -> None:
    """Remove a generation folder (best effort)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)
