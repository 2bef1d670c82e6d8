"""Grouped rows: counts with first and last seen, each with the door to its events.

:func:`grouped` is what the top-N analysis and most triage questions share: group a frame by
some columns, count, take the first and last time, sort, and give each row the filter that
shows its events (the caller's door narrowed by one equality per grouping column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeAlias

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.doors import equals, text_of, wider
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.times import iso_z

#: What a row's fields hold: text, numbers, flags, times, or nothing.
Scalar: TypeAlias = str | int | float | bool | datetime | None
#: Rows a question lists at most (the count and the events are always whole).
ROW_LIMIT: Final = 50


@dataclass(frozen=True, slots=True)
class Row:
    """One group of events.

    Attributes:
        fields: What the group is (``{"principal": ..., "source_ip": ...}``), then what was
            measured about it, in display order.
        count: Events in the group.
        first: Its first event's time (None when none has a time).
        last: Its last event's time.
        door: The filters that show the group's events within the analysed view.
    """

    fields: Mapping[str, Scalar]
    count: int
    first: datetime | None
    last: datetime | None
    door: Filters = field(default_factory=Filters)

    def to_json(self) -> dict[str, Any]:
        """The row as JSON: its fields, ``count``, ``first``, ``last`` and ``filter``."""
        out: dict[str, Any] = {k: json_value(v) for k, v in self.fields.items()}
        out.update(
            count=self.count,
            first=iso_z(self.first),
            last=iso_z(self.last),
            filter=self.door.labels(),
        )
        return out


def json_value(value: Scalar) -> Any:
    """A field value as JSON (times as ISO 8601 with ``Z``)."""
    return iso_z(value) if isinstance(value, datetime) else value


def python_value(value: Any) -> Scalar:
    """A Polars cell as a row field (lists and other objects as text)."""
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value
    return text_of(value)


def grouped(
    frame: pl.DataFrame,
    by: Sequence[str],
    base: Filters,
    *,
    limit: int | None = ROW_LIMIT,
    extra: Mapping[str, pl.Expr] | None = None,
) -> list[Row]:
    """Rows of ``frame`` grouped by the columns ``by``, most events first.

    Args:
        frame: The events to group (nulls form their own groups).
        by: Canonical columns; each becomes a field and an equality in the row's door.
        base: The door of the whole frame, which each row's door narrows.
        limit: Most rows returned (None: all).
        extra: More fields, each an aggregation over the group's events.

    Returns:
        Rows sorted by count (descending), then first seen, then the values as text.
    """
    if not frame.height:
        return []
    keys = list(by)
    aggs = [
        pl.len().alias("__n"),
        pl.col(c.TIME).min().alias("__first"),
        pl.col(c.TIME).max().alias("__last"),
    ]
    table = frame.lazy().group_by(keys).agg(aggs).collect()
    # Ties broken on the values' text, so the order never depends on categorical codes.
    order = [pl.col("__n"), pl.col("__first"), *(pl.col(k).cast(pl.String) for k in by)]
    table = table.sort(order, descending=[True, False, *([False] * len(by))], nulls_last=True)
    if limit is not None:
        table = table.head(limit)
    if extra:
        # What rows show is worked out for the rows kept only (joining text is costly).
        shown = (
            frame.lazy()
            .join(table.lazy().select(keys), on=keys, how="semi", nulls_equal=True)
            .group_by(keys)
            .agg(expr.alias(name) for name, expr in extra.items())
        )
        table = (
            table.lazy()
            .join(shown, on=keys, how="left", nulls_equal=True, maintain_order="left")
            .collect()
        )
    rows = []
    for record in table.iter_rows(named=True):
        values: dict[str, Scalar] = {k: python_value(record[k]) for k in by}
        values.update({k: python_value(record[k]) for k in extra or {}})
        door = wider(base, *(equals(k, record[k]) for k in by))
        rows.append(Row(values, int(record["__n"]), record["__first"], record["__last"], door))
    return rows
