"""The timeline of a view: counts per time bucket stacked by outcome, and where logging is
silent (gaps per account and region), with each account and region's span.

The account of an event is the one it was logged in (``recipient_account_id``, the trail's):
what a gap in delivery is about.

The bucket size is the smallest of :data:`NICE_BUCKETS` that covers the view's span in at
most :data:`TARGET_BUCKETS` buckets, unless one is given. Buckets run from the first event's
bucket to the last one's; empty buckets are listed with zero counts. A gap is a stretch of
at least ``min_gap`` (by default the larger of three buckets and an hour) between two
consecutive events of one account and region: it is where a stopped trail, a deleted
detector or a collection that missed files would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.doors import door, equals, window
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.times import format_duration, iso_z

#: Bucket sizes chosen from, smallest first.
NICE_BUCKETS: Final = tuple(
    timedelta(seconds=s)
    for s in (
        1,
        5,
        15,
        30,
        60,
        300,
        900,
        1800,
        3600,
        3 * 3600,
        6 * 3600,
        12 * 3600,
        86400,
        7 * 86400,
        30 * 86400,
    )
)
#: Buckets an automatic size aims for at most.
TARGET_BUCKETS: Final = 120
#: Most buckets a timeline lists (a smaller given size is refused).
MAX_BUCKETS: Final = 20_000
OUTCOMES: Final = ("success", "failure", "denied")
#: Shortest gap reported when none is given.
MIN_GAP_FLOOR: Final = timedelta(hours=1)


class TimelineError(ValueError):
    """A bucket size that would list too many buckets."""


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket: its start, its events and their outcomes."""

    start: datetime
    count: int
    by_outcome: dict[str, int]
    door: Filters

    def to_json(self) -> dict[str, Any]:
        """``{"start", "count", "by_outcome": {"success", "failure", "denied"}}``."""
        return {"start": iso_z(self.start), "count": self.count, "by_outcome": self.by_outcome}


@dataclass(frozen=True, slots=True)
class Gap:
    """No event of one account and region between ``start`` and ``end``."""

    account: str | None
    region: str | None
    start: datetime
    end: datetime
    door: Filters

    @property
    def length(self) -> timedelta:
        """How long it lasted."""
        return self.end - self.start

    def to_json(self) -> dict[str, Any]:
        """``{"account", "region", "start", "end", "seconds", "filter"}``."""
        return {
            "account": self.account,
            "region": self.region,
            "start": iso_z(self.start),
            "end": iso_z(self.end),
            "seconds": int(self.length.total_seconds()),
            "filter": self.door.labels(),
        }


@dataclass(frozen=True, slots=True)
class Span:
    """One account and region: its first and last event, events, data events, gaps."""

    account: str | None
    region: str | None
    first: datetime | None
    last: datetime | None
    count: int
    data_events: int
    gaps: int
    door: Filters


@dataclass(frozen=True, slots=True)
class Timeline:
    """Counts per bucket, the gaps, and the events that have no time."""

    bucket: timedelta
    buckets: tuple[Bucket, ...]
    gaps: tuple[Gap, ...]
    min_gap: timedelta
    no_time: int

    def to_json(self) -> dict[str, Any]:
        """``{"bucket": "5m", "buckets": [{"start", "count", "by_outcome"}], "gaps": [...]}``."""
        return {
            "bucket": format_duration(self.bucket),
            "buckets": [b.to_json() for b in self.buckets],
            "gaps": [g.to_json() for g in self.gaps],
        }


def auto_bucket(span: timedelta) -> timedelta:
    """The smallest nice bucket covering ``span`` in at most :data:`TARGET_BUCKETS`."""
    for size in NICE_BUCKETS:
        if span / size <= TARGET_BUCKETS:
            return size
    return NICE_BUCKETS[-1]


def _timed(view: pl.DataFrame) -> pl.LazyFrame:
    """The events that have a time, in time order (the session's frame already is)."""
    timed = view.lazy().filter(pl.col(c.TIME).is_not_null())
    if view.get_column(c.TIME).drop_nulls().is_sorted():
        return timed
    return timed.sort(c.TIME)


def _bounds(view: pl.DataFrame) -> tuple[datetime | None, datetime | None]:
    first, last = view.select(pl.col(c.TIME).min().alias("a"), pl.col(c.TIME).max().alias("b")).row(
        0
    )
    return first, last


def timeline(
    view: pl.DataFrame, bucket: timedelta | None = None, min_gap: timedelta | None = None
) -> Timeline:
    """Count ``view``'s events per bucket and find its gaps.

    Args:
        view: Any filtered view.
        bucket: The bucket size (None: from the span, see :func:`auto_bucket`).
        min_gap: Shortest silence reported (None: three buckets, at least an hour).

    Raises:
        TimelineError: ``bucket`` would make more than :data:`MAX_BUCKETS` buckets.
    """
    first, last = _bounds(view)
    no_time = view.get_column(c.TIME).null_count()
    if first is None or last is None:
        size = bucket or NICE_BUCKETS[0]
        return Timeline(size, (), (), min_gap or max(size * 3, MIN_GAP_FLOOR), no_time)
    size = bucket or auto_bucket(last - first)
    every = f"{int(size.total_seconds())}s"
    start = _floor(first, size)
    count = int((last - start) / size) + 1
    if count > MAX_BUCKETS:
        raise TimelineError(
            f"a {format_duration(size)} bucket makes {count:,} buckets over this view "
            f"(at most {MAX_BUCKETS:,}): choose a larger one"
        )
    counted = (
        view.lazy()
        .filter(pl.col(c.TIME).is_not_null())
        .group_by(pl.col(c.TIME).dt.truncate(every).alias("start"), c.OUTCOME)
        .len()
        .with_columns(pl.col(c.OUTCOME).cast(pl.String).fill_null("success"))
        .collect()
        .pivot(c.OUTCOME, index="start", values="len", aggregate_function="sum")
    )
    grid = pl.DataFrame(
        {"start": pl.datetime_range(start, start + size * (count - 1), size, eager=True)}
    ).with_columns(pl.col("start").dt.cast_time_unit("us").dt.replace_time_zone("UTC"))
    table = grid.join(counted, on="start", how="left", maintain_order="left")
    for name in OUTCOMES:
        if name not in table.columns:
            table = table.with_columns(pl.lit(0, dtype=pl.UInt32).alias(name))
    table = table.with_columns(pl.col(list(OUTCOMES)).fill_null(0).cast(pl.Int64))
    buckets = tuple(
        Bucket(
            moment,
            ok + failed + denied,
            {"success": ok, "failure": failed, "denied": denied},
            door(*window(moment, moment + size - timedelta(microseconds=1))),
        )
        for moment, ok, failed, denied in table.select("start", *OUTCOMES).iter_rows()
    )
    shortest = min_gap or max(size * 3, MIN_GAP_FLOOR)
    return Timeline(size, buckets, gaps(view, shortest), shortest, no_time)


def _floor(moment: datetime, size: timedelta) -> datetime:
    # As dt.truncate does: buckets aligned on the epoch.
    epoch = datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return epoch + ((moment - epoch) // size) * size


def gaps(view: pl.DataFrame, min_gap: timedelta) -> tuple[Gap, ...]:
    """Silences of at least ``min_gap`` between consecutive events of an account and region,
    longest first."""
    # In time order, the previous event of the same account and region is one shift away.
    keyed = (
        _timed(view)
        .select(c.RECIPIENT_ACCOUNT_ID, c.REGION, c.TIME)
        .with_columns(
            pl.col(c.TIME).shift(1).over(c.RECIPIENT_ACCOUNT_ID, c.REGION).alias("before")
        )
        .filter((pl.col(c.TIME) - pl.col("before")) >= min_gap)
        .select(
            pl.col(c.RECIPIENT_ACCOUNT_ID).cast(pl.String).alias("account"),
            pl.col(c.REGION).cast(pl.String).alias("region"),
            c.TIME,
            "before",
        )
        .sort(
            pl.col(c.TIME) - pl.col("before"), "account", "region", descending=[True, False, False]
        )
        .collect()
    )
    return tuple(
        Gap(
            account,
            region,
            before,
            after,
            door(
                equals(c.RECIPIENT_ACCOUNT_ID, account),
                equals(c.REGION, region),
                *window(before, after),
            ),
        )
        for account, region, after, before in keyed.select(
            "account", "region", c.TIME, "before"
        ).iter_rows()
    )


def spans(view: pl.DataFrame, found: tuple[Gap, ...]) -> tuple[Span, ...]:
    """Each account and region of ``view``: first, last, events, data events and gaps."""
    table = (
        view.lazy()
        .group_by(c.RECIPIENT_ACCOUNT_ID, c.REGION)
        .agg(
            pl.col(c.TIME).min().alias("first"),
            pl.col(c.TIME).max().alias("last"),
            pl.len().alias("n"),
            (pl.col(c.EVENT_CATEGORY) == "Data").fill_null(False).sum().alias("data"),
        )
        .select(
            pl.col(c.RECIPIENT_ACCOUNT_ID).cast(pl.String).alias("account"),
            pl.col(c.REGION).cast(pl.String).alias("region"),
            "first",
            "last",
            "n",
            "data",
        )
        .sort("account", "region", nulls_last=True)
        .collect()
    )
    per: dict[tuple[str | None, str | None], int] = {}
    for gap in found:
        per[(gap.account, gap.region)] = per.get((gap.account, gap.region), 0) + 1
    return tuple(
        Span(
            account,
            region,
            first,
            last,
            int(n),
            int(data),
            per.get((account, region), 0),
            door(equals(c.RECIPIENT_ACCOUNT_ID, account), equals(c.REGION, region)),
        )
        for account, region, first, last, n, data in table.iter_rows()
    )
