"""The last resort for a damaged JSON file: keep every record that can still be decoded.

A missing comma, a truncated upload or garbage mid-file stops a strict parser at the first
fault. Here the item array is found (``Records``, ``Events``... or a top-level ``[``) and
decoded element by element, resynchronising at the next object that decodes as a record;
the report says what was salvaged and how many bytes were lost where.
"""

from __future__ import annotations

import json
import re
from typing import Final

from ctir_tui.engine.readers.base import Parsed
from ctir_tui.engine.readers.elements import classify
from ctir_tui.engine.readers.framing import DECODER, element_spans, position, skip_ws

_ARRAY_MEMBER: Final = re.compile(r'"(Records|Events|logEvents|events)"\s*:\s*\[')


def _array_start(text: str) -> int | None:
    """Find the item array of a (possibly broken) document."""
    stripped = skip_ws(text, 0)
    if text.startswith("[", stripped):
        return stripped + 1
    match = _ARRAY_MEMBER.search(text)
    return match.end() if match else None


def strict_error(text: str) -> str:
    """Where and why a strict parser gives up on ``text``."""
    try:
        DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at {position(text, exc.pos)}"
    return "not one JSON document"


def salvage(data: bytes, *, want_raw: bool) -> Parsed:
    """Recover the records of a damaged JSON file (``error`` set when none could be)."""
    text = data.decode("utf-8", "replace")
    error = strict_error(text)
    parsed = Parsed(shape="unknown")
    start = _array_start(text)
    if start is None:
        parsed.error = f"invalid JSON: {error}"
        return parsed
    spans, damage = element_spans(text, start)
    for value, a, b in spans:
        item = classify(value)
        if want_raw and item.raw is None and item.record is not None:
            item.raw = text[a:b]
        parsed.items.append(item)
    if not any(i.record is not None for i in parsed.items):
        parsed.items.clear()
        parsed.error = f"invalid JSON: {error}"
        return parsed
    parsed.shape = "s3-delivery (damaged)"
    kept = sum(1 for i in parsed.items if i.record is not None)
    parsed.salvage = f"invalid JSON ({error}); salvaged {kept} records; " + "; ".join(damage)
    return parsed
