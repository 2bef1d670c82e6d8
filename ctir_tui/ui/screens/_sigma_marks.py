"""Sigma hits on the tactic matrix: which cells' events the rules hit in the view shown.

Pure functions (no widget): :func:`hit_index` keys the hits of one evaluation once,
:func:`cell_hits` finds which of them fall in a view (run in a worker: it scans the view), and
:func:`annotated` gives the matrix back with those cells noted. The note names the rules,
their levels and authors (the Detection Rule License asks for the author wherever matches
are shown); the matrix widget shows a hit cell with its ``!`` marker and the note as the
cell's tooltip. :meth:`CellHits.door` is what ``R`` on such a cell adds to the filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.detections.model import SigmaResult
from ctir_tui.engine.query.event_sets import EventSetClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.marks import mark_key_expr
from ctir_tui.engine.tactics.matrix import Matrix

#: Rules a cell's note names before it says how many more.
SHOWN_RULES: Final = 3
#: The column of :func:`hit_index` holding the hit event's key.
HIT_KEY: Final = "__key"
_KEY = HIT_KEY
_HIT = "__hit"


@dataclass(frozen=True, slots=True)
class CellHits:
    """The Sigma hits among one event name's events in a view."""

    events: int
    #: (title, level, author) of each rule that hit them, most events first.
    rules: tuple[tuple[str, str, str], ...]
    #: The keys (see :func:`mark_key_expr`) of the hit events.
    keys: frozenset[str] = frozenset()

    def door(self, event: str) -> EventSetClause:
        """The clause of the hit events (a chip of its own, beside the event name's)."""
        return EventSetClause(keys=self.keys, name=f"Sigma hits on {event}")

    def note(self) -> str:
        """``Sigma: 3 events (R: only those) hit by Title (high, by Author); ...`` (raw:
        shown inert)."""
        parts = [
            f"{title} ({level or 'no level'}, by {author or 'unknown'})"
            for title, level, author in self.rules[:SHOWN_RULES]
        ]
        more = len(self.rules) - SHOWN_RULES
        if more > 0:
            parts.append(f"and {more} more rule{'s' if more != 1 else ''} (T)")
        noun = "event" if self.events == 1 else "events"
        return f"Sigma: {self.events:,} {noun} (R: only those) hit by " + "; ".join(parts)


def hit_index(result: SigmaResult) -> pl.DataFrame:
    """One row per (event key, hit) of ``result``."""
    keys = [k for hit in result.hits for k in hit.event_ids]
    hits = [i for i, hit in enumerate(result.hits) for _ in hit.event_ids]
    return pl.DataFrame({_KEY: keys, _HIT: hits}, schema={_KEY: pl.String, _HIT: pl.UInt32})


def cell_hits(
    view: pl.DataFrame, index: pl.DataFrame, result: SigmaResult, keys: frozenset[str]
) -> dict[str, CellHits]:
    """For each event name of ``view`` with hit events: how many, and which rules.

    ``keys`` are the hit events' keys (those of ``index``), made once per run of the rules.
    """
    if not index.height or not view.height:
        return {}
    # The hit events first, without building every row's key (see case_clauses.keyed).
    wanted = EventSetClause(keys=keys, name="sigma")
    joined = (
        view.lazy()
        .filter(Filters((wanted,)).to_expr(view))
        .select(mark_key_expr().alias(_KEY), pl.col(c.EVENT_NAME).cast(pl.String).alias("name"))
        .join(index.lazy(), on=_KEY, how="inner")
        .collect()
    )
    found = joined.group_by("name", _HIT).agg(pl.col(_KEY).n_unique().alias("n"))
    events = joined.group_by("name").agg(pl.col(_KEY).unique().alias("keys"))
    by_name = {name: frozenset(str(k) for k in ks) for name, ks in events.iter_rows()}
    per: dict[str, list[tuple[int, int]]] = {}
    for name, hit, n in found.iter_rows():
        if name is not None:
            per.setdefault(name, []).append((int(n), int(hit)))
    out: dict[str, CellHits] = {}
    for name, pairs in per.items():
        pairs.sort(key=lambda p: (-p[0], p[1]))
        rules = tuple(
            (result.hits[h].rule.title, result.hits[h].rule.level, result.hits[h].rule.author)
            for _, h in pairs
        )
        hit = by_name.get(name, frozenset())
        out[name] = CellHits(len(hit), rules, hit)
    return out


def annotated(matrix: Matrix, hits: Mapping[str, CellHits]) -> Matrix:
    """``matrix`` with the cells of hit event names noted (their other notes kept first)."""
    if not hits:
        return matrix
    tactics = []
    for tactic in matrix.tactics:
        cells = tuple(
            replace(
                cell,
                note="\n".join(n for n in (cell.note, hits[cell.event].note()) if n),
                hits=hits[cell.event].events,
            )
            if cell.event in hits and cell.count
            else cell
            for cell in tactic.cells
        )
        tactics.append(replace(tactic, cells=cells))
    return replace(matrix, tactics=tuple(tactics))
