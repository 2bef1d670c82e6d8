"""Exact matches on canonical columns: a field's value, or any of several (a session).

These are what pivots make: from a value of an event to the events that share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.values import FilterError, clean, shown

#: Columns a field clause may name.
FIELD_COLUMNS: Final = frozenset(c.EVENT_SCHEMA) | {c.TACTICS, c.TACTICS_EXTENDED}


def _check_column(column: str) -> None:
    if column not in FIELD_COLUMNS:
        raise FilterError(f"unknown column '{shown(column)}'")


@dataclass(frozen=True, kw_only=True)
class FieldClause(Clause):
    """Exact match on one canonical column (``value`` None: the column is null)."""

    column: str
    value: str | None
    word: ClassVar[str] = "field"

    def __post_init__(self) -> None:
        _check_column(self.column)

    def test(self, ctx: Context) -> pl.Expr:
        """``column == value`` (or ``is null``)."""
        if self.value is None:
            return ctx.require(self.column).is_null()
        return ctx.equals(self.column, self.value)

    def body(self) -> str:
        """``column=value`` or ``column is null``."""
        return f"{self.column} is null" if self.value is None else f"{self.column}={self.value}"


@dataclass(frozen=True, kw_only=True)
class AnyOfClause(Clause):
    """Any of several exact ``column == value`` pairs (a session: the key used or issued)."""

    pairs: tuple[tuple[str, str], ...]
    #: The name shown in the label (``session``); without it the pairs are shown.
    name: str = ""
    #: The value shown after the name.
    shown: str = ""
    word: ClassVar[str] = "any-of"

    def __post_init__(self) -> None:
        if not self.pairs:
            raise FilterError("an any-of clause needs at least one column=value pair")
        for column, _ in self.pairs:
            _check_column(column)

    def _by_column(self) -> dict[str, list[str]]:
        """The pairs' values by column, in the order the columns first appear."""
        by_column: dict[str, list[str]] = {}
        for column, value in self.pairs:
            by_column.setdefault(column, []).append(value)
        return by_column

    def test(self, ctx: Context) -> pl.Expr:
        """Any pair matches (several values of one text column: one membership test)."""
        tests = []
        for column, values in self._by_column().items():
            dtype = ctx.frame.schema.get(column)
            if len(values) > 1 and isinstance(dtype, pl.Categorical | pl.String):
                ctx.require(column)
                wanted = pl.lit(pl.Series(values, dtype=pl.String)).implode()
                tests.append(pl.col(column).is_in(wanted).fill_null(False))
            else:
                tests += [ctx.equals(column, v).fill_null(False) for v in values]
        return pl.any_horizontal(tests)

    def body(self) -> str:
        """``session=KEY``, or the pairs by column: ``a=1|2 or b=3`` (values of one column
        joined as a filter on one field writes them)."""
        if self.name:
            return f"{self.name}={self.shown}"
        by_column = self._by_column()
        return " or ".join(f"{col}={'|'.join(values)}" for col, values in by_column.items())


def field_clause(column: str, value: str | None, *, negate: bool = False) -> FieldClause:
    """A pivot clause ``column == value``; ``value=None`` matches rows where it is null.

    Raises:
        FilterError: ``column`` is not a canonical column.
    """
    return FieldClause(column=column, value=None if value is None else clean(value), negate=negate)


def session_clause(access_key_id: str, *, negate: bool = False) -> AnyOfClause:
    """The "session" pivot: events made with the key, or the AssumeRole that issued it."""
    key = clean(access_key_id)
    pairs = ((c.ACCESS_KEY_ID, key), (c.ISSUED_ACCESS_KEY_ID, key))
    return AnyOfClause(pairs=pairs, name="session", shown=key, negate=negate)
