"""Lay a JSON record out as indented, classified lines, each scalar line knowing its path.

This is what :class:`~ctir_tui.ui.widgets.event_detail.EventDetail` draws. The tokens carry a
kind (key, string, number...) rather than a style so that the widget picks styles from its
component classes; every piece of text from the record has been made inert here already.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

import orjson
from rich.cells import cell_len

from ctir_tui.text import MAX_SHOWN, inert

Kind = Literal["key", "string", "number", "boolean", "null", "punct", "note", "plain"]
Token = tuple[str, Kind]

#: Longest key shown in full.
KEY_LIMIT: Final = 200
#: Most lines shown of a record that is not JSON.
RAW_LINES: Final = 5000
_IDENTIFIER: Final = re.compile(r"[A-Za-z_@$][\w@$-]*\Z")


@dataclass(frozen=True, slots=True)
class Field:
    """A scalar value of the record: where it is and what it holds."""

    path: str
    """Path such as ``userIdentity.arn`` or ``resources[0].ARN``."""
    value: str | None
    """The value as text (the string itself, a number's digits, ``true``); ``None`` for null."""


@dataclass(frozen=True, slots=True)
class JsonLine:
    """One line of the pretty-printed record."""

    tokens: tuple[Token, ...]
    field: Field | None = None

    @property
    def text(self) -> str:
        """The line's plain text."""
        return "".join(text for text, _ in self.tokens)


def parse(raw: str) -> tuple[bool, Any]:
    """Parse ``raw`` as JSON (orjson, then the standard library for huge integers)."""
    try:
        return True, orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return True, json.loads(raw)
    except (ValueError, RecursionError):
        return False, None


def record_lines(raw: str) -> list[JsonLine]:
    """The lines of a record's original text: indented JSON, or the text itself if not JSON."""
    ok, value = parse(raw)
    if ok:
        try:
            return value_lines(value)
        except RecursionError:
            pass
    lines = [JsonLine((("(not valid JSON; shown as written)", "note"),))]
    text_lines = raw.splitlines()
    for line in text_lines[:RAW_LINES]:
        lines.append(JsonLine(((inert(line), "plain"),)))
    if len(text_lines) > RAW_LINES:
        lines.append(JsonLine(((f"… (+{len(text_lines) - RAW_LINES:,} lines)", "note"),)))
    return lines


def flag_lines(flags: str, notes: str | None) -> list[JsonLine]:
    """Why the loader flagged this record, above it (the record itself is as written)."""
    lines = [JsonLine(((f"(flagged as suspicious: {inert(flags, limit=200)})", "note"),))]
    if notes:
        lines.append(JsonLine(((f"({inert(notes, limit=600)})", "note"),)))
    return lines


def event_lines(event: dict[str, Any], why: str | None = None) -> list[JsonLine]:
    """The lines of a frame row, shown when the original record cannot be read (``why``)."""
    reason = f": {inert(why, limit=300)}" if why else ""
    note = JsonLine(((f"(original record unavailable{reason}; normalised fields)", "note"),))
    return [note, *value_lines({k: _plain(v) for k, v in event.items()})]


def pretty(value: Any) -> str:
    """``value`` as JSON indented by two spaces (frame values such as datetimes as text)."""
    return orjson.dumps(_plain(value), option=orjson.OPT_INDENT_2).decode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def value_lines(value: Any) -> list[JsonLine]:
    """Lay out a parsed JSON value, two spaces per level, keys in their original order."""
    out: list[JsonLine] = []
    _walk(value, 0, (), "", False, out)
    return out


def _join(path: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _walk(
    value: Any, depth: int, prefix: tuple[Token, ...], path: str, comma: bool, out: list[JsonLine]
) -> None:
    pad: tuple[Token, ...] = (("  " * depth, "plain"),) if depth else ()
    tail: tuple[Token, ...] = ((",", "punct"),) if comma else ()
    if isinstance(value, dict | list) and value:
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        out.append(JsonLine((*pad, *prefix, (opening, "punct"))))
        last = len(value) - 1
        if isinstance(value, dict):
            for i, (key, item) in enumerate(value.items()):
                key_text = str(key)
                name: tuple[Token, ...] = (*_quoted(key_text, "key", KEY_LIMIT), (": ", "punct"))
                _walk(item, depth + 1, name, _join(path, key_text), i < last, out)
        else:
            for i, item in enumerate(value):
                _walk(item, depth + 1, (), f"{path}[{i}]", i < last, out)
        out.append(JsonLine((*pad, (closing, "punct"), *tail)))
        return
    if isinstance(value, dict | list):
        empty = "{}" if isinstance(value, dict) else "[]"
        out.append(JsonLine((*pad, *prefix, (empty, "punct"), *tail)))
        return
    scalar, raw = _scalar(value)
    out.append(JsonLine((*pad, *prefix, *scalar, *tail), Field(path, raw)))


def _scalar(value: Any) -> tuple[tuple[Token, ...], str | None]:
    if value is None:
        return (("null", "null"),), None
    if isinstance(value, bool):
        text = "true" if value else "false"
        return ((text, "boolean"),), text
    if isinstance(value, int | float):
        text = json.dumps(value)
        return ((inert(text), "number"),), text
    text = str(value)
    return _quoted(text, "string", MAX_SHOWN), text


def _quoted(text: str, kind: Kind, limit: int) -> tuple[Token, ...]:
    """``text`` as a JSON string literal made inert, cut at ``limit`` with a visible note."""
    cut = len(text) - limit if len(text) > limit else 0
    shown = text[:limit] if cut else text
    try:
        escaped = orjson.dumps(shown).decode()
    except TypeError:  # lone surrogates from the standard library parser
        escaped = json.dumps(shown)
    tokens: tuple[Token, ...] = ((inert(escaped, limit=None), kind),)
    if cut:
        tokens += ((f" … (+{cut:,} chars)", "note"),)
    return tokens


#: Characters after which a long value may wrap (paths, ARNs, lists, query strings).
_BREAK_AFTER: Final = frozenset(" ,;/:=&|)-")


def wrap_spans(line: JsonLine, width: int) -> list[tuple[int, int, int]]:
    """Where a line wraps at ``width`` cells: ``(start, end, indent)`` character spans.

    Lines break between tokens (a key and its value) or inside a value after a separator
    (``/``, ``:``, ``,``, a space...), never in the middle of a word when a separator is near;
    a run longer than the width (a session token) is cut where it must be. Continuation
    lines are indented under the line's own indentation, so a wrapped value reads as one.
    Text is made inert before it gets here, so one character is one cell except for wide
    (East Asian) characters, which count two.
    """
    text = line.text
    if width <= 0:
        return [(0, len(text), 0)]
    cells = [cell_len(ch) for ch in text] if not text.isascii() else None
    if (sum(cells) if cells is not None else len(text)) <= width:
        return [(0, len(text), 0)]
    boundaries = set()
    offset = 0
    for token, _ in line.tokens:
        offset += len(token)
        boundaries.add(offset)
    breaks = [i + 1 for i, ch in enumerate(text) if ch in _BREAK_AFTER or i + 1 in boundaries]
    pad = len(text) - len(text.lstrip(" "))
    indent = min(pad + 4, width // 3)
    spans: list[tuple[int, int, int]] = []
    start, room, lead = 0, width, 0
    while start < len(text):
        end, used = start, 0
        while end < len(text):
            step = cells[end] if cells is not None else 1
            if used + step > room:
                break
            used += step
            end += 1
        if end >= len(text):
            spans.append((start, len(text), lead))
            break
        # The last separator in the piece, unless it would leave most of the line empty.
        best = max((b for b in breaks if start < b <= end), default=None)
        if best is not None and best - start >= room // 3:
            end = best
        end = max(end, start + 1)
        spans.append((start, end, lead))
        start, room, lead = end, max(width - indent, 1), indent
    return spans
