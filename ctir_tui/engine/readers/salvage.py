"""The last resort for a damaged JSON file: keep every record that can still be decoded.

A missing comma, a truncated upload or garbage mid-file stops a strict parser at the first
fault. Here the item array is found (``Records``, ``Events``... or a top-level ``[``) and
decoded element by element, resynchronising at the next object that decodes as a record;
the report says what was salvaged and how many bytes were lost where. Resynchronising is
linear in the file's size (:func:`~ctir_tui.engine.readers.framing.resync`).
"""

from __future__ import annotations

import json
import re
from typing import Final

from ctir_tui.engine.readers.base import Parsed
from ctir_tui.engine.readers.elements import take_element
from ctir_tui.engine.readers.framing import (
    DECODER,
    Damage,
    ScanStats,
    iter_elements,
    position,
    readable,
    skip_ws,
)

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
        return f"{readable(exc.msg)} at {position(text, exc.pos)}"
    except RecursionError:
        return "nested too deeply"
    return "not one JSON document"


def salvage(data: bytes, *, want_raw: bool, stats: ScanStats | None = None) -> Parsed:
    """Recover the records of a damaged JSON file (``error`` set when none could be).

    Args:
        data: The file's bytes.
        want_raw: Attach each record's exact text.
        stats: Filled with what resynchronising cost (for tests and the benchmark).
    """
    text = data.decode("utf-8", "replace")
    error = strict_error(text)
    parsed = Parsed(shape="unknown")
    start = _array_start(text)
    if start is None:
        parsed.error = f"invalid JSON: {error}"
        return parsed
    damage = Damage(text)
    kept = 0
    for value, a, b in iter_elements(text, start, damage, stats):
        kept += take_element(parsed, text, value, a, b, want_raw)
    if not kept:
        parsed.items.clear()
        parsed.error = f"invalid JSON: {error}"
        return parsed
    parsed.shape = "s3-delivery (damaged)"
    parsed.salvage = f"invalid JSON ({error}); salvaged {kept} records; " + "; ".join(
        damage.described()
    )
    return parsed
