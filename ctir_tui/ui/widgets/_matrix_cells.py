"""The text of the matrix's cells and headers, fitted to a column, with their styles.

Pure functions: the widget passes the column width and the styles of its component classes.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.style import Style

from ctir_tui.engine.tactics.matrix import MatrixCell, MatrixTactic, cell_marker
from ctir_tui.text import fit, inert

#: A piece of a cell's text and its style.
Part = tuple[str, Style]


def magnitude(count: int) -> str:
    """The component class colouring a count: zero, low (1-9), mid (10-99), high."""
    if count <= 0:
        return "tactic-matrix--zero"
    if count < 10:
        return "tactic-matrix--low"
    if count < 100:
        return "tactic-matrix--mid"
    return "tactic-matrix--high"


def natural_width(tactic: MatrixTactic) -> int:
    """Cells a tactic's column needs to show its title and every cell's name uncut."""
    header = cell_len(inert(tactic.title)) + 1 + len(f"{tactic.count:,}")
    cells = (
        cell_len(inert(c.event)) + len(cell_marker(c)) + 1 + len(f"{c.count:,}")
        for c in tactic.cells
    )
    return max(header, *cells) if tactic.cells else header


def share_widths(needs: list[int], avail: int, least: int) -> list[int]:
    """Share ``avail`` cells among columns needing ``needs``: none below ``least``, none
    above its need, the rest shared evenly among the columns that still need more."""
    widths = [min(least, n) for n in needs]
    spare = avail - sum(widths)
    while spare > 0:
        hungry = [i for i, n in enumerate(needs) if widths[i] < n]
        if not hungry:
            break
        share = max(spare // len(hungry), 1)
        for i in hungry:
            grow = min(share, needs[i] - widths[i], spare)
            widths[i] += grow
            spare -= grow
            if not spare:
                break
    return widths


def header_parts(tactic: MatrixTactic, width: int, style: Style) -> list[Part]:
    """A tactic's header: its title (cut to fit) and its event count, right-aligned.

    The title is the ATT&CK name beside the cheatsheet's when they differ ("Defense
    Evasion (Stealth)").
    """
    count = f"{tactic.count:,}"
    name = fit(inert(tactic.title), width - len(count) - 1, pad=False)
    pad = width - cell_len(name) - len(count)
    return [(name + " " * pad + count, style)]


def cell_parts(
    cell: MatrixCell, width: int, base: Style, component: Callable[[str], Style]
) -> list[Part]:
    """A cell: its event name (cut in the middle), its mark, and its count by magnitude."""
    count = f"{cell.count:,}"
    marker = cell_marker(cell)
    name = fit(inert(cell.event), width - len(count) - len(marker) - 1, middle=True, pad=False)
    pad = " " * (width - cell_len(name) - len(marker) - len(count))
    number = base + component(magnitude(cell.count))
    # A zero dims the whole cell; otherwise only the count carries the magnitude.
    text = number if cell.count == 0 else base
    if cell.hits:
        marker_class = "tactic-matrix--hit"
    elif cell.corrected:
        marker_class = "tactic-matrix--corrected"
    else:
        marker_class = "tactic-matrix--data-event"
    parts = [(name, text)]
    if marker:
        parts.append((marker, text + component(marker_class)))
    parts.append((pad + count, number))
    return parts
