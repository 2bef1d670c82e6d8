"""Make log-derived text inert before it reaches a terminal, and fit it to a width.

User agents, user names and request parameters are attacker-controlled. Anything shown to a
user goes through :func:`inert`: control characters (C0, C1, DEL, so ESC sequences such as
CSI and OSC 52 too), bidirectional overrides and zero-width characters are replaced by a
visible escape, lone surrogates (which no terminal can encode) likewise, and very long values
are cut with a note. Markup is never interpreted by the callers (they build
``rich.text.Text``/``Content`` from plain strings), so ``[bold]`` stays literal text.

:func:`fit` pads or cuts text to a number of terminal cells; :func:`cell_width` measures it.
Neither needs Rich, so the engine's text renderings use them too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

_CONTROLS: Final = (
    "\x00-\x08\x0b-\x1f\x7f"  # C0 (but tab and newline) and DEL
    "\x80-\x9f"  # C1, including the 8-bit CSI and OSC introducers
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"  # bidi marks, zero-width
    "\ufff9-\ufffb"  # interlinear annotation
)
#: The same characters as a pattern Polars (Rust's regex) can use on valid UTF-8 columns.
DANGEROUS_PATTERN: Final = f"[{_CONTROLS}]"
#: Characters that must never reach the terminal as themselves; lone surrogates too
#: (undecodable file names, broken JSON escapes), which no terminal can encode.
_DANGEROUS: Final = re.compile(f"[{_CONTROLS}\ud800-\udfff]")
#: What a terminal would act on inside JSON text (raw controls are invalid JSON anyway).
_JSON_DANGEROUS: Final = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_NEWLINES: Final = re.compile("[\t\n\r]")

#: Longest value shown in one piece; longer ones are cut with a note of the full length.
MAX_SHOWN: Final = 2000
ELLIPSIS: Final = "…"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte an undecodable name held (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"<U+{code:04X}>"


def json_safe(text: str) -> str:
    """JSON text with what a terminal would act on written as ``\\uXXXX`` escapes.

    Such characters can only stand inside JSON strings, where the escape means the same
    character: the JSON is unchanged, only inert.
    """
    return _JSON_DANGEROUS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
        text += f"{ELLIPSIS} (+{cut:,} chars)"
    return text


def pasteable(text: str, *, json: bool = False) -> str:
    """Text for the clipboard that does nothing but appear when pasted.

    Pasting is typing: an escape (a bracketed-paste end, ``\x1b[201~``) or a newline in a
    copied value would run what follows in the shell. Controls, bidi marks and line
    breaks are written as escapes. JSON keeps its line breaks (they are whitespace there)
    and escapes the rest as ``\\uXXXX``, so it stays the same JSON.
    """
    if json:
        return inert(json_safe(text), limit=None, single_line=False)
    return inert(text, limit=None, single_line=True)


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes (wide East Asian characters count two)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _head(text: str, width: int) -> str:
    """The longest prefix of ``text`` that fits in ``width`` cells."""
    if text.isascii():
        return text[:width]
    used = 0
    for index, char in enumerate(text):
        used += _char_width(char)
        if used > width:
            return text[:index]
    return text


def fit(text: str, width: int, *, middle: bool = False, pad: bool = True) -> str:
    """Pad or cut ``text`` to ``width`` cells, marking a cut with an ellipsis.

    Args:
        text: Text already made inert.
        width: Cells available.
        middle: Cut in the middle (``AuthorizeSecu…roupIngress``) so that names that
            differ only at the end stay apart.
        pad: Pad with spaces to exactly ``width`` cells.

    Returns:
        Text of exactly ``width`` cells (at most ``width`` when ``pad`` is false).
    """
    if width <= 0:
        return ""
    size = cell_width(text)
    if size <= width:
        return text + " " * (width - size) if pad else text
    if width == 1:
        return ELLIPSIS
    if middle:
        tail = (width - 1) // 2
        head = _head(text, width - 1 - tail)
        end = _head(text[::-1], tail)[::-1]
        out = head + ELLIPSIS + end
    else:
        out = _head(text, width - 1) + ELLIPSIS
    if pad:
        out += " " * (width - cell_width(out))
    return out
