"""Read an event's original record back from the evidence, exactly as written.

Records are not kept in memory: each row's ``file_id`` and ``rec_index`` locate it, and the
file is re-read on demand (a delivery file's records are found by a structure-only decode,
about 1.4 GB/s). The evidence is checked on the way: a file that changed since it was loaded
(size, times or inode), or a record that is no longer the one loaded, raises
:class:`EvidenceChanged` instead of showing something else. The few most recently read files
stay decoded, so walking the event list (neighbours usually share a file) reads little.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Final, overload

import msgspec
import orjson
import polars as pl

from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.inflate import Limits
from ctir_tui.engine.pipeline.worker import expand, fast_path, read_file
from ctir_tui.engine.readers.registry import parse_bytes
from ctir_tui.engine.readers.typed import delivery_elements
from ctir_tui.engine.schema import EVENT_ID, FILE_ID, REC_INDEX

_CACHE_FILES: Final = 16
#: Decoded files kept beyond this many bytes of records are dropped first.
_CACHE_BYTES: Final = 256 << 20


class EvidenceChanged(LookupError):
    """The evidence no longer holds what was loaded (the message says what changed)."""


class Texts(Sequence[str | None]):
    """The exact text of every item of one input, decoded only when asked for.

    For a delivery file the items are views into the inflated bytes (no copy): a 1 GB file
    costs its 1 GB, not three.
    """

    def __init__(
        self,
        elements: Sequence[msgspec.Raw] | Sequence[bytes] | None,
        texts: list[str | None],
        rows: tuple[Callable[[int], str], int, int] | None = None,
    ) -> None:
        self._elements = elements
        self._texts = texts
        #: A tabular input: (render row k as JSON, row count, bytes held).
        self._rows = rows
        if rows is not None:
            self.size = rows[2]
        elif elements is not None:
            self.size = sum(len(e) for e in elements)
        else:
            self.size = sum(len(t) for t in texts if t)

    def __len__(self) -> int:
        if self._rows is not None:
            return self._rows[1]
        return len(self._elements) if self._elements is not None else len(self._texts)

    @overload
    def __getitem__(self, index: int) -> str | None: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str | None]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str | None] | None:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if self._rows is not None:
            return self._rows[0](index) if 0 <= index < self._rows[1] else None
        if self._elements is not None:
            return bytes(self._elements[index]).decode("utf-8", "replace")
        return self._texts[index]


def record_texts(data: bytes) -> Texts:
    """The exact text of every item of an inflated input, in the order the loader numbers them."""
    if fast_path(data):
        elements = delivery_elements(data)
        if elements is not None:
            return Texts(elements, [])
    parsed = parse_bytes(data, want_raw=True)
    if parsed.table is not None:
        # A row of a CSV or Parquet file, shown as a JSON object of its columns.
        return Texts(None, [], (parsed.table.row_text, len(parsed.table.lines), len(data)))
    return Texts(
        None,
        [
            item.raw
            if item.raw is not None
            else (orjson.dumps(item.record).decode() if item.record is not None else None)
            for item in parsed.items
        ],
    )


class RawStore:
    """Exact original texts of loaded events, read lazily from the evidence files."""

    def __init__(self, sources: Sequence[SourceFile], limits: Limits | None = None) -> None:
        self._sources = list(sources)
        self._limits = limits or Limits()
        self._lock = threading.Lock()
        self._files: OrderedDict[int, Texts] = OrderedDict()

    def source(self, file_id: int) -> SourceFile:
        """The input a ``file_id`` names."""
        return self._sources[file_id]

    def changed(self, file_id: int) -> str | None:
        """What changed in the source file since it was loaded, or None when nothing did."""
        source = self._sources[file_id]
        now = source.current_identity()
        if now is None:
            return f"{source.display} is gone"
        if now != source.identity:
            return f"{source.display} changed since it was loaded (size, time or inode)"
        return None

    def _read(self, file_id: int) -> Texts:
        change = self.changed(file_id)
        if change is not None:
            raise EvidenceChanged(change)
        source = self._sources[file_id]
        outer = SourceFile(source.path, (), *source.identity)
        data = read_file(source.path, self._limits)
        for inner, content, problem, _note in expand(outer, data, self._limits):
            if inner.member == source.member:
                if content is None:
                    raise EvidenceChanged(f"{source.display} can no longer be read ({problem})")
                return record_texts(content)
        raise EvidenceChanged(f"{source.display} is no longer in its archive")

    def _texts(self, file_id: int) -> Texts:
        # A file read a moment ago may have changed since: the copy in memory is shown
        # only while the file on disk is still the one loaded (one stat per look).
        change = self.changed(file_id)
        if change is not None:
            with self._lock:
                self._files.pop(file_id, None)
            raise EvidenceChanged(change)
        with self._lock:
            hit = self._files.get(file_id)
            if hit is not None:
                self._files.move_to_end(file_id)
                return hit
        texts = self._read(file_id)
        with self._lock:
            self._files[file_id] = texts
            while len(self._files) > _CACHE_FILES or (
                len(self._files) > 1 and sum(t.size for t in self._files.values()) > _CACHE_BYTES
            ):
                self._files.popitem(last=False)
        return texts

    @property
    def sources(self) -> list[SourceFile]:
        """The inputs, indexed by ``file_id``, as they were when loaded."""
        return list(self._sources)

    def get(self, file_id: int, rec_index: int, event_id: str | None = None) -> str:
        """Return the original text of one record.

        Args:
            file_id: Where the record was loaded from.
            rec_index: Its position in that file.
            event_id: The eventID loaded for it: the text read back must hold it.

        Raises:
            OSError: The source file can no longer be read.
            EvidenceChanged: The file or the record is not what was loaded.
        """
        texts = self._texts(file_id)
        source = self._sources[file_id]
        text = texts[rec_index] if rec_index < len(texts) else None
        if text is None:
            raise EvidenceChanged(f"record {rec_index} is no longer in {source.display}")
        if event_id is not None and event_id not in text:
            raise EvidenceChanged(
                f"record {rec_index} of {source.display} is no longer the one loaded "
                f"(its eventID is not {event_id})"
            )
        return text

    def iter_frame(self, frame: pl.DataFrame) -> Iterator[str]:
        """Yield the original text of every row of ``frame``, in the frame's order.

        Raises:
            EvidenceChanged: A file or a record changed since the load.
        """
        # Each file is decoded once and dropped after its last row, so memory holds only
        # the files whose time ranges overlap, not the whole export.
        last = dict(
            frame.with_row_index("row").group_by(FILE_ID).agg(pl.col("row").max()).iter_rows()
        )
        open_files: dict[int, Texts] = {}
        ids = frame.get_column(FILE_ID).to_list()
        idx = frame.get_column(REC_INDEX).to_list()
        events = frame.get_column(EVENT_ID).to_list() if EVENT_ID in frame.columns else None
        for row, (file_id, rec_index) in enumerate(zip(ids, idx, strict=True)):
            texts = open_files.get(file_id)
            if texts is None:
                texts = open_files[file_id] = self._read(file_id)
            text = texts[rec_index] if rec_index < len(texts) else None
            source = self._sources[file_id]
            if text is None:
                raise EvidenceChanged(f"record {rec_index} is no longer in {source.display}")
            event_id = events[row] if events is not None else None
            if event_id is not None and event_id not in text:
                raise EvidenceChanged(
                    f"record {rec_index} of {source.display} is no longer the one loaded"
                )
            yield text
            if last[file_id] == row:
                del open_files[file_id]
