"""The text store: each record's request, response and additional data, kept on disk.

These are most of a record's bytes and are needed only by free-text search, detections and
analyses that read parameters, so they stay out of the frame: Parquet parts written by the
parsing workers next to the cache (or in a scratch folder that goes away with the process),
scanned lazily and joined to a view by ``file_id`` and ``rec_index``.
"""

from __future__ import annotations

import atexit
import shutil
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from ctir_tui import paths
from ctir_tui.engine.schema import FILE_ID, REC_INDEX, TEXT_SCHEMA

#: The ``file_id`` of rows whose file is no longer part of the load (it changed).
DROPPED: Final = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class TextPart:
    """One part: a Parquet file whose ``file_id`` are positions in ``ids`` (global ids)."""

    path: Path
    ids: tuple[int, ...]


class TextStore:
    """The parts of a load, read lazily."""

    def __init__(self, parts: list[TextPart] | None = None) -> None:
        self.parts: list[TextPart] = list(parts or [])

    def add(self, part: TextPart) -> None:
        """Add a part written by a worker."""
        self.parts.append(part)

    def scan(self, file_ids: Collection[int] | None = None) -> pl.LazyFrame:
        """Every record's texts (or those of ``file_ids``), keyed by the load's ``file_id``
        and ``rec_index``.

        With ``file_ids``, only the parts holding them are read, and inside those only the
        row groups that can hold them. Parts that went missing (a cache cleared under a
        running ctir) are left out.
        """
        wanted = None if file_ids is None else set(file_ids)
        frames = []
        for part in self.parts:
            local = [
                i
                for i, gid in enumerate(part.ids)
                if gid != DROPPED and (wanted is None or gid in wanted)
            ]
            if not local or not part.path.exists():
                continue
            lf = pl.scan_parquet(part.path)
            if len(local) < len(part.ids):
                lf = lf.filter(pl.col(FILE_ID).is_in(local))
            mapping = dict(enumerate(part.ids))
            frames.append(
                lf.with_columns(pl.col(FILE_ID).replace_strict(mapping, return_dtype=pl.UInt32))
            )
        if not frames:
            return pl.LazyFrame(schema=TEXT_SCHEMA)
        return pl.concat(frames, how="vertical")

    def join(self, view: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
        """The texts of the rows of ``view`` (the view's columns kept), lazily.

        For a view in memory, only the parts of its files are read.
        """
        keys = view.lazy().select(FILE_ID, REC_INDEX)
        ids = view.get_column(FILE_ID).unique() if isinstance(view, pl.DataFrame) else None
        return keys.join(
            self.scan(ids.to_list() if ids is not None else None),
            on=[FILE_ID, REC_INDEX],
            how="left",
        )


def scratch_dir() -> Path:
    """A folder for a load that writes no cache; removed when the process ends."""
    folder = paths.cache_dir() / "scratch" / uuid.uuid4().hex
    (folder / "texts").mkdir(parents=True, exist_ok=True)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
