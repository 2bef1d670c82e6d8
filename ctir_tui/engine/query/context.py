"""What a clause needs to become a Polars expression over one frame.

String tests on categorical columns run over the column's distinct values (a few thousand)
rather than every row, and IP tests over its parsed distinct addresses; both are cached per
frame, so that a history walk or a pivot back to a frame already seen costs nothing again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.marks import CaseMarks
from ctir_tui.engine.query.texts import TextSearch
from ctir_tui.engine.query.values import Address, FilterError, parse_addresses, shown
from ctir_tui.engine.times import parse_user_time

_CACHED_FRAMES: Final = 8
_CACHED_COLUMNS: Final = 64
# (id of frame, column) -> (weak ref to the frame, its height, cached value)
_UNIQUES: dict[tuple[int, str], tuple[weakref.ref[pl.DataFrame], int, pl.Series]] = {}
_ADDRESSES: dict[
    int, tuple[weakref.ref[pl.DataFrame], int, list[str], list[tuple[Address, ...]]]
] = {}


def _evict(cache: dict[object, object], size: int) -> None:
    while len(cache) >= size:
        del cache[next(iter(cache))]


class Context:
    """One frame being filtered, and how: extended tactics, the anchor of durations, and what
    lies beside the frame (the case, the text store, the names of tactics).

    Everything beside the frame is optional: a clause that needs what is missing says so
    (the case) or does without (free text then searches the frame's columns only).
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        *,
        extended: bool,
        newest: datetime | None,
        case: CaseMarks | None = None,
        texts: TextSearch | None = None,
        tactic_aliases: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.frame = frame
        self.extended = extended
        #: The case's current marks and tags, for the ``marked`` and ``tag`` clauses.
        self.case = case
        #: The load's request, response and additional data, for free text.
        self.texts = texts
        #: Lower-case tactic name -> the lower-case names that mean the same tactic (the
        #: cheatsheet's "Defense Evasion" is ATT&CK v19's Stealth and Defense Impairment).
        self.tactic_aliases = tactic_aliases or {}
        self._newest = newest
        self._newest_known = newest is not None

    def newest(self) -> datetime | None:
        """The anchor of durations: the given one, else the frame's newest event."""
        if not self._newest_known and c.TIME in self.frame.schema:
            latest = self.frame.get_column(c.TIME).max()
            self._newest = latest if isinstance(latest, datetime) else None
            self._newest_known = True
        return self._newest

    def case_marks(self, word: str) -> CaseMarks:
        """The case's marks, or a one-line error naming ``word`` when no case is open."""
        if self.case is None:
            # Callers give the case as Filters.to_expr(case=...) or Session.view(case=...).
            raise FilterError(
                f"'{word}' filters on the case's marks and tags, and no case is open here"
            )
        return self.case

    def require(self, column: str) -> pl.Expr:
        """``pl.col(column)``, or a one-line error when the frame lacks it."""
        if column not in self.frame.schema:
            raise FilterError(f"the events have no '{shown(column)}' column")
        return pl.col(column)

    def uniques(self, column: str) -> pl.Series:
        """The distinct non-null values of a column, as strings (cached per frame)."""
        key = (id(self.frame), column)
        hit = _UNIQUES.get(key)
        if hit is not None and hit[0]() is self.frame and hit[1] == self.frame.height:
            return hit[2]
        values = self.frame.get_column(column).unique().drop_nulls().cast(pl.String)
        _evict(_UNIQUES, _CACHED_COLUMNS)  # type: ignore[arg-type]
        _UNIQUES[key] = (weakref.ref(self.frame), self.frame.height, values)
        return values

    def addresses(self) -> tuple[list[str], list[tuple[Address, ...]]]:
        """The distinct source IPs of the frame and the addresses each holds (cached).

        A value may hold several addresses (a proxy chain): each is listed.
        """
        frame = self.frame
        hit = _ADDRESSES.get(id(frame))
        if hit is not None and hit[0]() is frame and hit[1] == frame.height:
            return hit[2], hit[3]
        uniques = self.uniques(c.SOURCE_IP).to_list()
        parsed = [parse_addresses(raw) for raw in uniques]
        _evict(_ADDRESSES, _CACHED_FRAMES)  # type: ignore[arg-type]
        _ADDRESSES[id(frame)] = (weakref.ref(frame), frame.height, uniques, parsed)
        return uniques, parsed

    def string_test(self, column: str, test: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
        """Apply a string test to a column; on a categorical column, to its distinct values."""
        if isinstance(self.frame.schema[column], pl.Categorical):
            values = self.uniques(column)
            hits = values.to_frame("v").filter(test(pl.col("v"))).get_column("v")
            return pl.col(column).is_in(hits.implode())
        return test(pl.col(column).cast(pl.String))

    def contains_any(self, columns: Sequence[str], needle: str) -> pl.Expr:
        """Case-insensitive literal substring over those of ``columns`` the frame has."""
        lowered = needle.lower()

        def test(col: pl.Expr) -> pl.Expr:
            return col.str.to_lowercase().str.contains(lowered, literal=True)

        tests = [self.string_test(col, test) for col in columns if col in self.frame.schema]
        return pl.any_horizontal(tests) if tests else pl.lit(False)

    def equals(self, column: str, value: str) -> pl.Expr:
        """Exact match of a string value against a column of any canonical dtype."""
        col = self.require(column)
        dtype = self.frame.schema[column]
        if isinstance(dtype, pl.Datetime):
            return col == pl.lit(parse_user_time(value, newest=None, what=column))
        if dtype == pl.Boolean:
            if value.strip().lower() not in ("true", "false"):
                raise FilterError(f"bad {column} value '{shown(value)}': expected true or false")
            return col == (value.strip().lower() == "true")
        if isinstance(dtype, pl.List):
            return col.list.contains(value)
        if isinstance(dtype, pl.Categorical):
            return col == value
        return col.cast(pl.String) == value
