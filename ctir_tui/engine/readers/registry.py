"""Recognise a file by its content: every reader sniffs it, the most specific one reads it.

Readers are listed from the most to the least specific shape; their sniff scores order the
attempts, and a reader that finds the content is not its shape after all passes to the
next. A JSON file no reader accepts is salvaged (:mod:`.salvage`); anything else is not a
log, skipped with the reason.
"""

from __future__ import annotations

from typing import Final

from ctir_tui.engine.readers.base import Parsed, Reader
from ctir_tui.engine.readers.cloudwatch import (
    CloudWatchExportLinesReader,
    CloudWatchFilterReader,
    CloudWatchSubscriptionReader,
)
from ctir_tui.engine.readers.crowded import crowded, read_crowded
from ctir_tui.engine.readers.digest import DigestReader
from ctir_tui.engine.readers.event_history import EventHistoryCsvReader
from ctir_tui.engine.readers.json_array import JsonArrayReader
from ctir_tui.engine.readers.json_lines import JsonLinesReader
from ctir_tui.engine.readers.lookup_events import LookupEventsReader
from ctir_tui.engine.readers.ocsf import OcsfJsonReader, ParquetReader
from ctir_tui.engine.readers.query_results import LakeJsonReader, SqlResultCsvReader
from ctir_tui.engine.readers.s3_delivery import S3DeliveryReader
from ctir_tui.engine.readers.salvage import salvage
from ctir_tui.engine.readers.single_record import SingleRecordReader

#: Every reader, most specific first (ties in score keep this order).
READERS: Final[tuple[Reader, ...]] = (
    ParquetReader(),
    DigestReader(),
    S3DeliveryReader(),
    CloudWatchSubscriptionReader(),
    LakeJsonReader(),
    OcsfJsonReader(),
    LookupEventsReader(),
    CloudWatchFilterReader(),
    CloudWatchExportLinesReader(),
    SqlResultCsvReader(),
    EventHistoryCsvReader(),
    JsonLinesReader(),
    JsonArrayReader(),
    SingleRecordReader(),
)
#: How much of a file the readers sniff.
HEAD: Final = 4096


def candidates(head: bytes) -> list[Reader]:
    """The readers that recognise ``head``, best first."""
    scored = [(reader.sniff(head), -rank, reader) for rank, reader in enumerate(READERS)]
    return [reader for score, _rank, reader in sorted(scored, reverse=True) if score > 0]


def parse_bytes(data: bytes, *, want_raw: bool = False) -> Parsed:
    """Recognise the shape of (already inflated) file content and enumerate its items.

    Args:
        data: The file's bytes after decompression.
        want_raw: Also attach each item's original text (slower; used to show one record).

    Returns:
        A :class:`Parsed` whose ``items`` are in document order.
    """
    head = data[:HEAD].lstrip()
    if not head:
        return Parsed(shape="unknown", skip="empty file")
    if head[:1] in (b"{", b"[") and crowded(data):
        walked = read_crowded(data, want_raw=want_raw)
        if walked is not None:
            return walked
    for reader in candidates(head):
        parsed = reader.read(data, want_raw=want_raw)
        if parsed is not None:
            return parsed
    if head[:1] in (b"{", b"["):
        return salvage(data, want_raw=want_raw)
    binary = b"\x00" in data[:HEAD]
    return Parsed(
        shape="unknown",
        skip="not a log (binary content)" if binary else "not a log (no JSON content)",
    )
