"""Documents crowded with tiny items (``{"Records":[0,0,0,...]}``), read in bounded memory.

A 19 KB gzip can inflate to ten million array elements. Decoding that document whole
builds an object per element (gigabytes for ``[{},{},...]``); here its item array is
walked element by element instead (:func:`~ctir_tui.engine.readers.framing.iter_elements`),
records kept, and every rejected element counted under a shared reason, so memory grows by
a pointer per element. A real trail file has one comma per 40 bytes or so; one per
:data:`DENSITY` bytes or fewer marks a crowded file.
"""

from __future__ import annotations

import re
from typing import Final

from ctir_tui.engine.readers.base import Parsed
from ctir_tui.engine.readers.elements import CONTAINERS, classify_shared, take_element
from ctir_tui.engine.readers.framing import Damage, next_element, skip_ws

#: Fewer bytes per comma than this, in a file of at least :data:`MIN_SIZE`, is crowded.
DENSITY: Final = 8
MIN_SIZE: Final = 1 << 20
_MEMBER: Final = re.compile(r'\A\s*\{\s*"(Records|Events|logEvents|events)"\s*:\s*\[')
_SHAPES: Final = dict(CONTAINERS)
_W: Final = r"[ \t\n\r]*"
#: Elements per run match (the regex engine's memory grows with a run's length).
_RUN_MAX: Final = 4096
#: Runs of tiny elements of one kind, each followed by a comma (a string holds no quote or
#: backslash, so its quotes count it).
_RUN: Final = re.compile(
    "|".join(
        f"(?P<{kind}>(?:{_W}(?:{pattern}){_W},){{1,{_RUN_MAX}}})"
        for kind, pattern in (
            ("number", r"-?\d+"),
            ("null", "null"),
            ("boolean", "true|false"),
            ("string", r'"[^"\\]*"'),
            ("empty_object", r"\{" + _W + r"\}"),
            ("empty_array", r"\[" + _W + r"\]"),
        )
    )
)
#: The shared rejected item of each kind of run (the reason :func:`classify` gives).
_RUN_ITEMS: Final = {
    kind: classify_shared(sample)
    for kind, sample in (
        ("number", 0),
        ("null", None),
        ("boolean", False),
        ("string", ""),
        ("empty_object", {}),
        ("empty_array", []),
    )
}


def crowded(data: bytes) -> bool:
    """Whether ``data`` holds far more array elements than records could fill."""
    return len(data) >= MIN_SIZE and data.count(b",") * DENSITY > len(data)


def read_crowded(data: bytes, *, want_raw: bool) -> Parsed | None:
    """Walk the item array of a crowded document; None if it does not open with one."""
    text = data.decode("utf-8", "replace")
    start = skip_ws(text, 0)
    if text.startswith("[", start):
        shape, first = "json-array", start + 1
    else:
        match = _MEMBER.match(text)
        if match is None:
            return None
        shape, first = _SHAPES[match.group(1)], match.end()
    parsed = Parsed(shape=shape)
    damage = Damage(text)
    kept = 0
    pos: int | None = first
    while pos is not None:
        run = _RUN.match(text, pos)
        if run is not None:
            # A run of elements of one kind, each followed by a comma: counted at C speed.
            kind = run.lastgroup or "number"
            found = run.group()
            count = found.count('"') // 2 if kind == "string" else found.count(",")
            parsed.items.extend([_RUN_ITEMS[kind]] * count)
            pos = run.end()
            continue
        span, pos = next_element(text, pos, damage)
        if span is None:
            continue
        value, a, b = span
        kept += take_element(parsed, text, value, a, b, want_raw)
    if damage.count:
        parsed.shape += " (damaged)"
        parsed.salvage = f"salvaged {kept} records; " + "; ".join(damage.described())
    return parsed
