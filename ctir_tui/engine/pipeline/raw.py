"""Read an event's original record back from its source file, exactly as written.

Records are not kept in memory: each row's ``file_id`` and ``rec_index`` locate it, and the
file is re-read on demand. The few most recently used files stay decoded, so walking the
event list (where neighbours usually share a file) does not re-read a file per row.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

import orjson
import polars as pl

from ctir_tui.engine.pipeline.discover import SourceFile, read_source
from ctir_tui.engine.pipeline.inflate import decompress
from ctir_tui.engine.readers.registry import parse_bytes
from ctir_tui.engine.schema import FILE_ID, REC_INDEX

_CACHE_FILES = 16


class RawStore:
    """Exact original texts of loaded events, read lazily from the evidence files."""

    def __init__(self, sources: Sequence[SourceFile]) -> None:
        self._sources = list(sources)
        self._lock = threading.Lock()
        self._files: OrderedDict[int, list[str | None]] = OrderedDict()

    def _texts(self, file_id: int) -> list[str | None]:
        with self._lock:
            hit = self._files.get(file_id)
            if hit is not None:
                self._files.move_to_end(file_id)
                return hit
        texts = self._read(file_id)
        with self._lock:
            self._files[file_id] = texts
            while len(self._files) > _CACHE_FILES:
                self._files.popitem(last=False)
        return texts

    def _read(self, file_id: int) -> list[str | None]:
        data, _error = decompress(read_source(self._sources[file_id]))
        parsed = parse_bytes(data, want_raw=True)
        return [
            item.raw
            if item.raw is not None
            else (orjson.dumps(item.record).decode() if item.record is not None else None)
            for item in parsed.items
        ]

    @property
    def sources(self) -> list[SourceFile]:
        """The inputs, indexed by ``file_id``, as they were when loaded."""
        return list(self._sources)

    def changed(self, file_id: int) -> bool:
        """Whether the source file changed since it was loaded (its text may differ)."""
        source = self._sources[file_id]
        try:
            st = os.stat(source.path)
        except OSError:
            return True
        if source.member is not None:
            return st.st_mtime_ns + st.st_size != source.mtime_ns
        return (st.st_size, st.st_mtime_ns) != (source.size, source.mtime_ns)

    def get(self, file_id: int, rec_index: int) -> str:
        """Return the original text of one record.

        Raises:
            OSError: The source file can no longer be read.
            LookupError: The file no longer holds that record.
        """
        texts = self._texts(file_id)
        if rec_index >= len(texts) or texts[rec_index] is None:
            raise LookupError(
                f"record {rec_index} is no longer in {self._sources[file_id].display}"
            )
        text = texts[rec_index]
        assert text is not None
        return text

    def iter_frame(self, frame: pl.DataFrame) -> Iterator[str]:
        """Yield the original text of every row of ``frame``, in the frame's order."""
        # Each file is decoded once and dropped after its last row, so memory holds only
        # the files whose time ranges overlap, not the whole export.
        last = dict(
            frame.with_row_index("row").group_by(FILE_ID).agg(pl.col("row").max()).iter_rows()
        )
        open_files: dict[int, list[str | None]] = {}
        ids = frame.get_column(FILE_ID).to_list()
        idx = frame.get_column(REC_INDEX).to_list()
        for row, (file_id, rec_index) in enumerate(zip(ids, idx, strict=True)):
            texts = open_files.get(file_id)
            if texts is None:
                texts = open_files[file_id] = self._read(file_id)
            text = texts[rec_index] if rec_index < len(texts) else None
            if text is None:
                raise LookupError(
                    f"record {rec_index} is no longer in {self._sources[file_id].display}"
                )
            yield text
            if last[file_id] == row:
                del open_files[file_id]
