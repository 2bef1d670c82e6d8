"""The parse cache under the platformdirs cache directory: trusted only once verified.

One entry per set of input paths; inside it, generations: ``gen-<id>/`` holds the parsed
rows of every file (``frame.parquet``, before deduplication), the text store's parts and a
manifest (each file's identity, report and row count); the small file ``current`` names the
generation in use and is replaced atomically, last. A kill at any moment leaves the old
generation in use; a full disk leaves the load whole (the cache is just not written).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
import polars as pl

from ctir_tui import __version__, paths
from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.pipeline.texts import TextPart
from ctir_tui.engine.schema import EVENT_SCHEMA, FILE_ID

#: Bump when the parsed columns or their meaning change, so old caches are ignored.
CACHE_FORMAT: Final = 7
_FINGERPRINT: Final = (
    f"{CACHE_FORMAT}:{__version__}:{pl.__version__}:"
    + hashlib.sha256(
        repr(sorted((k, str(v)) for k, v in EVENT_SCHEMA.items())).encode()
    ).hexdigest()[:16]
)
_CURRENT: Final = "current"


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


#: The texts of a manifest entry that can hold any bytes of a name (a path, a member of an
#: archive, the reasons quoting them), and of its report.
_REPORT_TEXTS: Final = ("path", "shape", "reason", "salvage", "note")


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


def _escape_entry(entry: dict[str, Any]) -> dict[str, Any]:
    fields = dataclasses.asdict(entry["report"])
    return {
        **entry,
        "path": _escaped(entry["path"]),
        "member": [_escaped(m) for m in entry["member"]],
        "report": {
            k: _escaped(v) if k in _REPORT_TEXTS and isinstance(v, str) else v
            for k, v in fields.items()
        },
        "rejected": [(i, _escaped(r)) for i, r in entry["rejected"]],
    }


def _unescape_entry(entry: dict[str, Any]) -> dict[str, Any]:
    report = entry["report"]
    return {
        **entry,
        "path": _unescaped(entry["path"]),
        "member": [_unescaped(m) for m in entry["member"]],
        "report": {
            k: _unescaped(v) if k in _REPORT_TEXTS and v is not None else v
            for k, v in report.items()
        },
        "rejected": [(i, _unescaped(r)) for i, r in entry["rejected"]],
    }


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
        if data.get("fingerprint") != _FINGERPRINT:
            return None, None  # another version's cache: silently rebuilt
        files: dict[tuple[str, tuple[str, ...]], CachedFile] = {}
        escaped = data.get("escaped") is True
        for item in data["files"]:
            if escaped:
                item = _unescape_entry(item)
            source = SourceFile(item["path"], tuple(item["member"]), *item["identity"])
            cached = CachedFile(
                source,
                int(item["file_id"]),
                FileReport(**item["report"]),
                [(int(i), str(r)) for i, r in item["rejected"]],
                int(item["rows"]),
            )
            files[source.key] = cached
        texts = [
            TextPart(folder / t["file"], tuple(int(i) for i in t["ids"])) for t in data["texts"]
        ]
        if not (folder / "frame.parquet").exists():
            raise ValueError("frame.parquet is missing")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"the cache in {folder} could not be read ({exc}); parsing again"
    return Generation(folder, files, texts), None


def read_rows(generation: Generation, file_ids: dict[int, int]) -> pl.DataFrame:
    """Read the cached rows of some files, renumbering their ``file_id`` (old -> new).

    Raises:
        ValueError: The rows do not match the manifest (schema or counts): discard the cache.
    """
    lf = pl.scan_parquet(generation.folder / "frame.parquet")
    if len(file_ids) < len(generation.files):
        lf = lf.filter(pl.col(FILE_ID).is_in(list(file_ids)))
    try:
        frame = lf.collect()
    except Exception as exc:  # Polars raises several kinds for a damaged file
        raise ValueError(f"frame.parquet is damaged ({type(exc).__name__})") from exc
    if dict(frame.schema) != EVENT_SCHEMA:
        raise ValueError("frame.parquet has other columns than this version's")
    counts = dict(frame.get_column(FILE_ID).value_counts().iter_rows())
    want = {f.file_id: f.rows for f in generation.files.values() if f.file_id in file_ids}
    if counts != {k: v for k, v in want.items() if v}:
        raise ValueError("frame.parquet does not hold the rows its manifest lists")
    if any(k != v for k, v in file_ids.items()):
        frame = frame.with_columns(pl.col(FILE_ID).replace_strict(file_ids, return_dtype=pl.UInt32))
    return frame


def new_generation(entry: Path) -> Path:
    """A fresh folder for a generation being written (not in use until committed)."""
    folder = entry / f"gen-{uuid.uuid4().hex[:12]}"
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    return folder


def commit(
    entry: Path,
    folder: Path,
    frame: pl.DataFrame,
    files: list[CachedFile],
    texts: list[TextPart],
) -> str | None:
    """Write the rows and the manifest, then make the generation current; older ones go.

    Returns:
        A warning when the cache could not be written (the load itself is not affected).
    """
    try:
        tmp = folder / "frame.parquet.tmp"
        frame.write_parquet(tmp, compression="lz4", statistics=False)
        os.replace(tmp, folder / "frame.parquet")
        entries: list[dict[str, Any]] = [
            {
                "path": f.source.path,
                "member": list(f.source.member),
                "identity": list(f.source.identity),
                "file_id": f.file_id,
                "report": f.report,  # orjson writes a dataclass itself, ten times faster
                "rejected": f.rejected,
                "rows": f.rows,
            }
            for f in files
        ]
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
