"""The engine on real public CloudTrail data in ../shared/datasets (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, load_paths
from ctir_tui.engine.pipeline.raw import RawStore
from tests.conftest import DATASETS

pytestmark = pytest.mark.skipif(not DATASETS.is_dir(), reason="../shared/datasets not present")


@pytest.fixture(scope="module")
def loaded() -> LoadResult:
    return load_paths([DATASETS], LoadOptions(use_cache=False))


def rows_from(result: LoadResult, folder: str) -> pl.DataFrame:
    return result.frame.filter(pl.col("source_file").cast(pl.String).str.contains(f"/{folder}/"))


def test_every_record_is_accounted_for(loaded: LoadResult) -> None:
    report = loaded.report
    assert report.reconciles
    assert report.count("failed") == 0
    skipped = {Path(f.path).name for f in report.files if f.status == "skipped"}
    # The alert-export CSV is not CloudTrail; licences and the README are not logs.
    assert "AWS_S3_HoneyBucketLogs.csv" in skipped
    assert "LICENSE" in skipped


def test_stratus_set_loads_whole(loaded: LoadResult) -> None:
    frame = rows_from(loaded, "invictus-stratus")
    assert frame.height == 2900  # the dataset's README: 2,900 records, all unique
    assert frame.get_column("event_name").n_unique() == 260
    assert frame.get_column("time").null_count() == 0


def test_logstash_records_take_their_time_from_at_timestamp(loaded: LoadResult) -> None:
    frame = rows_from(loaded, "otrf-cloudgoat")
    assert frame.height == 103
    assert frame.get_column("time").null_count() == 0


def test_lookup_events_times_come_from_the_inner_record(loaded: LoadResult) -> None:
    frame = rows_from(loaded, "plaso-lookup-events")
    assert frame.height == 6
    store = RawStore(loaded.sources)
    for row in frame.iter_rows(named=True):
        raw = store.get(row["file_id"], row["rec_index"])
        assert row["time"].strftime("%Y-%m-%dT%H:%M:%SZ") in raw


def test_duplicate_delivery_is_dropped(loaded: LoadResult) -> None:
    frame = rows_from(loaded, "trailscraper")
    assert frame.height == 3  # 7 records, 3 unique


def test_malformed_datadog_file_loses_no_record(loaded: LoadResult) -> None:
    frame = rows_from(loaded, "stratus-datadog-2022")
    assert frame.height == 15  # all 15 records, the missing comma notwithstanding
    damaged = next(f for f in loaded.report.files if f.path.endswith("ec2-user-data.json"))
    assert damaged.status == "read"
    assert damaged.salvage is not None
    assert "line 112" in damaged.salvage
    # Datadog moves the address out of the record; it is still found.
    assert frame.get_column("source_ip").null_count() == 0


def test_stratus_set_filters_and_order(loaded: LoadResult) -> None:
    # Counted with a plain json walk of the files, as jq would:
    #   jq '[.Records[] | select(.errorCode)] | length' invictus-stratus/*.json | paste -sd+ | bc
    from ctir_tui.engine.query.filters import Filters
    from ctir_tui.engine.query.language import make

    frame = rows_from(loaded, "invictus-stratus")
    times = frame.get_column("time")
    assert times.is_sorted()
    assert times.min().strftime("%Y-%m-%dT%H:%M:%SZ") == "2023-07-10T11:42:18Z"  # type: ignore[union-attr]
    assert times.max().strftime("%Y-%m-%dT%H:%M:%SZ") == "2023-07-10T12:37:50Z"  # type: ignore[union-attr]
    assert Filters((make("errors"),)).apply(frame).height == 300
    assert Filters((make("ip", "192.168.10.20"),)).apply(frame).height == 2154
    assert Filters((make("event", "GetCallerIdentity"),)).apply(frame).height == 15
    assert Filters((make("ip", "10.8.8.0/24"),)).apply(frame).height == 281
