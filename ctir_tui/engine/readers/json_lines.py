"""JSON Lines: one value per line (``jq -c '.Records[]'``, SIEM exports, lookup items).

A line may hold a bare record, a ``lookup-events`` item, a CloudWatch log event, or a whole
wrapper document (``jq -c .`` of several delivery files, a lookup-events page, a
``filter-log-events`` answer): every item of it is read. A bad line is a rejected record
named by its line number; the others still load, even when the first lines are garbage.
Fixture: ``tests/readers/fixtures/json-lines.jsonl``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, Final

import orjson

from ctir_tui.engine.readers.base import Item, Parsed, Reader
from ctir_tui.engine.readers.elements import classify_shared, container, elements, rejected
from ctir_tui.engine.readers.framing import item_texts

#: How many of the first lines decide whether a file is line-shaped at all.
PROBE_LINES: Final = 16
#: Bad lines rejected with their own line number; later ones share one reason.
MAX_NAMED_LINES: Final = 1000


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers, one at a time (no list of all lines)."""
    number, pos, n = 0, 0, len(text)
    while pos < n:
        end = text.find("\n", pos)
        if end < 0:
            end = n
        number += 1
        line = text[pos:end]
        pos = end + 1
        if line.strip():
            yield number, line.rstrip("\r")


def _is_object(body: str) -> bool:
    try:
        return isinstance(orjson.loads(body), dict)
    except orjson.JSONDecodeError:
        return False


def _body(line: str, prefix: re.Pattern[str] | None) -> str | None:
    """The JSON part of a line (None when a required prefix is missing)."""
    if prefix is None:
        return line
    match = prefix.match(line)
    return line[match.end() :] if match else None


def line_shaped(lines: list[str], prefix: re.Pattern[str] | None) -> bool:
    """Whether the first lines of a file read as JSON Lines.

    At least two lines, and at least as many of them objects on their own as not: a few
    garbage lines before the records do not hide the file, while a pretty-printed document
    (lines like ``"eventName": "X",``) is no JSON Lines file.
    """
    if len(lines) < 2:
        return False
    good = 0
    for line in lines:
        body = _body(line, prefix)
        good += body is not None and _is_object(body)
    return good >= 1 and good * 2 >= len(lines)


def _items_of_line(body: str, value: object, *, want_raw: bool) -> list[Item]:
    """The items one decoded line holds: its record, or every item of a wrapper."""
    found = container(value)
    if found is not None and found[1] is not None:
        items = [classify_shared(element) for element in elements(value, found[1])]
        if want_raw:
            texts = item_texts(body)
            if texts is not None and len(texts) == len(items):
                for item, raw in zip(items, texts, strict=True):
                    if item.record is not None:
                        item.raw = raw
        return items
    item = classify_shared(value)
    if want_raw and item.raw is None and item.record is not None:
        item.raw = body
    return [item]


def read_lines(
    text: str, shape: str, prefix: re.Pattern[str] | None, *, want_raw: bool
) -> Parsed | None:
    """Parse line-shaped text, each line optionally behind a ``prefix`` to strip.

    Returns None when the text is not line-shaped (see :func:`line_shaped`).
    """
    probe: list[str] = []
    for _number, line in iter_lines(text):
        probe.append(line)
        if len(probe) >= PROBE_LINES:
            break
    if not line_shaped(probe, prefix):
        return None
    parsed = Parsed(shape=shape)
    good = bad = 0
    for number, line in iter_lines(text):
        body = _body(line, prefix)
        if body is None:
            body = line
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            bad += 1
            # Past the first lines (the report keeps only the first reasons anyway), a
            # shared reason keeps a file of garbage lines in bounded memory.
            parsed.items.append(
                Item(None, f"line {number}: invalid JSON ({exc})")
                if bad <= MAX_NAMED_LINES
                else rejected("invalid JSON line")
            )
            continue
        good += 1
        parsed.items.extend(_items_of_line(body, value, want_raw=want_raw))
    return parsed if good else None


class JsonLinesReader(Reader):
    """One JSON value per line."""

    shape: ClassVar[str] = "json-lines"

    def sniff(self, head: bytes) -> int:
        """Objects that close on their own lines, with more after them.

        A first line longer than ``head`` may still be one: a low score lets the reader
        look, before the whole-document shapes that accept anything. A few garbage lines
        first lower the score but do not hide the records after them.
        """
        first, newline, rest = head.partition(b"\n")
        if not newline:
            return 20 if head.startswith(b"{") else 0
        if not rest.strip():
            return 0
        if head.startswith(b"{") and _is_object(first.decode("utf-8", "replace")):
            return 70
        # Only whole lines count: the last one in ``head`` may be cut.
        whole = head[: head.rfind(b"\n")].decode("utf-8", "replace")
        lines = [line for _n, line in iter_lines(whole)][:PROBE_LINES]
        return 40 if line_shaped(lines, None) else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Parse every line."""
        return read_lines(data.decode("utf-8", "replace"), self.shape, None, want_raw=want_raw)
