"""Parse inputs into columns: what each parsing worker does with a batch of files.

For each input: read it (regular files only, bounded), inflate it, open archives, fix the
text encoding, then parse: a trail delivery file straight into typed records (one pass, the
fast path), anything else through the readers registry. Every exception while reading one
file or one record becomes a failed file or a rejected record with its reason: one bad file
never stops the load.
"""

from __future__ import annotations

import io
import os
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, NamedTuple

import msgspec

from ctir_tui.engine.pipeline.archives import MAX_NESTING, is_archive, members
from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.extract import MAX_REJECT_DETAILS, SPILL_ROWS, Columns
from ctir_tui.engine.pipeline.inflate import Limits, Refused, as_utf8, decompress
from ctir_tui.engine.pipeline.report import FileReport
from ctir_tui.engine.readers.crowded import crowded
from ctir_tui.engine.readers.registry import parse_bytes
from ctir_tui.engine.readers.s3_delivery import looks_like_s3_delivery
from ctir_tui.engine.readers.tabular import Table
from ctir_tui.engine.readers.typed import (
    DECODE_ERRORS,
    DELIVERY,
    FLAG_DUPLICATE_KEYS,
    RECORD,
    Record,
    delivery_elements,
    duplicate_keys,
    loads_record_shallow,
    loads_tolerant,
    other_wrappers,
    record_from_dict,
)

_READ_CHUNK: Final = 1 << 20
#: Delivery files bigger than this are parsed a slice of records at a time.
SLICED_BYTES: Final = 64 << 20


@dataclass(slots=True)
class FileOutcome:
    """What reading one input gave: its report and the first rejected records."""

    source: SourceFile
    report: FileReport
    rejected: list[tuple[int, str]] = field(default_factory=list)
    #: Rows this input added to the batch's columns.
    rows: int = 0


class _Rejects:
    """Rejected records of one file: all counted, the first ones kept with their reason."""

    def __init__(self) -> None:
        self.count = 0
        self.details: list[tuple[int, str]] = []
        self.reasons: Counter[str] = Counter()

    def add(self, index: int, reason: str) -> None:
        self.count += 1
        self.reasons[reason] += 1
        if len(self.details) < MAX_REJECT_DETAILS:
            self.details.append((index, reason))


def read_file(path: str, limits: Limits) -> bytes:
    """Read a regular file, never blocking on a FIFO, never past the size limit.

    Raises:
        OSError: It cannot be opened or read.
        Refused: It is not a regular file (any more), or it is too large.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused("refused: not a regular file (it changed since it was listed)")
        if st.st_size > limits.max_bytes:
            raise Refused(f"refused: {st.st_size:,} bytes, past {limits.max_bytes:,}")
        with io.FileIO(fd, "rb", closefd=False) as stream:
            # Read into a buffer of the size the file has (and one byte more, to see it
            # grew): a fixed 1 MiB request costs an allocation of 1 MiB per tiny file.
            out = bytearray(min(st.st_size, limits.max_bytes) + 1)
            filled = 0
            with memoryview(out) as view:
                while filled < len(out) and (got := stream.readinto(view[filled:])):
                    filled += got
            del out[filled:]
            while filled == st.st_size + 1 and len(out) <= limits.max_bytes:
                if not (chunk := stream.read(_READ_CHUNK)):
                    break
                out += chunk
            if len(out) > limits.max_bytes:
                raise Refused(f"refused: larger than {limits.max_bytes:,} bytes")
            return out  # type: ignore[return-value]  # bytes-like; a copy would double the peak
    finally:
        os.close(fd)


class Input(NamedTuple):
    """One parseable input: a file, or a member of an archive."""

    source: SourceFile
    #: Its inflated bytes, or None when it cannot be read.
    data: bytes | None
    #: Why it cannot be read, or the damage that stopped inflating it part way.
    problem: str | None = None
    #: What was done to read it that is no problem (its text encoding).
    note: str | None = None


def expand(source: SourceFile, data: bytes, limits: Limits, depth: int = 0) -> Iterator[Input]:
    """The parseable inputs in ``data``: itself, or each member of an archive (nested too)."""
    try:
        data, damage = decompress(data, limits)
    except Refused as exc:
        yield Input(source, None, str(exc))
        return
    if is_archive(data):
        if depth >= MAX_NESTING:
            yield Input(source, None, f"refused: archives nested deeper than {MAX_NESTING}")
            return
        for member in members(data, limits):
            inner = source.within(member.name) if member.name else source
            if member.data is None:
                yield Input(inner, None, member.problem)
            else:
                yield from expand(inner, member.data, limits, depth + 1)
        return
    data, encoding = as_utf8(data)
    yield Input(source, data, damage, encoding)


def _flag_duplicates(cols: Columns, data: bytes, start: int, kept: list[int]) -> None:
    """Find the records of one delivery file that repeat a key, and flag their rows.

    ``kept`` holds, for each row added from ``start``, the index of its record in the file.
    """
    elements = delivery_elements(data)
    if elements is None:
        return
    for row, index in enumerate(kept):
        note = duplicate_keys(bytes(elements[index])) if index < len(elements) else None
        if note:
            cols.flag(start + row, FLAG_DUPLICATE_KEYS, note)


def _sliced_delivery(cols: Columns, data: bytes, file_id: int, rejects: _Rejects) -> str | None:
    """Parse a huge delivery file a slice of records at a time, spilling each slice's rows.

    Decoding a 1 GB file in one pass builds a Python object per field of every record
    (~4 GB); here only the records' positions are held, and one slice of rows.
    """
    elements = delivery_elements(data)
    if elements is None:
        return None
    for first in range(0, len(elements), SPILL_ROWS):
        for index in range(first, min(first + SPILL_ROWS, len(elements))):
            text = bytes(elements[index])
            if not text.startswith(b"{"):
                rejects.add(index, "not a CloudTrail record (not a JSON object)")
                continue
            record = _one_record(text, index, rejects)
            if record is not None:
                cols.add(record, file_id, index)
        cols.spill(at_least=1)
    return "s3-delivery"


def _typed_delivery(cols: Columns, data: bytes, file_id: int, rejects: _Rejects) -> str | None:
    """Parse a delivery file: one typed pass, else record by record. None if not one."""
    if len(data) > SLICED_BYTES:
        return None if crowded(data) else _sliced_delivery(cols, data, file_id, rejects)
    start = len(cols)
    try:
        delivery = DELIVERY.decode(data)
    except DECODE_ERRORS:
        if crowded(data):  # ten million tiny items: the crowded reader walks them
            return None
    else:
        if other_wrappers(delivery):
            return None
        records = delivery.Records
        kept = []
        for index, rec in enumerate(records):
            if rec.eventName is None and rec.insightDetails is None:
                rejects.add(index, "not a CloudTrail record (no eventName)")
            else:
                cols.add(rec, file_id, index)
                kept.append(index)
        if cols.suspicious_keys(data, start):
            _flag_duplicates(cols, data, start, kept)
        return "s3-delivery"
    elements = delivery_elements(data)
    if elements is None:
        return None
    for index, element in enumerate(elements):
        text = bytes(element)
        if not text.startswith(b"{"):  # 10M zeros in 19 KB of gzip: refuse each cheaply
            rejects.add(index, "not a CloudTrail record (not a JSON object)")
            continue
        record = _one_record(text, index, rejects)
        if record is not None:
            cols.add(record, file_id, index)
    return "s3-delivery"


def _one_record(text: bytes, index: int, rejects: _Rejects) -> Record | None:
    """Decode one record's text: typed, else tolerantly with what is odd flagged."""
    try:
        record = RECORD.decode(text)
    except DECODE_ERRORS:
        pass
    else:
        if record.eventName is None and record.insightDetails is None:
            rejects.add(index, "not a CloudTrail record (no eventName)")
            return None
        note = duplicate_keys(text) if _may_repeat(text) else None
        return record if note is None else _tolerant(text, index, rejects, note)
    return _tolerant(text, index, rejects, duplicate_keys(text))


def _may_repeat(text: bytes) -> bool:
    return text.count(b'"eventName"') > 1 or text.count(b'"eventID"') > 1 or b'"\\u' in text


def _tolerant(text: bytes, index: int, rejects: _Rejects, note: str | None) -> Record | None:
    try:
        try:
            value = loads_tolerant(text)
        except RecursionError:
            value = loads_record_shallow(text)
    except ValueError as exc:
        rejects.add(index, f"invalid JSON ({exc})")
        return None
    if not isinstance(value, dict):
        rejects.add(index, f"not a JSON object ({type(value).__name__})")
        return None
    try:
        return record_from_dict(value, duplicate_keys=note)
    except ValueError as exc:
        rejects.add(index, str(exc))
        return None


def _generic(
    cols: Columns, data: bytes, file_id: int, rejects: _Rejects, report: FileReport
) -> None:
    """Any shape but a delivery file: the readers registry, then each record tolerantly."""
    parsed = parse_bytes(data)
    report.shape = parsed.shape
    if parsed.skip is not None and not parsed.items:
        report.status, report.reason = "skipped", parsed.skip
        return
    if parsed.error is not None:
        report.status, report.reason = "failed", parsed.error
        return
    report.salvage = parsed.salvage
    if parsed.table is not None:
        _tabular(cols, parsed.table, file_id, rejects, report)
        return
    start = len(cols)
    rows: list[int] = []
    for index, item in enumerate(parsed.items):
        if item.record is None:
            rejects.add(index, item.reason or "unusable record")
            continue
        try:
            record = record_from_dict(item.record)
        except ValueError as exc:
            rejects.add(index, str(exc))
            continue
        cols.add(record, file_id, index)
        rows.append(index)
    report.records = len(parsed.items)
    if cols.suspicious_keys(data, start):
        with_raw = parse_bytes(data, want_raw=True)
        for row, index in enumerate(rows):
            raw = with_raw.items[index].raw if index < len(with_raw.items) else None
            note = duplicate_keys(raw) if raw else None
            if note:
                cols.flag(start + row, FLAG_DUPLICATE_KEYS, note)


def _tabular(
    cols: Columns, table: Table, file_id: int, rejects: _Rejects, report: FileReport
) -> None:
    """Rows of a tabular input: each record line decoded like a trail's own record.

    The lines were built from the file's columns in Polars (:mod:`~ctir_tui.engine.readers.
    tabular`); here each is decoded into the typed record (tolerantly where it does not
    fit, so a struct of the wrong shape is flagged, not lost), then flagged as the reader
    asked (a column given twice, a cell cut).
    """
    added: dict[int, int] = {}
    lines = table.lines.to_list()
    for index, line in enumerate(lines):
        if line is None:
            rejects.add(index, table.reasons.get(index, table.reason))
            continue
        text = line.encode()
        try:
            record: Record | None = RECORD.decode(text)
        except DECODE_ERRORS:
            record = _tolerant(text, index, rejects, None)
        if record is None:
            continue
        added[index] = len(cols)
        cols.add(record, file_id, index)
    for index, flag, note in table.flagged:
        if index in added:
            cols.flag(added[index], flag, note)
    report.records = len(lines)
    if table.lossy:
        report.salvage = "; ".join(n for n in (report.salvage, table.lossy) if n)


def fast_path(data: bytes) -> bool:
    """Whether an input is tried as a plain delivery file (the typed fast path).

    The fast path gives up (and the registry reads the file) when the delivery also holds
    another wrapper (``Events``...), whose items the registry reads too, or when it is
    crowded with tiny items; the raw store follows the same path, to number items alike.
    """
    return looks_like_s3_delivery(data)


def parse_file(
    source: SourceFile,
    data: bytes,
    damage: str | None,
    cols: Columns,
    file_id: int,
    note: str | None = None,
) -> FileOutcome:
    """Parse one inflated input into ``cols`` (rows tagged with ``file_id``).

    ``damage`` says where inflating it stopped; ``note`` how it was read (its encoding).
    """
    report = FileReport(source.display, "read", salvage=None, note=note)
    rejects = _Rejects()
    start = len(cols)
    try:
        shape = _typed_delivery(cols, data, file_id, rejects) if fast_path(data) else None
        if shape is not None:
            report.shape = shape
            report.records = len(cols) - start + rejects.count
        else:
            _generic(cols, data, file_id, rejects, report)
    except (RecursionError, MemoryError, ValueError, msgspec.MsgspecError) as exc:
        cols.truncate(start)
        report.status, report.shape = "failed", report.shape or "unknown"
        if isinstance(exc, RecursionError):
            report.reason = "could not be read (nested too deeply for a JSON decoder)"
        else:
            report.reason = f"could not be read ({type(exc).__name__}: {str(exc)[:200]})"
        return FileOutcome(source, report)
    report.rejected = rejects.count
    if damage:  # inflating stopped at damage: say what it still gave
        damage += f"; salvaged {len(cols) - start:,} records before the damage"
        report.salvage = "; ".join(n for n in (damage, report.salvage) if n)
    return FileOutcome(source, report, rejects.details, len(cols) - start)


def parse_source(
    source: SourceFile, cols: Columns, first_id: int, limits: Limits
) -> list[FileOutcome]:
    """Read one input from disk and parse it (each archive member apart).

    Args:
        source: A file found on disk.
        cols: Where the rows go.
        first_id: The ``file_id`` of the first input this source yields (members follow).
        limits: How far one input may inflate.

    Returns:
        One outcome per input: the file itself, or each member of an archive.
    """
    try:
        data = read_file(source.path, limits)
    except Refused as exc:
        return [FileOutcome(source, FileReport(source.display, "failed", reason=str(exc)))]
    except OSError as exc:
        reason = f"cannot read ({exc.strerror or exc})"
        return [FileOutcome(source, FileReport(source.display, "failed", reason=reason))]
    out: list[FileOutcome] = []
    for inner, content, problem, note in expand(source, data, limits):
        if content is None:
            out.append(FileOutcome(inner, FileReport(inner.display, "failed", reason=problem)))
            continue
        out.append(parse_file(inner, content, problem, cols, first_id + len(out), note))
    return out
