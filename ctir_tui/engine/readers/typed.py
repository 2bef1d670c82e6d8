"""The fields ctir reads from a CloudTrail record, as typed msgspec structs.

Decoding straight into these structs skips every field ctir does not read without building
a Python object for it, which is twice as fast as building dicts; request parameters,
response elements, additional data and resources stay as their raw JSON bytes
(``msgspec.Raw``), exactly as the record holds them, for the text store and for the few
events whose parameters say what was acted upon.

A document that does not fit the structs (a field of the wrong type, a huge integer, a lone
surrogate, nesting deeper than the decoder allows) raises; the caller then reads that
document record by record with the standard library and :func:`record_from_dict`, which
accepts anything and flags what is odd, so one bad record never costs the others.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

import msgspec

from ctir_tui.engine.readers.shallow import NotShallow, first_bracket, member, parts

#: A record's value that was absent (``Raw()`` is empty, ``null`` is ``b"null"``).
NO_RAW: Final = msgspec.Raw()
#: The deepest nesting the standard-library fallback will follow (a record nested deeper
#: is rejected with that reason, not a crash).
MAX_DEPTH: Final = 200
#: Integers of more digits than this are kept as text (Python refuses past 4,300).
MAX_INT_DIGITS: Final = 100
#: A field of the wrong type is kept as its JSON, cut to this length.
MAX_SHOWN_FIELD: Final = 2000

#: Suspicion flags a record can carry (shown, counted, filterable).
FLAG_DUPLICATE_KEYS: Final = "duplicate-keys"
FLAG_BAD_IDENTITY: Final = "bad-identity"
FLAG_BAD_UNICODE: Final = "bad-unicode"
FLAG_BIG_NUMBER: Final = "big-number"
FLAG_DEEP: Final = "deep-nesting"


#: A text field: the typed decode refuses anything else, and the tolerant path converts.
Str = str | None
#: A time: ISO text as CloudTrail writes it, or epoch seconds or milliseconds as some
#: exporters do.
Time = str | int | float | None


class Issuer(msgspec.Struct, gc=False):
    """``userIdentity.sessionContext.sessionIssuer``."""

    type: Str = None
    arn: Str = None
    userName: Str = None
    principalId: Str = None
    accountId: Str = None


class Attributes(msgspec.Struct, gc=False):
    """``userIdentity.sessionContext.attributes``."""

    mfaAuthenticated: bool | Str = None
    creationDate: Str = None


class SessionContext(msgspec.Struct, gc=False):
    """``userIdentity.sessionContext``."""

    sessionIssuer: Issuer | None = None
    attributes: Attributes | None = None
    sourceIdentity: Str = None


class OnBehalfOf(msgspec.Struct, gc=False):
    """``userIdentity.onBehalfOf`` (Identity Center users)."""

    userId: Str = None


class Identity(msgspec.Struct, gc=False):
    """``userIdentity``."""

    type: Str = None
    principalId: Str = None
    arn: Str = None
    accountId: Str = None
    accessKeyId: Str = None
    userName: Str = None
    invokedBy: Str = None
    sessionContext: SessionContext | None = None
    onBehalfOf: OnBehalfOf | None = None


class Insight(msgspec.Struct, gc=False):
    """``insightDetails``: an Insights record names the event it is about here."""

    eventName: Str = None
    eventSource: Str = None


class Client(msgspec.Struct, gc=False):
    """Datadog's ``network.client``."""

    ip: Str = None


class Network(msgspec.Struct, gc=False):
    """Datadog-enriched exports move the source address here."""

    client: Client | None = None


class Http(msgspec.Struct, gc=False):
    """Datadog-enriched exports move the user agent here."""

    useragent: Str = None


class Record(msgspec.Struct, gc=False):
    """The fields of one CloudTrail record that ctir reads; the rest is skipped."""

    eventVersion: Str = None
    eventTime: Time = None
    timestamp: Any = msgspec.field(default=None, name="@timestamp")
    eventSource: Str = None
    eventName: Str = None
    awsRegion: Str = None
    sourceIPAddress: Str = None
    userAgent: Str = None
    userIdentity: Identity | None = None
    errorCode: Str = None
    errorMessage: Str = None
    readOnly: bool | Str = None
    eventType: Str = None
    eventCategory: Str = None
    eventID: Str = None
    requestID: Str = None
    recipientAccountId: Str = None
    requestParameters: msgspec.Raw = NO_RAW
    responseElements: msgspec.Raw = NO_RAW
    additionalEventData: msgspec.Raw = NO_RAW
    resources: msgspec.Raw = NO_RAW
    insightDetails: Insight | None = None
    network: Network | None = None
    http: Http | None = None
    #: Set by :func:`record_from_dict` only: suspicion flags and what they are about.
    flags: tuple[str, ...] = ()
    notes: str | None = None


class Delivery(msgspec.Struct, gc=False):
    """``{"Records": [...]}``, decoded in one pass.

    The other wrappers a hand-made file may hold beside ``Records`` are skipped unread;
    when one is there the file is read by the registry instead, which reads them all.
    """

    Records: list[Record]
    Events: msgspec.Raw = NO_RAW
    logEvents: msgspec.Raw = NO_RAW
    events: msgspec.Raw = NO_RAW


class RawDelivery(msgspec.Struct, gc=False):
    """``{"Records": [...]}`` with each record kept as its exact bytes."""

    Records: list[msgspec.Raw]
    Events: msgspec.Raw = NO_RAW
    logEvents: msgspec.Raw = NO_RAW
    events: msgspec.Raw = NO_RAW


def other_wrappers(delivery: Delivery | RawDelivery) -> bool:
    """Whether a delivery also holds ``Events``, ``logEvents`` or ``events`` (not null)."""
    return any(
        len(raw) and bytes(raw).strip() != b"null"
        for raw in (delivery.Events, delivery.logEvents, delivery.events)
    )


DELIVERY: Final = msgspec.json.Decoder(Delivery)
RAW_DELIVERY: Final = msgspec.json.Decoder(RawDelivery)
RECORD: Final = msgspec.json.Decoder(Record)
ANY: Final = msgspec.json.Decoder()
#: What a typed decode raises on content that does not fit.
DECODE_ERRORS: Final = (msgspec.DecodeError, msgspec.ValidationError, RecursionError, ValueError)


class BigNumber(str):
    """An integer too long to convert, kept as its digits (and flagged)."""

    __slots__ = ()


class TooDeep:
    """A value nested deeper than any decoder follows, kept as the size of its text."""

    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size


def safe_int(text: str) -> int | str:
    return int(text) if len(text) <= MAX_INT_DIGITS else BigNumber(text)


def safe_float(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else text


def loads_tolerant(data: bytes | str) -> Any:
    """Decode JSON with the standard library, keeping huge numbers as text.

    Raises:
        ValueError: Not JSON (``json.JSONDecodeError`` is a ``ValueError``).
        RecursionError: Nested too deeply.
    """
    return json.loads(data, parse_int=safe_int, parse_float=safe_float)


def loads_record_shallow(data: bytes) -> dict[str, Any]:
    """Decode a record field by field: a field nested too deeply becomes :class:`TooDeep`.

    Raises:
        ValueError: Not a JSON object (or not JSON).
    """
    start = first_bracket(data)
    if start is None or data[start : start + 1] != b"{":
        raise ValueError("not a JSON object")
    out: dict[str, Any] = {}
    for key, (a, b) in parts(data, start):
        if key is None:
            raise ValueError("an object member without a name")
        name = loads_tolerant(bytes(data[key[0] : key[1]]))
        try:
            out[name] = loads_tolerant(bytes(data[a:b]))
        except RecursionError:
            out[name] = TooDeep(b - a)
    return out


def delivery_elements(data: bytes) -> list[msgspec.Raw] | list[bytes] | None:
    """The text of each record of a delivery file, however deep one of them is nested.

    None when ``data`` is not ``{"Records": [...]}`` or is damaged (the salvage path then
    reads what it can).
    """
    try:
        delivery = RAW_DELIVERY.decode(data)
    except RecursionError:
        pass  # well formed, perhaps, but too deep for the decoder: split it without one
    except DECODE_ERRORS:
        return None
    else:
        return None if other_wrappers(delivery) else delivery.Records
    start = first_bracket(data)
    if start is None:
        return None
    try:
        span = member(data, start, b'"Records"')
        if span is None or data[span[0] : span[0] + 1] != b"[":
            return None
        return [bytes(data[a:b]) for _key, (a, b) in parts(data, span[0])]
    except NotShallow:
        return None


def _shape(value: Any, limit: int = MAX_DEPTH) -> tuple[bool, bool]:
    """(nested no deeper than ``limit``, holds a :class:`BigNumber`), without recursion."""
    stack = [(value, 0)]
    big = False
    while stack:
        item, depth = stack.pop()
        if depth > limit or isinstance(item, TooDeep):
            return False, big
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, BigNumber):
            big = True
    return True, big


def _clean_text(value: Any) -> tuple[Any, bool]:
    """Strings with lone surrogates become valid UTF-8 (U+FFFD); True if any was changed."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            fixed = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            return fixed, True
        return value, False
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for k, v in value.items():
            key, kc = _clean_text(k)
            item, vc = _clean_text(v)
            out[key] = item
            changed = changed or kc or vc
        return out, changed
    if isinstance(value, list):
        items = [_clean_text(v) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    return value, False


def _as_text(value: Any) -> Any:
    if isinstance(value, BigNumber):
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


_ENCODER: Final = msgspec.json.Encoder(enc_hook=_as_text)


def _raw(value: Any) -> msgspec.Raw:
    if value is None:
        return msgspec.Raw(b"null")
    return msgspec.Raw(_ENCODER.encode(value))


def _str(value: Any) -> str | None:
    """Any JSON value as field text (the tolerant path's answer to a wrong type)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)[:MAX_SHOWN_FIELD]


def _time(value: Any) -> str | int | float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _str(value)


def _strings(value: Any) -> Any:
    """Every leaf of a decoded object as field text (structs then accept it)."""
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    return _str(value)


def _struct(kind: type[Any], value: Any) -> Any:
    """``value`` as a struct of ``kind``, or None when it is not an object of that shape."""
    if not isinstance(value, dict):
        return None
    try:
        return msgspec.convert(_strings(value), kind, strict=False)
    except (msgspec.ValidationError, TypeError):
        return None


def record_from_dict(value: dict[str, Any], *, duplicate_keys: str | None = None) -> Record:
    """Build a :class:`Record` from any JSON object, flagging what a trail never writes.

    Args:
        value: A decoded record (from the standard library, with huge numbers as text).
        duplicate_keys: A note naming keys the record repeats, when the caller found some.

    A field nested deeper than :data:`MAX_DEPTH` is replaced by a note of its size (the
    record is flagged; its original text is still shown in full).
    """
    value = dict(value)
    flags: list[str] = []
    notes: list[str] = []
    deep: list[str] = []
    big = False
    for name in list(value):
        shallow_ok, has_big = _shape(value[name])
        big = big or has_big
        if not shallow_ok:
            item = value[name]
            size = f"{item.size:,} bytes" if isinstance(item, TooDeep) else "its text"
            value[name] = f"(nested deeper than {MAX_DEPTH} levels: see {size} in the record)"
            deep.append(name)
    if deep:
        flags.append(FLAG_DEEP)
        notes.append(f"nested deeper than {MAX_DEPTH} levels: {', '.join(deep)}")
    value, changed = _clean_text(value)
    if changed:
        flags.append(FLAG_BAD_UNICODE)
        notes.append("invalid Unicode (lone surrogates) replaced by U+FFFD")
    if duplicate_keys:
        flags.append(FLAG_DUPLICATE_KEYS)
        notes.append(duplicate_keys)
    identity_value = value.get("userIdentity")
    identity = _struct(Identity, identity_value)
    if identity_value is not None and identity is None:
        flags.append(FLAG_BAD_IDENTITY)
        shown = json.dumps(identity_value)[:200]
        notes.append(f"userIdentity is not an object of the usual shape: {shown}")
        identity = Identity(principalId=shown)
    fields: dict[str, Any] = {
        name: _str(value.get(name))
        for name in (
            "eventVersion",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "errorCode",
            "errorMessage",
            "readOnly",
            "eventType",
            "eventCategory",
            "eventID",
            "requestID",
            "recipientAccountId",
        )
    }
    if big:
        flags.append(FLAG_BIG_NUMBER)
        notes.append(f"an integer of more than {MAX_INT_DIGITS} digits, kept as text")
    raws: dict[str, Any] = {
        name: _raw(value[name]) if name in value else NO_RAW
        for name in ("requestParameters", "responseElements", "additionalEventData", "resources")
    }
    fields["eventTime"] = _time(value.get("eventTime"))
    fields["readOnly"] = _str(value.get("readOnly"))
    return Record(
        **fields,
        timestamp=_time(value.get("@timestamp")),
        userIdentity=identity,
        insightDetails=_struct(Insight, value.get("insightDetails")),
        network=_struct(Network, value.get("network")),
        http=_struct(Http, value.get("http")),
        flags=tuple(flags),
        notes="; ".join(notes) or None,
        **raws,
    )


def duplicate_keys(text: bytes | str) -> str | None:
    """Name the keys a JSON object repeats at its top level or in ``userIdentity``.

    A trail never writes a key twice; a record that does may show one value in one tool and
    the other in another, so both values are named.
    """
    found: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, list[Any]] = {}
        for key, item in pairs:
            seen.setdefault(key, []).append(item)
        for key, items in seen.items():
            if len(items) > 1 and all(not isinstance(i, dict | list) for i in items):
                shown = " / ".join(json.dumps(i)[:80] for i in items)
                found.append(f"{key} given {len(items)} times: {shown}")
            elif len(items) > 1:
                found.append(f"{key} given {len(items)} times")
        return {key: items[-1] for key, items in seen.items()}

    try:
        json.loads(text, object_pairs_hook=hook, parse_int=safe_int, parse_float=safe_float)
    except (ValueError, RecursionError):
        return None
    return "duplicate keys: " + "; ".join(found) if found else None
