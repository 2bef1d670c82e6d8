"""Timeline and top-N over hand-made trails with literal expectations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from ctir_tui.engine.analyses.timeline import TimelineError, auto_bucket, timeline
from ctir_tui.engine.analyses.top import resolve_column, top
from ctir_tui.engine.query.values import FilterError
from tests.analyses.build import OTHER, call, load, user
from tests.factory import ACCOUNT


def t(minute: int) -> datetime:
    return datetime(2026, 3, 1, 10, 0, tzinfo=UTC) + timedelta(minutes=minute)


@pytest.fixture
def trail(tmp_path: Path):  # type: ignore[no-untyped-def]
    alice = user("alice", "AKIAALICE")
    bob = user("bob", "AKIABOB")
    records = [
        call(1, 0, "ListUsers", alice),
        call(2, 1, "ListUsers", alice, errorCode="AccessDenied"),
        call(3, 4, "CreateUser", alice, errorCode="EntityAlreadyExists"),
        call(4, 6, "ListRoles", bob),
        # 2 hours of silence in us-east-1 for account 111122223333.
        call(5, 126, "ListRoles", bob),
        call(6, 127, "ListRoles", bob, awsRegion="eu-west-1"),
        call(7, 10, "ListRoles", bob, awsRegion="eu-west-1", recipientAccountId=OTHER),
        # A failed console login: no error code, the outcome is a failure.
        call(
            8,
            5,
            "ConsoleLogin",
            bob,
            eventSource="signin.amazonaws.com",
            responseElements={"ConsoleLogin": "Failure"},
            errorMessage="Failed authentication",
        ),
    ]
    return load(tmp_path, records)


def test_buckets_stack_outcomes(trail) -> None:  # type: ignore[no-untyped-def]
    counted = timeline(trail.frame, timedelta(minutes=5))
    first = counted.buckets[0]
    assert first.start == t(0)
    assert first.by_outcome == {"success": 1, "failure": 1, "denied": 1}
    assert first.count == 3
    # 10:05 holds the console login (failure), 10:06 ListRoles (success).
    assert counted.buckets[1].by_outcome == {"success": 1, "failure": 1, "denied": 0}
    # Every 5 minutes from 10:00 to 12:05, empty ones included.
    assert [b.start for b in counted.buckets] == [t(m) for m in range(0, 130, 5)]
    assert sum(b.count for b in counted.buckets) == 8
    assert counted.to_json()["bucket"] == "5m"
    assert set(counted.to_json()) == {"bucket", "buckets", "gaps"}
    for bucket in counted.buckets:
        assert trail.view(bucket.door).height == bucket.count


def test_gaps_per_account_and_region(trail) -> None:  # type: ignore[no-untyped-def]
    counted = timeline(trail.frame, timedelta(minutes=5), min_gap=timedelta(hours=1))
    assert [(g.account, g.region, g.start, g.end) for g in counted.gaps] == [
        (ACCOUNT, "us-east-1", t(6), t(126))
    ]
    gap = counted.gaps[0]
    assert sorted(trail.view(gap.door).get_column("event_id").to_list()) == ["e4", "e5"]
    # Shorter silences are gaps once the threshold drops (us-east-1: 0, 1, 4, 5, 6, 126);
    # a region with one event, or another account's, has none. Longest first.
    shorter = timeline(trail.frame, timedelta(minutes=5), min_gap=timedelta(minutes=2)).gaps
    assert [(g.start, g.end) for g in shorter] == [(t(6), t(126)), (t(1), t(4))]


def test_the_bucket_follows_the_span() -> None:
    assert auto_bucket(timedelta(minutes=30)) == timedelta(seconds=15)
    assert auto_bucket(timedelta(hours=2)) == timedelta(minutes=1)
    assert auto_bucket(timedelta(days=3)) == timedelta(hours=1)
    assert auto_bucket(timedelta(days=365 * 50)) == timedelta(days=30)


def test_too_many_buckets_are_refused(trail) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TimelineError, match="buckets"):
        timeline(trail.frame, timedelta(seconds=1) / 1000)


def test_top_counts_with_first_and_last(trail) -> None:  # type: ignore[no-untyped-def]
    ranked = top(trail.frame, "event_name", 2)
    assert [(r.fields["value"], r.count, r.first, r.last) for r in ranked.rows] == [
        ("ListRoles", 4, t(6), t(127)),
        ("ListUsers", 2, t(0), t(1)),
    ]
    assert (ranked.total, ranked.distinct, ranked.missing) == (8, 4, 0)
    assert ranked.rows[0].fields["share"] == 0.5
    errors = top(trail.frame, "error_code")
    assert errors.missing == 6
    # Ties are ordered by value.
    assert [r.fields["value"] for r in errors.rows] == ["AccessDenied", "EntityAlreadyExists"]
    for row in ranked.rows:
        assert trail.view(row.door).height == row.count


def test_top_of_a_list_and_a_flag(tmp_path: Path) -> None:
    alice = user("alice", "AKIAALICE")
    res = [{"ARN": "arn:aws:s3:::a"}, {"ARN": "arn:aws:s3:::b"}]
    trail = load(
        tmp_path,
        [
            call(1, 0, "GetObject", alice, resources=res),
            call(2, 1, "GetObject", alice, resources=res[:1]),
            call(3, 2, "ListUsers", alice, readOnly=False),
        ],
    )
    ranked = top(trail.frame, "resources")
    assert [(r.fields["value"], r.count) for r in ranked.rows] == [
        ("arn:aws:s3:::a", 2),
        ("arn:aws:s3:::b", 1),
    ]
    assert ranked.missing == 1
    flags = top(trail.frame, "read_only")
    assert [(r.fields["value"], r.count) for r in flags.rows] == [(True, 2), (False, 1)]
    assert trail.view(flags.rows[0].door).height == 2


def test_short_column_names() -> None:
    columns = ["source_ip", "event_name", "user_agent", "time"]
    assert resolve_column("ip", columns) == "source_ip"
    assert resolve_column("EVENT", columns) == "event_name"
    assert resolve_column("user-agent", columns) == "user_agent"
    assert resolve_column("user_agent", columns) == "user_agent"
    for bad in ("time", "nonsense", ""):
        with pytest.raises(FilterError):
            resolve_column(bad, columns)


def test_empty_and_timeless_views() -> None:
    from ctir_tui.engine.schema import empty_frame

    frame = empty_frame()
    assert timeline(frame).buckets == ()
    assert top(frame, "principal").rows == ()
    timeless = frame.vstack(
        pl.DataFrame({"event_id": ["x"]}, schema={"event_id": pl.String}).select(
            [
                pl.lit(None, dtype).alias(name) if name != "event_id" else pl.col("event_id")
                for name, dtype in frame.schema.items()
            ]
        )
    )
    counted = timeline(timeless)
    assert counted.buckets == ()
    assert counted.no_time == 1
