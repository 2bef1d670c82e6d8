"""Per-event tactics and the tactic matrix, computed with Polars.

The mapping (:mod:`.model`, loaded by :mod:`.data`) becomes small Polars frames joined
against the events: never a Python loop over events.

* :func:`add_tactic_columns` adds ``tactics`` (seed tactics, by ``event_name``) and
  ``tactics_extended`` (seed tactics plus the extended mapping's, by ``event_source`` and
  ``event_name``; Lambda's versioned names match by prefix).
* :func:`matrix_counts` counts events per tactic and per cell, for whatever frame it is
  given (callers pass the filtered view).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from ctir_tui.engine.schema import EVENT_NAME, EVENT_SOURCE, TACTICS, TACTICS_EXTENDED
from ctir_tui.engine.tactics.model import ExtendedEntry, Mapping

_SRC = "__ctir_src"
_NAME = "__ctir_name"
# What may follow a prefix entry's name: nothing, or an API version such as 20150331v2.
_VERSION_SUFFIX = r"^(\d{8}(v\d+)?)?$"
_STR_LIST = pl.List(pl.String)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One cell of the matrix: an event and how many times it occurred.

    Attributes:
        event: The eventName as CloudTrail logs it.
        count: Events of the view with that name.
        note: A remark shown with the cell.
        corrected: The cheatsheet misspelt the name (the note says how).
        data_event: A data event, off by default in trails: a zero may mean "not recorded".
        hits: Events of the cell that detection (Sigma) rules hit.
    """

    event: str
    count: int
    note: str | None
    corrected: bool
    data_event: bool = False
    hits: int = 0


def cell_marker(cell: MatrixCell) -> str:
    """The one-character mark shown after a cell's name ("" when none).

    ``!`` events the detection rules hit (the most telling, so first), ``*`` a corrected
    name, ``°`` a data event (a zero may mean "not recorded"), ``+`` another note.
    """
    if cell.hits:
        return "!"
    if cell.corrected:
        return "*"
    if cell.data_event:
        return "°"
    return "+" if cell.note else ""


@dataclass(frozen=True, slots=True)
class MatrixTactic:
    """One column of the matrix.

    ``name`` is the column's name (the cheatsheet's in the seed matrix); ``attack_name`` the
    ATT&CK name in use when it differs (the seed's Defense Evasion is v19's Stealth).
    """

    name: str
    id: str
    count: int
    cells: tuple[MatrixCell, ...]
    attack_name: str | None = None

    @property
    def title(self) -> str:
        """The header: the name, and the ATT&CK name beside it when it differs."""
        return f"{self.name} ({self.attack_name})" if self.attack_name else self.name


@dataclass(frozen=True, slots=True)
class Matrix:
    """Counts per tactic and cell, in matrix order.

    Attributes:
        tactics: The columns, in order.
        extended: Whether the extended mapping was used.
        attack_version: ATT&CK naming of the tactic names.
    """

    tactics: tuple[MatrixTactic, ...]
    extended: bool
    attack_version: str

    def to_json(self) -> dict[str, Any]:
        """Return ``{"tactics": [{"name", "id", "count", "cells": [...]}]}``.

        Each cell is ``{"event", "count"}`` plus ``"note"`` when it has one.
        """
        tactics = []
        for t in self.tactics:
            cells: list[dict[str, Any]] = []
            for c in t.cells:
                cell: dict[str, Any] = {"event": c.event, "count": c.count}
                if c.note is not None:
                    cell["note"] = c.note
                if c.data_event:
                    cell["data_event"] = True
                cells.append(cell)
            item: dict[str, Any] = {"name": t.name, "id": t.id, "count": t.count}
            if t.attack_name:
                item["attack_name"] = t.attack_name
            item["cells"] = cells
            tactics.append(item)
        return {"attack_version": self.attack_version, "tactics": tactics}


#: The (eventSource, eventName) pair of a row as one integer: both categorical codes.
_PAIR = "__tactic_pair"


def add_tactic_columns(frame: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """Add the ``tactics`` and ``tactics_extended`` columns to an event frame.

    Both are ``List[String]`` of tactic names in matrix order; events that match nothing
    get an empty list. Existing tactic columns are replaced (e.g. after the mapping changed).

    Args:
        frame: Events with at least ``event_name`` and ``event_source``.
        mapping: The mapping from :func:`load_mapping`.

    Returns:
        The frame with the two columns added, rows in the same order.
    """
    # The lists are worked out once per distinct (source, name) pair, keyed by the pair's
    # categorical codes as one integer (a million rows hold a few hundred pairs), and each
    # row takes its pair's lists by position: a gather, in 60 % of the time of a join that
    # keeps the rows' order. (The frame keeps both names as categoricals; a frame of
    # strings is coded here.)
    frame = frame.drop([TACTICS, TACTICS_EXTENDED], strict=False)
    coded = frame.select(EVENT_SOURCE, EVENT_NAME, _pair_code())
    pairs = coded.unique(_PAIR).with_columns(_keys()).drop(EVENT_SOURCE, EVENT_NAME)
    lists = _with_lists(pairs, pairs.select(_SRC, _NAME), mapping)
    positions = pl.int_range(lists.height, dtype=pl.UInt32, eager=True)
    position = coded.get_column(_PAIR).replace_strict(
        lists.get_column(_PAIR), positions, return_dtype=pl.UInt32
    )
    return frame.with_columns(
        lists.get_column(TACTICS).gather(position),
        lists.get_column(TACTICS_EXTENDED).gather(position),
    )


def _pair_code() -> pl.Expr:
    """A row's (source, name) pair as one integer: the two categorical codes side by side.

    A group-by or unique on it takes a fifth of the time of one on the two names. A null
    is coded 0xFFFFFFFF, which no category has (codes are 32 bits, given in order).
    """
    missing = pl.lit(0xFFFFFFFF, dtype=pl.UInt64)

    def code(column: str) -> pl.Expr:
        physical = pl.col(column).cast(pl.Categorical).to_physical().cast(pl.UInt64)
        return physical.fill_null(missing)

    return (code(EVENT_SOURCE) * (1 << 32) + code(EVENT_NAME)).alias(_PAIR)


def _with_lists(keyed: pl.DataFrame, pairs: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """``keyed`` (with the string keys) plus both tactic lists, empty where none apply."""
    seed = _seed_matches(pairs, mapping)
    every = pl.concat(
        [seed.drop("seed_tactic"), *_extended_matches(pairs, mapping)], how="vertical_relaxed"
    )
    # The seed column names the cheatsheet's tactics; the extended one ATT&CK's.
    lists = [
        _as_lists(seed.with_columns(pl.col("seed_tactic").alias("tactic")), TACTICS),
        _as_lists(every, TACTICS_EXTENDED),
    ]
    for part in lists:
        keyed = keyed.join(part, on=[_SRC, _NAME], how="left", maintain_order="left")
    empty = pl.lit([], dtype=_STR_LIST)
    return keyed.with_columns(
        pl.col(TACTICS).fill_null(empty), pl.col(TACTICS_EXTENDED).fill_null(empty)
    )


def matrix_counts(
    frame: pl.DataFrame | pl.LazyFrame, mapping: Mapping, *, extended: bool = False
) -> Matrix:
    """Count the events of ``frame`` per tactic and per cell.

    In seed mode the cells are exactly the seed cells, in order, zeros included. In
    extended mode each tactic shows its seed cells, then the extended events that occurred
    at least once, most frequent first. A tactic's count is the number of events carrying
    it (an event counts once per tactic even if several cells or entries match it).

    Args:
        frame: Events (any filtered view) with ``event_name`` and ``event_source``.
        mapping: The mapping from :func:`load_mapping`.
        extended: Use the extended mapping.

    Returns:
        The matrix, tactics in :meth:`Mapping.tactic_ids` order.
    """
    # Grouped on the pairs' codes first (a fifth of the time), then on their names: a
    # missing source and an empty one have two codes but one name, "".
    counts = (
        frame.lazy()
        .group_by(_pair_code())
        .agg(pl.col(EVENT_SOURCE, EVENT_NAME).first(), pl.len().cast(pl.Int64).alias("n"))
        .group_by(_keys())
        .agg(pl.col("n").sum())
        .collect()
    )
    seed = _seed_matches(counts, mapping)
    seed = seed.drop("seed_tactic")
    matches = [seed, *_extended_matches(counts, mapping)] if extended else [seed]
    every = pl.concat(matches, how="vertical_relaxed")
    totals = _lookup(
        every.unique([_SRC, _NAME, "tactic_id"]).group_by("tactic_id").agg(pl.col("n").sum()),
        ["tactic_id"],
    )
    seed_cells = _lookup(
        seed.group_by("tactic_id", "cell").agg(pl.col("n").sum()), ["tactic_id", "cell"]
    )
    extra: dict[str, list[tuple[str, int]]] = {}
    if extended:
        seed_names = {(t.id, c.event) for t in mapping.tactics for c in t.cells}
        grouped = (
            pl.concat(matches[1:], how="vertical_relaxed")
            .group_by("tactic_id", "cell")
            .agg(pl.col("n").sum())
            .filter(pl.col("n") > 0)
            .sort(["n", "cell"], descending=[True, False])
        )
        for tid, cell, n in grouped.iter_rows():
            if (tid, cell) not in seed_names:
                extra.setdefault(tid, []).append((cell, n))
    notes = _extended_notes(mapping.extended)
    data_events = {e.event_name for e in mapping.extended if e.data_event}
    by_id = {t.id: t for t in mapping.tactics}
    columns = []
    for tid in mapping.tactic_ids(extended):
        tactic = by_id.get(tid)
        cells = [
            MatrixCell(
                c.event, seed_cells.get((tid, c.event), 0), c.note, c.corrected, c.data_event
            )
            for c in (tactic.cells if tactic else ())
        ]
        cells += [
            MatrixCell(e, n, notes.get(e), False, e in data_events) for e, n in extra.get(tid, [])
        ]
        attack = mapping.names.get(tid, tid)
        name = tactic.name if tactic is not None and not extended else attack
        beside = attack if name != attack else None
        columns.append(MatrixTactic(name, tid, totals.get((tid,), 0), tuple(cells), beside))
    return Matrix(tuple(columns), extended, mapping.attack_version)


def tactic_counts(frame: pl.DataFrame | pl.LazyFrame, mapping: Mapping) -> dict[str, int]:
    """Return events per seed tactic, by the cheatsheet's tactic name (the seed matrix)."""
    return {t.name: t.count for t in matrix_counts(frame, mapping).tactics}


# --- mapping frames -------------------------------------------------------------------


def _keys() -> list[pl.Expr]:
    # Null keys never match in a join: fold them into "" so seed matching by name still
    # works for records without an eventSource.
    # The frame keeps names as categoricals; the mapping frames hold strings.
    return [
        pl.col(EVENT_SOURCE).cast(pl.String).fill_null("").alias(_SRC),
        pl.col(EVENT_NAME).cast(pl.String).fill_null("").alias(_NAME),
    ]


def _rank(mapping: Mapping) -> dict[str, int]:
    return {tid: i for i, tid in enumerate(mapping.tactic_ids(extended=True))}


def _seed_frame(mapping: Mapping) -> pl.DataFrame:
    rank = _rank(mapping)
    rows = [
        (c.event, t.id, mapping.names.get(t.id, t.id), t.name, rank[t.id])
        for t in mapping.tactics
        for c in t.cells
    ]
    schema = {
        _NAME: pl.String,
        "tactic_id": pl.String,
        "tactic": pl.String,
        "seed_tactic": pl.String,
        "rank": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").unique(maintain_order=True)


def _entry_frame(mapping: Mapping, *, prefix: bool) -> pl.DataFrame:
    rank = _rank(mapping)
    rows = [
        (e.event_source, e.event_name, tid, mapping.names.get(tid, tid), rank[tid])
        for e in mapping.extended
        if e.prefix == prefix
        for tid in e.tactic_ids
    ]
    schema = {
        _SRC: pl.String,
        "cell": pl.String,
        "tactic_id": pl.String,
        "tactic": pl.String,
        "rank": pl.Int32,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").unique(maintain_order=True)


def _seed_matches(pairs: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """Rows (keys, [n], tactic_id, tactic, rank, cell) for every seed cell an event matches."""
    matched = pairs.join(_seed_frame(mapping), on=_NAME)
    columns = [*_match_columns(pairs), "seed_tactic"]
    return matched.with_columns(pl.col(_NAME).alias("cell")).select(columns)


def _match_columns(pairs: pl.DataFrame) -> list[str]:
    return [*pairs.columns, "tactic_id", "tactic", "rank", "cell"]


def _extended_matches(pairs: pl.DataFrame, mapping: Mapping) -> list[pl.DataFrame]:
    """Matches of the extended entries: exact (source, name), then Lambda-style prefixes."""
    exact = pairs.join(
        _entry_frame(mapping, prefix=False).with_columns(pl.col("cell").alias(_NAME)),
        on=[_SRC, _NAME],
    )
    prefixed = pairs.join(_entry_frame(mapping, prefix=True), on=_SRC).filter(
        pl.col(_NAME).str.starts_with(pl.col("cell"))
        & pl.col(_NAME).str.slice(pl.col("cell").str.len_chars()).str.contains(_VERSION_SUFFIX)
    )
    columns = _match_columns(pairs)
    return [exact.select(columns), prefixed.select(columns)]


def _as_lists(matches: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per event key with its tactic names, ordered by matrix rank."""
    return (
        matches.unique([_SRC, _NAME, "tactic_id"])
        .sort("rank")
        .group_by(_SRC, _NAME, maintain_order=True)
        .agg(pl.col("tactic").alias(column))
    )


def _lookup(frame: pl.DataFrame, keys: list[str]) -> dict[tuple[str, ...], int]:
    """A small aggregated frame as {key tuple: n}."""
    out: dict[tuple[str, ...], int] = {}
    for row in frame.select([*keys, "n"]).iter_rows():
        out[tuple(row[:-1])] = int(row[-1])
    return out


def _extended_notes(entries: Iterable[ExtendedEntry]) -> dict[str, str]:
    return {e.event_name: e.note for e in entries if e.note is not None}
