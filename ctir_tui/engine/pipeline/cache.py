"""A Parquet cache of parsed files under the platformdirs cache directory.

One cache entry per set of input paths: ``frame.parquet`` (the normalised rows of every
file, before deduplication) and ``manifest.json`` (each file's identity, size, mtime and
report). A reopen reuses the rows of unchanged files and parses only new or changed ones.
Nothing is ever written next to the evidence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from ctir_tui import __version__, paths
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.schema import EVENT_SCHEMA, FILE_ID

#: Bump when the parsed columns or their meaning change, so old caches are ignored.
CACHE_FORMAT = 4
_FINGERPRINT = f"{CACHE_FORMAT}:{__version__}:{sorted(EVENT_SCHEMA)}"


def entry_dir(roots: list[str], cache_root: Path | None) -> Path:
    """The cache folder for a set of input paths (order does not matter)."""
    digest = hashlib.sha256("\0".join(sorted(roots)).encode()).hexdigest()[:32]
    return (cache_root or paths.cache_dir()) / "loads" / digest


@dataclass(slots=True)
class CachedFile:
    """What the cache remembers of one input."""

    path: str
    member: str | None
    size: int
    mtime_ns: int
    file_id: int
    report: FileReport
    rejected: list[tuple[int, str]]


def read_manifest(folder: Path) -> dict[tuple[str, str | None], CachedFile]:
    """Read a cache entry's manifest; an unreadable or stale one reads as empty."""
    try:
        data: dict[str, Any] = orjson.loads((folder / "manifest.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if data.get("fingerprint") != _FINGERPRINT or not (folder / "frame.parquet").exists():
        return {}
    out: dict[tuple[str, str | None], CachedFile] = {}
    try:
        for entry in data["files"]:
            report = FileReport(**entry["report"])
            cached = CachedFile(
                entry["path"],
                entry["member"],
                entry["size"],
                entry["mtime_ns"],
                entry["file_id"],
                report,
                [(int(i), str(r)) for i, r in entry["rejected"]],
            )
            out[(cached.path, cached.member)] = cached
    except (KeyError, TypeError, ValueError):
        return {}
    return out


def read_rows(folder: Path, file_ids: dict[int, int], cached_files: int) -> pl.DataFrame:
    """Read the cached rows of some files, renumbering their ``file_id`` (old -> new).

    Args:
        folder: The cache entry.
        file_ids: Old -> new ``file_id`` of the files whose rows are reused.
        cached_files: How many files the entry holds (when all are reused, no filter).
    """
    old = pl.Series("old", list(file_ids), dtype=pl.UInt32)
    lf = pl.scan_parquet(folder / "frame.parquet")
    if len(file_ids) < cached_files:
        lf = lf.filter(pl.col(FILE_ID).is_in(old.implode()))
    if any(k != v for k, v in file_ids.items()):
        lf = lf.with_columns(pl.col(FILE_ID).replace_strict(file_ids, return_dtype=pl.UInt32))
    return lf.collect()


def _atomic_write(target: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_entry(folder: Path, frame: pl.DataFrame, files: list[CachedFile]) -> str | None:
    """Write a cache entry atomically. Returns a warning instead of raising on failure."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(
            folder / "frame.parquet",
            lambda p: frame.write_parquet(p, compression="lz4", statistics=False),
        )
        manifest = {
            "fingerprint": _FINGERPRINT,
            "files": [
                {
                    "path": f.path,
                    "member": f.member,
                    "size": f.size,
                    "mtime_ns": f.mtime_ns,
                    "file_id": f.file_id,
                    "report": dataclasses.asdict(f.report),
                    "rejected": f.rejected,
                }
                for f in files
            ],
        }
        _atomic_write(
            folder / "manifest.json", lambda p: Path(p).write_bytes(orjson.dumps(manifest))
        )
    except OSError as exc:
        return f"could not write the cache in {folder}: {exc.strerror or exc}"
    return None
