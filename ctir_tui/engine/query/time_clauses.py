"""Time bounds: since and until, and the window around one event.

Durations (``6h``) stay as typed and are resolved against the newest event when the
expression is built; other times are kept in canonical UTC form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.clauses import Clause, Typed, _ValueClause
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.times import LATEST, format_time, is_duration, parse_point, shift


@dataclass(frozen=True, kw_only=True)
class _TimeClause(_ValueClause):
    """A bound on the event time; durations count back from the newest event."""

    def __post_init__(self) -> None:
        parse_point(self.value, None, self.word)

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Keep durations as typed, times in canonical UTC form."""
        text = typed.value.strip()
        moment, bare_date = parse_point(text, None, typed.what)
        if is_duration(text):
            kept = re.sub(r"\s+", "", text).lower()
        elif bare_date and cls is UntilClause:
            kept = text  # "until DATE" means the whole day; keep that visible.
        else:
            kept = format_time(moment)
        return cls(value=kept, negate=negate)

    def moment(self, ctx: Context) -> tuple[pl.Expr, datetime, bool]:
        """The time column, this clause's moment (durations resolved) and whether a date."""
        time = ctx.require(c.TIME)
        anchor = ctx.newest() if is_duration(self.value) else None
        moment, bare_date = parse_point(self.value, anchor, self.word)
        return time, moment, bare_date

    def expr(self, ctx: Context) -> pl.Expr:
        """Events without a time never pass a time bound, negated or not."""
        test = self.test(ctx).fill_null(False)
        return pl.col(c.TIME).is_not_null() & ~test if self.negate else test

    def body(self) -> str:
        """``since 6h``."""
        return f"{self.word} {self.value}"


@dataclass(frozen=True, kw_only=True)
class SinceClause(_TimeClause):
    """Events at or after a time."""

    word: ClassVar[str] = "since"

    def test(self, ctx: Context) -> pl.Expr:
        """``time >= moment``."""
        time, moment, _ = self.moment(ctx)
        return time >= pl.lit(moment)


@dataclass(frozen=True, kw_only=True)
class UntilClause(_TimeClause):
    """Events at or before a time (a bare date includes that whole day)."""

    word: ClassVar[str] = "until"

    def test(self, ctx: Context) -> pl.Expr:
        """``time <= moment`` (``<`` the next midnight for a bare date)."""
        time, moment, bare_date = self.moment(ctx)
        if bare_date:
            next_day = shift(moment, timedelta(days=1))
            return time < pl.lit(next_day) if next_day != LATEST else time <= pl.lit(LATEST)
        return time <= pl.lit(moment)


def window(moment_text: str, minutes: int = 15) -> tuple[SinceClause, UntilClause]:
    """Since and until clauses for ``minutes`` either side of a canonical time text."""
    moment, _ = parse_point(moment_text, None, "time")
    span = timedelta(minutes=minutes)
    return (
        SinceClause(value=format_time(shift(moment, -span))),
        UntilClause(value=format_time(shift(moment, span))),
    )
