"""Text and Markdown renderings of the tactic matrix (no Textual here).

:func:`render_text` lays the matrix out like the cheatsheet: tactics as columns, events as
cells with their counts. Columns are squeezed to fit the terminal and wrapped into bands
when ten do not fit; long event names end in an ellipsis; no line is wider than ``width``.
Cells marked ``*`` carry a corrected name, ``°`` a data event (a zero may mean "not
recorded") and ``+`` another note; the notes follow the table.
"""

from __future__ import annotations

import textwrap

from ctir_tui.engine.tactics.matrix import Matrix, MatrixTactic, cell_marker
from ctir_tui.text import cell_width, fit, inert

_GAP = 2
_MIN_COL = 12
_MAX_COL = 36
_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def render_text(matrix: Matrix, *, width: int, color: bool) -> str:
    """Render the matrix as plain text fitted to ``width`` columns.

    Args:
        matrix: The counts from :func:`ctir_tui.engine.tactics.matrix.matrix_counts`.
        width: Terminal width; no line is longer.
        color: Dim zero cells and embolden headers with ANSI codes. When False the output
            holds no escape codes at all.

    Returns:
        The table (in one or more bands of columns) followed by the cell notes.
    """
    width = max(width, 1)
    tactics = list(matrix.tactics)
    lines: list[str] = []
    for band in _bands(tactics, width):
        if lines:
            lines.append("")
        lines += _render_band(band, width, color)
    notes = _notes(tactics)
    if notes:
        lines.append("")
        for marker, event, note in notes:
            text = f"{marker} {inert(event)}: {inert(note)}"
            lines += textwrap.wrap(text, width=width, subsequent_indent="  ") or [""]
    return "\n".join(fit(line, width, pad=False) if not color else line for line in lines)


def render_markdown(matrix: Matrix) -> str:
    """Render the matrix as Markdown: one table (tactics as columns), then the notes.

    Args:
        matrix: The counts from :func:`ctir_tui.engine.tactics.matrix.matrix_counts`.

    Returns:
        Markdown text.
    """
    tactics = list(matrix.tactics)
    if not tactics:
        return "_No tactics._\n"
    header = [f"{_md(t.title)} ({t.id}): {t.count}" for t in tactics]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(tactics)]
    depth = max((len(t.cells) for t in tactics), default=0)
    for row in range(depth):
        cells = []
        for t in tactics:
            if row < len(t.cells):
                c = t.cells[row]
                text = f"{_md(c.event)}{_md(cell_marker(c))} {c.count}"
                cells.append(text if c.count else f"_{text}_")
            else:
                cells.append("")
        out.append("| " + " | ".join(cells) + " |")
    notes = _notes(tactics)
    if notes:
        out.append("")
        for marker, event, note in notes:
            out.append(f"- {_md(marker)} **{_md(event)}**: {_md(note)}")
    return "\n".join(out) + "\n"


def _floor(t: MatrixTactic, width: int) -> int:
    """A column's least width: its header in full (name and count), if the screen allows."""
    return min(width, max(_MIN_COL, cell_width(inert(t.title)) + 1 + len(str(t.count))))


def _bands(tactics: list[MatrixTactic], width: int) -> list[list[MatrixTactic]]:
    """Split the columns into bands whose headers fit, as evenly as possible."""

    def fits(band: list[MatrixTactic]) -> bool:
        return sum(_floor(t, width) for t in band) + _GAP * (len(band) - 1) <= width

    greedy: list[list[MatrixTactic]] = []
    for t in tactics:
        if greedy and fits([*greedy[-1], t]):
            greedy[-1].append(t)
        else:
            greedy.append([t])
    if not greedy:
        return []
    # Balance: 10 columns in 2 bands as 5 + 5 rather than 8 + 2, when that fits too.
    per = -(-len(tactics) // len(greedy))
    even = [tactics[i : i + per] for i in range(0, len(tactics), per)]
    return even if len(even) == len(greedy) and all(fits(b) for b in even) else greedy


def _render_band(band: list[MatrixTactic], width: int, color: bool) -> list[str]:
    natural = [max(_natural_width(t), _floor(t, width)) for t in band]
    floors = [_floor(t, width) for t in band]
    widths = _fit(natural, floors, width - _GAP * (len(band) - 1))
    heads = [_pair(t.title, str(t.count), w) for t, w in zip(band, widths, strict=True)]
    rules = ["─" * w for w in widths]
    if color:
        heads = [_style(h, _BOLD if t.count else _DIM) for h, t in zip(heads, band, strict=True)]
    lines = [_join(heads), _join(rules)]
    for row in range(max((len(t.cells) for t in band), default=0)):
        parts = []
        for t, w in zip(band, widths, strict=True):
            if row >= len(t.cells):
                parts.append(" " * w)
                continue
            c = t.cells[row]
            text = _pair(c.event + cell_marker(c), str(c.count), w)
            parts.append(_style(text, _DIM) if color and c.count == 0 else text)
        lines.append(_join(parts).rstrip())
    return lines


def _natural_width(t: MatrixTactic) -> int:
    want = [cell_width(inert(t.title)) + 1 + len(str(t.count))]
    want += [
        cell_width(inert(c.event)) + len(cell_marker(c)) + 1 + len(str(c.count)) for c in t.cells
    ]
    return min(max(want), _MAX_COL)


def _fit(natural: list[int], floors: list[int], room: int) -> list[int]:
    """Share ``room`` among columns: each gets its floor, then more up to its natural width."""
    widths = list(floors)
    if sum(widths) > room:  # a single column wider than the screen
        return [max(1, room // len(widths))] * len(widths)
    spare = room - sum(widths)
    pending = sorted(
        (i for i in range(len(natural)) if natural[i] > floors[i]),
        key=lambda i: natural[i] - floors[i],
    )
    while pending and spare > 0:
        share = spare // len(pending)
        i = pending[0]
        need = natural[i] - widths[i]
        if need <= share:
            widths[i] += need
            spare -= need
            pending.pop(0)
            continue
        for j in pending:
            widths[j] += share
        for j in pending[: spare - share * len(pending)]:
            widths[j] += 1
        break
    return widths


def _pair(left: str, right: str, width: int) -> str:
    """``left`` then ``right`` flush right in ``width`` cells, ``left`` cut with an ellipsis."""
    left = inert(left)
    if len(right) + 2 > width:
        return fit(f"{left} {right}", width)
    return fit(left, width - len(right) - 1) + " " + right


def _join(parts: list[str]) -> str:
    return (" " * _GAP).join(parts)


def _style(text: str, code: str) -> str:
    body = text.rstrip()
    return f"{code}{body}{_RESET}" + text[len(body) :]


def _notes(tactics: list[MatrixTactic]) -> list[tuple[str, str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for t in tactics:
        for c in t.cells:
            if c.note and (c.event, c.note) not in seen:
                seen.add((c.event, c.note))
                out.append((cell_marker(c), c.event, c.note))
    return out


def _md(text: str) -> str:
    return (
        inert(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )
