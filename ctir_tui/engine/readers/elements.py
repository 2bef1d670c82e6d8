"""Turn one JSON value found in a file into an item: a record, a wrapped record, or a reason.

The wrappers are the ``lookup-events`` item (the record is an escaped JSON string in
``CloudTrailEvent``) and the CloudWatch Logs event (the record is the ``message`` string,
the ingestion time in ``timestamp``).
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from ctir_tui.engine.readers.base import Item, Parsed
from ctir_tui.engine.times import epoch_ms_to_iso

#: Members of a wrapper document that hold items, and the shape each one names.
CONTAINERS: Final = (
    ("Records", "s3-delivery"),
    ("Events", "lookup-events"),
    ("logEvents", "cloudwatch-subscription"),
    ("events", "cloudwatch-filter-log-events"),
)


def is_record(value: dict[str, Any]) -> bool:
    """Whether a JSON object is a CloudTrail record (Insights records name theirs apart)."""
    return "eventName" in value or "insightDetails" in value


def is_digest(value: Any) -> bool:
    """Whether a document is a CloudTrail digest (hashes of log files, no events)."""
    return isinstance(value, dict) and ("digestStartTime" in value or "logFiles" in value)


def record_from_text(text: Any, what: str) -> Item:
    """Decode a record held as a JSON string (``CloudTrailEvent``, ``message``)."""
    if not isinstance(text, str):
        return Item(None, f"{what} is not a string")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return Item(None, f"{what} is not valid JSON ({exc})")
    if not isinstance(value, dict):
        return Item(None, f"{what} is not a JSON object")
    if not is_record(value):
        return Item(None, f"{what} has no eventName")
    return Item(value, raw=text)


def _fill_time(item: Item, timestamp: Any) -> None:
    # CloudWatch envelopes carry the ingestion time in ms: use it only when the record has none.
    if (
        item.record is not None
        and "eventTime" not in item.record
        and "@timestamp" not in item.record
        and isinstance(timestamp, int | float)
        and not isinstance(timestamp, bool)
    ):
        stamp = epoch_ms_to_iso(timestamp)
        if stamp is not None:
            item.record["@timestamp"] = stamp


def classify(value: Any) -> Item:
    """Turn one array element or line into an item (bare record, lookup item, log event)."""
    if not isinstance(value, dict):
        return Item(None, f"not a JSON object ({type(value).__name__})")
    if "CloudTrailEvent" in value:
        return record_from_text(value["CloudTrailEvent"], "CloudTrailEvent")
    if "message" in value and "eventName" not in value:
        item = record_from_text(value["message"], "message")
        _fill_time(item, value.get("timestamp"))
        return item
    if is_record(value):
        return Item(value)
    return Item(None, "not a CloudTrail record (no eventName)")


#: One rejected item per reason, shared: a file of ten million ``0`` elements then costs a
#: pointer per element, not an object and a message each.
_REJECTED: dict[str, Item] = {}
_MAX_SHARED: Final = 1024


def rejected(reason: str) -> Item:
    """A rejected item with ``reason`` (shared between items with the same reason)."""
    item = _REJECTED.get(reason)
    if item is None:
        item = Item(None, reason)
        if len(_REJECTED) < _MAX_SHARED:
            _REJECTED[reason] = item
    return item


def classify_shared(value: Any) -> Item:
    """:func:`classify`, with rejected items shared by reason (see :func:`rejected`)."""
    item = classify(value)
    return item if item.record is not None else rejected(item.reason or "unusable record")


def take_element(parsed: Parsed, text: str, value: Any, a: int, b: int, want_raw: bool) -> bool:
    """Add the element ``value`` (``text[a:b]``) to ``parsed``; return whether it is a
    record (with its exact text when ``want_raw``), not a rejected item."""
    item = classify_shared(value)
    if item.record is not None and want_raw and item.raw is None:
        item.raw = text[a:b]
    parsed.items.append(item)
    return item.record is not None


def container(doc: Any) -> tuple[str, str | None] | None:
    """Return (shape, member holding the items) of a top-level document, or None.

    A list is a JSON array of items; a record (or a lookup item) is a document of one.
    """
    if isinstance(doc, list):
        return "json-array", None
    if not isinstance(doc, dict):
        return None
    for key, shape in CONTAINERS:
        if isinstance(doc.get(key), list):
            return shape, key
    if is_digest(doc):
        return "digest", None
    if "CloudTrailEvent" in doc or is_record(doc) or is_log_event(doc):
        return "single-record", None
    return None


def containers(doc: Any) -> list[tuple[str, str | None]]:
    """Every (shape, member) of a document: one that holds both ``Records`` and ``Events``
    is both, and each member's items are read (none is dropped for the other)."""
    if isinstance(doc, dict):
        found: list[tuple[str, str | None]] = [
            (shape, key) for key, shape in CONTAINERS if isinstance(doc.get(key), list)
        ]
        if found:
            return found
    one = container(doc)
    return [one] if one is not None else []


def is_log_event(value: dict[str, Any]) -> bool:
    """Whether an object is a CloudWatch Logs event holding a JSON record in ``message``."""
    message = value.get("message")
    return isinstance(message, str) and message.lstrip().startswith("{")


def elements(doc: Any, key: str | None) -> list[Any]:
    """The item values of a document whose container is ``key`` (see :func:`container`)."""
    if key is not None:
        value: list[Any] = doc[key]
        return value
    if isinstance(doc, list):
        return doc
    return [doc]
