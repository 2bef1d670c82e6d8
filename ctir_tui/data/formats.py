"""Input shapes: recognise a file by its content and enumerate its records.

Every shape in DOMAIN.md §2 is handled here, tried most specific first. A file's records
are enumerated as *items* in document order; an item's position is its ``rec_index``,
which :mod:`ctir_tui.data.raw` uses to read the original text back. Both the load path
(:func:`parse_bytes`) and the exact-text path (:func:`parse_bytes` with ``want_raw``)
enumerate items in the same order, so the index is stable.

Nothing here knows about Polars or Textual: it turns bytes into dicts and reasons.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

try:  # isal inflates 2-3x faster than zlib; fall back where it is missing.
    from isal import igzip as _gzip
except ImportError:  # pragma: no cover - isal is a dependency, but stay usable without it
    import gzip as _gzip  # type: ignore[no-redef]

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"

_S3_PREFIX = re.compile(rb'\A\s*\{\s*"Records"\s*:\s*\[')
_TS_PREFIX = re.compile(r"\A(\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)\s+(?=[{\[])")
_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


@dataclass(slots=True)
class Item:
    """One record candidate: the record, or why it was rejected."""

    record: dict[str, Any] | None
    reason: str | None = None
    #: The record's original text (only when parsing with ``want_raw``).
    raw: str | None = None


@dataclass(slots=True)
class Parsed:
    """What one file held."""

    shape: str
    items: list[Item] = field(default_factory=list)
    #: Set when the file is not a log (or holds nothing to load): counted as skipped.
    skip: str | None = None
    #: Set when the file could not be read at all: counted as failed.
    error: str | None = None
    #: Set when a broken file was partly recovered.
    salvage: str | None = None


def decompress(data: bytes) -> tuple[bytes, str | None]:
    """Inflate gzip data, salvaging what precedes any corruption.

    Returns:
        The inflated bytes (or ``data`` unchanged if it is not gzip) and an error
        message if the stream was truncated or corrupt part-way.
    """
    if not data.startswith(GZIP_MAGIC):
        return data, None
    try:
        return _gzip.decompress(data), None  # type: ignore[no-untyped-call,unused-ignore]
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        # Recover the prefix that did inflate: a truncated upload still holds records.
        inflater = zlib.decompressobj(wbits=31)
        try:
            out = inflater.decompress(data)
        except zlib.error:
            out = b""
        return out, f"corrupt gzip stream ({exc})"


def looks_like_s3_delivery(data: bytes) -> bool:
    """Whether ``data`` starts like a CloudTrail S3 delivery file (``{"Records":[``)."""
    return _S3_PREFIX.match(data[:64]) is not None


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {col}"


def _is_record(value: dict[str, Any]) -> bool:
    return "eventName" in value or "insightDetails" in value


def _record_from_text(text: Any, what: str) -> Item:
    if not isinstance(text, str):
        return Item(None, f"{what} is not a string")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Item(None, f"{what} is not valid JSON ({exc})")
    if not isinstance(value, dict):
        return Item(None, f"{what} is not a JSON object")
    if not _is_record(value):
        return Item(None, f"{what} has no eventName")
    return Item(value, raw=text)


def _fill_time(item: Item, timestamp: Any) -> None:
    # CloudWatch envelopes carry the ingestion time in ms: use it only when the record has none.
    if (
        item.record is not None
        and "eventTime" not in item.record
        and "@timestamp" not in item.record
        and isinstance(timestamp, int | float)
    ):
        stamp = datetime.fromtimestamp(timestamp / 1000, UTC)
        item.record["@timestamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _classify_element(value: Any) -> Item:
    """Turn one array element or line into an item (bare record, lookup item, log event)."""
    if not isinstance(value, dict):
        return Item(None, f"not a JSON object ({type(value).__name__})")
    if "CloudTrailEvent" in value:
        return _record_from_text(value["CloudTrailEvent"], "CloudTrailEvent")
    if "message" in value and "eventName" not in value:
        item = _record_from_text(value["message"], "message")
        _fill_time(item, value.get("timestamp"))
        return item
    if _is_record(value):
        return Item(value)
    return Item(None, "not a CloudTrail record (no eventName)")


def _container(doc: Any) -> tuple[str, str | None] | None:
    """Return (shape, key of the item array) for a top-level document, or None."""
    if isinstance(doc, list):
        return "json-array", None
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("Records"), list):
        return "s3-delivery", "Records"
    if "digestStartTime" in doc or "logFiles" in doc:
        return "digest", None
    if isinstance(doc.get("Events"), list):
        return "lookup-events", "Events"
    if isinstance(doc.get("logEvents"), list):
        return "cloudwatch-subscription", "logEvents"
    if isinstance(doc.get("events"), list):
        return "cloudwatch-filter-log-events", "events"
    if "CloudTrailEvent" in doc or _is_record(doc):
        return "single-record", None
    return None


def _items_of(doc: Any, key: str | None) -> list[Any]:
    if key is not None:
        value: list[Any] = doc[key]
        return value
    if isinstance(doc, list):
        return doc
    return [doc]


def _from_documents(docs: list[Any], parsed: Parsed) -> None:
    shapes: list[str] = []
    for doc in docs:
        found = _container(doc)
        if found is None:
            continue
        shape, key = found
        shapes.append(shape)
        if shape == "digest":
            continue
        for element in _items_of(doc, key):
            if shape == "s3-delivery" and isinstance(element, dict) and not _is_record(element):
                parsed.items.append(Item(None, "not a CloudTrail record (no eventName)"))
            else:
                parsed.items.append(_classify_element(element))
    if not shapes:
        parsed.skip = "JSON, but not CloudTrail (no Records, Events or eventName)"
        return
    if set(shapes) == {"digest"}:
        parsed.skip = "CloudTrail digest file (hashes, no events)"
    parsed.shape = shapes[0] if len(set(shapes)) == 1 else "mixed"
    if len(docs) > 1:
        parsed.shape += f" ({len(docs)} documents)"


def _split_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def _from_lines(text: str, parsed: Parsed, *, want_raw: bool) -> bool:
    """Parse JSON Lines (optionally ``<timestamp> <json>`` lines). False if not line-shaped."""
    lines = list(_split_lines(text))
    if len(lines) < 2:
        return False
    prefixed = _TS_PREFIX.match(lines[0][1]) is not None
    first = lines[0][1]
    if prefixed:
        first = first[_TS_PREFIX.match(first).end() :]  # type: ignore[union-attr]
    try:
        if not isinstance(orjson.loads(first), dict):
            return False
    except orjson.JSONDecodeError:
        # A pretty-printed document is not JSON Lines, however many lines parse alone.
        return False
    good = 0
    for number, line in lines:
        body = line
        if prefixed:
            match = _TS_PREFIX.match(line)
            if match:
                body = line[match.end() :]
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            parsed.items.append(Item(None, f"line {number}: invalid JSON ({exc})"))
            continue
        good += 1
        if isinstance(value, dict) and isinstance(value.get("Records"), list):
            # One delivery object per line (e.g. `jq -c .` of several files).
            for element in value["Records"]:
                parsed.items.append(_classify_element(element))
            continue
        item = _classify_element(value)
        if want_raw and item.raw is None and item.record is not None:
            item.raw = body
        parsed.items.append(item)
    if good == 0:
        parsed.items.clear()
        return False
    parsed.shape = "cloudwatch-export-lines" if prefixed else "json-lines"
    return True


def _scan_documents(text: str) -> list[tuple[Any, int, int]] | None:
    """Decode concatenated JSON documents; None if any part fails."""
    docs: list[tuple[Any, int, int]] = []
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    while pos < len(text):
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            return None
        docs.append((value, pos, end))
        pos = _WS.match(text, end).end()  # type: ignore[union-attr]
    return docs


def _array_start(text: str) -> int | None:
    """Find the item array of a (possibly broken) document: ``Records``/``Events``/... or ``[``."""
    stripped = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text.startswith("[", stripped):
        return stripped + 1
    match = re.search(r'"(Records|Events|logEvents|events)"\s*:\s*\[', text)
    return match.end() if match else None


def _element_spans(text: str, start: int) -> tuple[list[tuple[Any, int, int]], list[str]]:
    """Decode array elements from ``start`` one by one, resynchronising after damage.

    Returns the decoded elements with their spans, and a description of each damaged spot.
    """
    out: list[tuple[Any, int, int]] = []
    damage: list[str] = []
    pos = start
    n = len(text)
    while pos < n:
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= n or text[pos] == "]":
            break
        if text[pos] == ",":
            pos += 1
            continue
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            # Skip to the next object that decodes as a record; what lies between is lost.
            resume = _resync(text, pos + 1)
            lost_to = resume if resume is not None else n
            damage.append(f"{_position(text, exc.pos)}: {exc.msg}; {lost_to - pos} bytes lost")
            if resume is None:
                break
            pos = resume
            continue
        out.append((value, pos, end))
        pos = _WS.match(text, end).end()  # type: ignore[union-attr]
        if pos < n and text[pos] not in ",]":
            damage.append(f"{_position(text, pos)}: expected ',' or ']' between records")
    return out, damage


def _resync(text: str, pos: int) -> int | None:
    while True:
        pos = text.find("{", pos)
        if pos < 0:
            return None
        try:
            value, _end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos += 1
            continue
        if isinstance(value, dict) and (_is_record(value) or "CloudTrailEvent" in value):
            return pos
        pos += 1


def _salvage(text: str, parsed: Parsed, error: str, *, want_raw: bool) -> None:
    start = _array_start(text)
    if start is None:
        parsed.error = f"invalid JSON: {error}"
        return
    elements, damage = _element_spans(text, start)
    for value, a, b in elements:
        item = _classify_element(value)
        if want_raw and item.raw is None and item.record is not None:
            item.raw = text[a:b]
        parsed.items.append(item)
    if not any(i.record is not None for i in parsed.items):
        parsed.items.clear()
        parsed.error = f"invalid JSON: {error}"
        return
    parsed.shape = "s3-delivery (damaged)"
    kept = sum(1 for i in parsed.items if i.record is not None)
    parsed.salvage = f"invalid JSON ({error}); salvaged {kept} records; " + "; ".join(damage)


def _raw_spans(text: str, parsed: Parsed) -> None:
    """Attach the exact text of each item, walking the documents with span-aware decoding."""
    docs = _scan_documents(text)
    if docs is None:
        return
    texts: list[str | None] = []
    for doc, a, b in docs:
        found = _container(doc)
        if found is None or found[0] == "digest":
            continue
        key = found[1]
        if key is None and not isinstance(doc, list):
            texts.append(text[a:b])
            continue
        start = a + 1 if isinstance(doc, list) else _key_array_start(text, a, key)
        if start is None:
            return
        spans, _damage = _element_spans(text, start)
        texts.extend(text[s:e] for _v, s, e in spans)
    if len(texts) != len(parsed.items):
        return
    for item, raw in zip(parsed.items, texts, strict=True):
        if item.raw is None and item.record is not None:
            item.raw = raw


def _key_array_start(text: str, obj_start: int, key: str | None) -> int | None:
    """Return the position after ``[`` of member ``key`` in the object at ``obj_start``."""
    pos = obj_start + 1
    while True:
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("}", pos):
            return None
        name, pos = _DECODER.raw_decode(text, pos)
        pos = _WS.match(text, pos).end() + 1  # type: ignore[union-attr]  # the colon
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if name == key:
            return pos + 1
        _value, pos = _DECODER.raw_decode(text, pos)
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos += 1


def parse_bytes(data: bytes, *, want_raw: bool = False) -> Parsed:
    """Recognise the shape of (already inflated) file content and enumerate its items.

    Args:
        data: The file's bytes after decompression.
        want_raw: Also attach each item's original text (slower; used to show one record).

    Returns:
        A :class:`Parsed` whose ``items`` are in document order.
    """
    parsed = Parsed(shape="unknown")
    head = data[:4096].lstrip()
    if not head:
        parsed.skip = "empty file"
        return parsed
    if (
        head[:1] not in (b"{", b"[")
        and _TS_PREFIX.match(head[:80].decode("utf-8", "replace")) is None
    ):
        binary = b"\x00" in data[:4096]
        parsed.skip = "not a log (binary content)" if binary else "not a log (no JSON content)"
        return parsed
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        whole_error = f"{exc}"
    else:
        _from_documents([doc], parsed)
        if want_raw and parsed.items:
            _raw_spans(data.decode("utf-8", "replace"), parsed)
        return parsed
    text = data.decode("utf-8", "replace")
    if _from_lines(text, parsed, want_raw=want_raw):
        return parsed
    docs = _scan_documents(text)
    if docs is not None and len(docs) > 1:
        _from_documents([d for d, _a, _b in docs], parsed)
        if want_raw and parsed.items:
            _raw_spans(text, parsed)
        return parsed
    try:
        _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        whole_error = f"{exc.msg} at {_position(text, exc.pos)}"
    _salvage(text, parsed, whole_error, want_raw=want_raw)
    return parsed
