"""Make log-derived text inert before it reaches a terminal.

User agents, user names and request parameters are attacker-controlled. Anything shown to a
user goes through :func:`inert`: control characters (C0, C1, DEL, so ESC sequences such as
CSI and OSC 52 too), bidirectional overrides and zero-width characters are replaced by a
visible escape, and very long values are cut with a note. Markup is never interpreted by the
callers (they build ``rich.text.Text``/``Content`` from plain strings), so ``[bold]`` stays
literal text.
"""

from __future__ import annotations

import re
from typing import Final

#: Characters that must never reach the terminal as themselves.
_DANGEROUS: Final = re.compile(
    "["
    "\x00-\x08\x0b-\x1f\x7f"  # C0 (but tab and newline) and DEL
    "\x80-\x9f"  # C1, including the 8-bit CSI and OSC introducers
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"  # bidi marks, zero-width
    "\ufff9-\ufffb"  # interlinear annotation
    "]"
)
_NEWLINES: Final = re.compile("[\t\n\r]")

#: Longest value shown in one piece; longer ones are cut with a note of the full length.
MAX_SHOWN: Final = 2000


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def inert(value: object, *, limit: int | None = MAX_SHOWN, single_line: bool = True) -> str:
    """Return ``value`` as text that is safe to print and cannot restyle the terminal.

    Args:
        value: Any value from a log (``None`` becomes an empty string).
        limit: Cut to this many characters (``None``: never cut).
        single_line: Also escape tabs and newlines, for table cells and status lines.

    Returns:
        The escaped text.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    cut = 0
    if limit is not None and len(text) > limit:
        cut = len(text) - limit
        text = text[:limit]
    text = _DANGEROUS.sub(_escape, text)
    if single_line:
        text = _NEWLINES.sub(_escape, text)
    if cut:
        text += f"… (+{cut:,} chars)"
    return text


def is_inert(text: str) -> bool:
    """Whether ``text`` holds nothing that :func:`inert` would escape (newlines allowed)."""
    return _DANGEROUS.search(text) is None
