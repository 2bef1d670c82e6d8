"""Where the JSON values of a file are: whole documents, concatenated ones, array elements.

Span-aware decoding (the standard library's ``raw_decode``) gives each value's exact text,
which is how an event's original record is shown byte for byte, and how a damaged file is
resynchronised to its next record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

from ctir_tui.engine.readers.elements import container, is_record
from ctir_tui.engine.readers.typed import safe_float, safe_int

#: Huge integers are kept as text and odd floats as written (see ``typed``).
DECODER: Final = json.JSONDecoder(parse_int=safe_int, parse_float=safe_float)
_WS: Final = re.compile(r"[ \t\n\r]*")
Span = tuple[Any, int, int]


def skip_ws(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace."""
    match = _WS.match(text, pos)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def position(text: str, pos: int) -> str:
    """``line L column C`` of a character offset, for error messages."""
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line} column {col}"


def split_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def scan_documents(text: str) -> list[Span] | None:
    """Decode concatenated JSON documents with their spans; None if any part fails."""
    docs: list[Span] = []
    pos = skip_ws(text, 0)
    while pos < len(text):
        try:
            value, end = DECODER.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            return None
        docs.append((value, pos, end))
        pos = skip_ws(text, end)
    return docs


def element_spans(text: str, start: int) -> tuple[list[Span], list[str]]:
    """Decode array elements from ``start`` one by one, resynchronising after damage.

    Returns the decoded elements with their spans, and a description of each damaged spot.
    """
    out: list[Span] = []
    damage: list[str] = []
    pos = start
    n = len(text)
    while pos < n:
        pos = skip_ws(text, pos)
        if pos >= n or text[pos] == "]":
            break
        if text[pos] == ",":
            pos += 1
            continue
        try:
            value, end = DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            # Skip to the next object that decodes as a record; what lies between is lost.
            resume = resync(text, pos + 1)
            lost_to = resume if resume is not None else n
            damage.append(f"{position(text, exc.pos)}: {exc.msg}; {lost_to - pos} bytes lost")
            if resume is None:
                break
            pos = resume
            continue
        out.append((value, pos, end))
        pos = skip_ws(text, end)
        if pos < n and text[pos] not in ",]":
            damage.append(f"{position(text, pos)}: expected ',' or ']' between records")
    return out, damage


def resync(text: str, pos: int) -> int | None:
    """The start of the next object at or after ``pos`` that decodes as a record."""
    while True:
        pos = text.find("{", pos)
        if pos < 0:
            return None
        try:
            value, _end = DECODER.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos += 1
            continue
        if isinstance(value, dict) and (is_record(value) or "CloudTrailEvent" in value):
            return pos
        pos += 1


def key_array_start(text: str, obj_start: int, key: str | None) -> int | None:
    """The position after ``[`` of member ``key`` in the object at ``obj_start``."""
    pos = obj_start + 1
    while True:
        pos = skip_ws(text, pos)
        if text.startswith("}", pos):
            return None
        name, pos = DECODER.raw_decode(text, pos)
        pos = skip_ws(text, pos) + 1  # the colon
        pos = skip_ws(text, pos)
        if name == key:
            return pos + 1
        _value, pos = DECODER.raw_decode(text, pos)
        pos = skip_ws(text, pos)
        if text.startswith(",", pos):
            pos += 1


def item_texts(text: str) -> list[str] | None:
    """The exact text of every item of every document in ``text``, in document order.

    Returns None when the text is not a sequence of whole documents.
    """
    docs = scan_documents(text)
    if docs is None:
        return None
    texts: list[str] = []
    for doc, a, b in docs:
        found = container(doc)
        if found is None or found[0] == "digest":
            continue
        key = found[1]
        if key is None and not isinstance(doc, list):
            texts.append(text[a:b])
            continue
        start = a + 1 if isinstance(doc, list) else key_array_start(text, a, key)
        if start is None:
            return None
        spans, _damage = element_spans(text, start)
        texts.extend(text[s:e] for _v, s, e in spans)
    return texts
