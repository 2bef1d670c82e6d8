"""Plain-text output of the analyses: lines that fit the terminal and hold nothing live.

Every value from a log goes through :func:`ctir_tui.text.inert` (controls, bidi and
zero-width characters shown as escapes) and :func:`ctir_tui.text.fit` (cut to the cells
left), so no line is wider than the terminal and none can restyle it. JSON output goes
through :func:`ctir_tui.text.json_safe`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from ctir_tui.engine.times import when
from ctir_tui.text import cell_width, fit, inert, json_safe

#: Width used when the output is not a terminal and COLUMNS is unset.
DEFAULT_WIDTH = 120


def width() -> int:
    """The terminal's width (``COLUMNS``, else the terminal, else :data:`DEFAULT_WIDTH`)."""
    return max(20, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def cell(value: Any, limit: int = 300) -> str:
    """A value as inert one-line text (``-`` for none, flags as yes/no)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return inert(value, limit=limit)


def line(text: str, cols: int) -> str:
    """``text`` (already inert) cut to ``cols`` cells."""
    return fit(text.rstrip(), cols, pad=False)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    cols: int,
    caps: Sequence[float] | None = None,
) -> list[str]:
    """Columns of inert text, left-aligned; the last column takes what room is left.

    Columns are as wide as their widest cell, at most ``caps[i]`` of the width (a third by
    default), and the last is cut to fit: no line is wider than ``cols``.
    """
    body = [list(r) for r in rows]
    every = [list(headers), *body]
    count = len(headers)
    widths = []
    for i in range(count - 1):
        widest = max(cell_width(r[i]) for r in every)
        share = caps[i] if caps is not None and i < len(caps) else 1 / 3
        widths.append(min(widest, max(6, int(cols * share))))
    out = []
    for r in every:
        # Cut in the middle: an ARN keeps its account and its name.
        parts = [fit(r[i], widths[i], middle=True) for i in range(count - 1)]
        used = sum(widths) + 2 * (count - 1)
        parts.append(fit(r[-1], max(cols - used, 1), pad=False))
        out.append(line("  ".join(parts).rstrip(), cols))
    return out


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON, with what a terminal would act on escaped."""
    sys.stdout.write(json_safe(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()) + "\n")


def print_lines(lines: Iterable[str]) -> None:
    """Write lines (already inert and fitted)."""
    sys.stdout.write("".join(f"{text}\n" for text in lines))
