"""Doors: the filters that open on an analysis row's events.

Every row an analysis returns carries a :class:`~ctir_tui.engine.query.filters.Filters`
that shows exactly its events when applied to the view the analysis ran on. Doors are
built from the ordinary clauses where they can be (an event name, a principal, a window),
so that a responder can read them and type them again, and from an
:class:`~ctir_tui.engine.query.set_clauses.EventSetClause` where no simpler filter says it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

import polars as pl

from ctir_tui.engine.query.clauses import Clause, EventClause
from ctir_tui.engine.query.field_clauses import AnyOfClause, field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.marks import mark_key_expr
from ctir_tui.engine.query.set_clauses import EventSetClause
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause
from ctir_tui.engine.times import format_time

#: Most values an any-of door lists before it names the events instead.
MAX_LISTED: Final = 200


def door(*clauses: Clause | None) -> Filters:
    """Filters of the given clauses (None ones left out)."""
    return Filters(tuple(c for c in clauses if c is not None))


def wider(base: Filters, *clauses: Clause | None) -> Filters:
    """``base`` narrowed to a row inside it (the door of a row inside a question's door).

    A row's clause replaces the base's clauses on its field (a pivot): clauses on one field
    OR, and the row's value is one the base already selects.
    """
    return base.pivot(*(c for c in clauses if c is not None))


def text_of(value: Any) -> str | None:
    """A cell as the text a field clause compares (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def equals(column: str, value: Any) -> Clause:
    """``column == value`` (``is null`` for None)."""
    return field_clause(column, text_of(value))


def one_of(column: str, values: Iterable[Any], name: str = "") -> Clause:
    """``column`` is any of ``values`` (one value: a plain equality)."""
    texts = sorted({t for t in map(text_of, values) if t is not None})
    if len(texts) == 1:
        return field_clause(column, texts[0])
    pairs = tuple((column, t) for t in texts)
    shown = f"{len(texts)} values" if len(texts) > 3 else "|".join(texts)
    return AnyOfClause(pairs=pairs, name=name or column, shown=shown)


def events_named(names: Sequence[str]) -> EventClause:
    """The events whose name matches any of ``names`` (globs: ``UpdateFunctionCode*``)."""
    return EventClause(globs=tuple(names))


def window(first: datetime | None, last: datetime | None) -> tuple[Clause, ...]:
    """Since ``first`` and until ``last`` (inclusive); nothing for a missing bound."""
    out: list[Clause] = []
    if isinstance(first, datetime):
        out.append(SinceClause(value=format_time(first)))
    if isinstance(last, datetime):
        out.append(UntilClause(value=format_time(last)))
    return tuple(out)


def event_keys(frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """The keys of ``frame``'s events (the event ID, else the record's locator), in order."""
    keyed = frame.lazy().select(mark_key_expr().alias("key")).collect()
    return [str(k) for k in keyed.get_column("key").to_list() if k is not None]


def named_events(frame: pl.DataFrame | pl.LazyFrame, name: str) -> EventSetClause:
    """The door that opens on exactly ``frame``'s events, named ``name``."""
    return EventSetClause(keys=frozenset(event_keys(frame)), name=name)
