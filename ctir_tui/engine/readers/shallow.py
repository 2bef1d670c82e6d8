"""Where the values of one JSON array or object are, found without recursion.

Every JSON decoder recurses, so a value nested a thousand deep stops it, and with it every
record of the file. These functions only track depth while stepping over strings and
brackets, so they can split a delivery file into its records, or a record into its fields,
whatever one of them holds; each part is then decoded on its own. They are the slow path
(a regular expression step per string or bracket), used only after a decoder gave up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

#: A JSON string (escapes included), or one structural character.
_TOKEN: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')
_WS: Final = b" \t\r\n"


class NotShallow(ValueError):
    """The text is not a well-formed array or object at the given position."""


def parts(data: bytes, start: int) -> Iterator[tuple[tuple[int, int] | None, tuple[int, int]]]:
    """The values of the array or object opening at ``start`` (``[`` or ``{``).

    Yields:
        For each value: the span of its key (objects; None for arrays) and its own span,
        both as ``(start, end)`` byte offsets into ``data``, whitespace trimmed.

    Raises:
        NotShallow: ``start`` is not a bracket, or the container is never closed.
    """
    opener = data[start : start + 1]
    if opener not in (b"[", b"{"):
        raise NotShallow(f"no array or object at byte {start}")
    is_object = opener == b"{"
    depth = 0
    key: tuple[int, int] | None = None
    value_start = start + 1
    for match in _TOKEN.finditer(data, start):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            continue
        if token in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                span = _trim(data, value_start, match.start())
                if span[0] < span[1]:
                    yield key, span
                return
            continue
        if depth != 1:
            continue
        if token == b":" and is_object:
            value_start = match.end()
        elif token == b",":
            span = _trim(data, value_start, match.start())
            if span[0] < span[1]:
                yield key, span
            key, value_start = None, match.end()
        elif is_object and key is None and token.startswith(b'"'):
            key = (match.start(), match.end())
    raise NotShallow(f"the value at byte {start} is never closed")


def member(data: bytes, start: int, name: bytes) -> tuple[int, int] | None:
    """The span of member ``name`` (its JSON text, quotes included) of the object at ``start``."""
    for key, span in parts(data, start):
        if key is not None and data[key[0] : key[1]] == name:
            return span
    return None


def first_bracket(data: bytes) -> int | None:
    """Where the first value of ``data`` starts, if it is an array or an object."""
    stripped = data.lstrip(_WS)
    if not stripped[:1] or stripped[:1] not in b"[{":
        return None
    return len(data) - len(stripped)


def _trim(data: bytes, a: int, b: int) -> tuple[int, int]:
    while a < b and data[a] in _WS:
        a += 1
    while b > a and data[b - 1] in _WS:
        b -= 1
    return a, b
