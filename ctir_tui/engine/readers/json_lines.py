"""JSON Lines: one value per line (``jq -c '.Records[]'``, SIEM exports, lookup items).

A line may hold a bare record, a ``lookup-events`` item, a CloudWatch log event, or a whole
delivery object (``jq -c .`` of several files). A bad line is a rejected record; the others
still load. Fixture: ``tests/readers/fixtures/json-lines.jsonl``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import orjson

from ctir_tui.engine.readers.base import Item, Parsed, Reader
from ctir_tui.engine.readers.elements import classify
from ctir_tui.engine.readers.framing import item_texts, split_lines


def read_lines(
    text: str, shape: str, prefix: re.Pattern[str] | None, *, want_raw: bool
) -> Parsed | None:
    """Parse line-shaped text, each line optionally behind a ``prefix`` to strip.

    Returns None when the text is not line-shaped: fewer than two lines, or a first line
    that is not a JSON object on its own (a pretty-printed document).
    """
    lines = list(split_lines(text))
    if len(lines) < 2:
        return None
    first = lines[0][1]
    if prefix is not None:
        match = prefix.match(first)
        if match is None:
            return None
        first = first[match.end() :]
    try:
        if not isinstance(orjson.loads(first), dict):
            return None
    except orjson.JSONDecodeError:
        return None
    parsed = Parsed(shape=shape)
    good = 0
    for number, line in lines:
        body = line
        if prefix is not None:
            match = prefix.match(line)
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
            items = [classify(element) for element in value["Records"]]
            if want_raw:
                texts = item_texts(body)
                if texts is not None and len(texts) == len(items):
                    for item, raw in zip(items, texts, strict=True):
                        item.raw = raw if item.record is not None else None
            parsed.items.extend(items)
            continue
        item = classify(value)
        if want_raw and item.raw is None and item.record is not None:
            item.raw = body
        parsed.items.append(item)
    return parsed if good else None


class JsonLinesReader(Reader):
    """One JSON value per line."""

    shape: ClassVar[str] = "json-lines"

    def sniff(self, head: bytes) -> int:
        """An object that closes on its first line, with more after it.

        A first line longer than ``head`` may still be one: a low score lets the reader
        look, before the whole-document shapes that accept anything.
        """
        if not head.startswith(b"{"):
            return 0
        first, newline, rest = head.partition(b"\n")
        if not newline:
            return 20
        if not rest.strip():
            return 0
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return 0
        return 70

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Parse every line."""
        return read_lines(data.decode("utf-8", "replace"), self.shape, None, want_raw=want_raw)
