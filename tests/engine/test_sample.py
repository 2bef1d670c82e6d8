"""The engine on the sample incident: every figure is what the generator says it wrote."""

from __future__ import annotations

import polars as pl
import pytest

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, load_paths
from tests import facts as F
from tests.conftest import SAMPLE_LOGS


@pytest.fixture(scope="module")
def loaded() -> LoadResult:
    return load_paths([SAMPLE_LOGS], LoadOptions(use_cache=False))


def test_the_load_report_matches_what_was_written(loaded: LoadResult) -> None:
    want = F.facts()["load"]
    report = loaded.report
    assert report.records_seen == want["records_seen"]
    assert report.loaded == want["events"] == loaded.frame.height
    assert report.duplicates == want["duplicates"]
    assert report.rejected == want["rejected"]
    assert report.no_time == want["no_time"]
    for status in ("read", "skipped", "failed"):
        assert report.count(status) == want["files"][status], status
    root = str(SAMPLE_LOGS) + "/"
    assert sorted(f.path.removeprefix(root) for f in report.files if f.salvage) == sorted(
        want["salvaged"]
    )
    skipped = {f.path.removeprefix(root) for f in report.files if f.status == "skipped"}
    assert skipped == {s["path"] for s in want["skipped"]}


@pytest.mark.parametrize(
    ("column", "facts_key"),
    [
        (c.SOURCE_IP, "by_source_ip"),
        (c.EVENT_NAME, "by_event_name"),
        (c.ACCESS_KEY_ID, "by_access_key"),
        (c.PRINCIPAL_ARN, "by_principal_arn"),
        (c.USER_NAME, "by_user_name"),
        (c.REGION, "by_region"),
        (c.RECIPIENT_ACCOUNT_ID, "by_account"),
        (c.ERROR_CODE, "by_error_code"),
    ],
)
def test_every_breakdown_matches_what_was_written(
    loaded: LoadResult, column: str, facts_key: str
) -> None:
    counts = (
        loaded.frame.select(pl.col(column).cast(pl.String))
        .drop_nulls()
        .filter(pl.col(column) != "")
        .group_by(column)
        .len()
    )
    got = {str(value): int(n) for value, n in counts.iter_rows()}
    assert got == F.facts()["counts"][facts_key]


def test_events_are_in_time_order_and_span_what_was_written(loaded: LoadResult) -> None:
    times = loaded.frame.get_column(c.TIME)
    assert times.is_sorted()
    first, last = F.facts()["time_range"]["first"], F.facts()["time_range"]["last"]
    assert times.min().strftime("%Y-%m-%dT%H:%M:%SZ") == first  # type: ignore[union-attr]
    assert times.max().strftime("%Y-%m-%dT%H:%M:%SZ") == last  # type: ignore[union-attr]


def test_every_incident_event_is_loaded_once(loaded: LoadResult) -> None:
    ids = loaded.frame.get_column(c.EVENT_ID).drop_nulls()
    assert ids.n_unique() == ids.len()
    incident = set(F.incident()["event_ids"])
    assert set(ids.drop_nulls().to_list()) >= incident
    issued = loaded.frame.filter(pl.col(c.ISSUED_ACCESS_KEY_ID) == F.incident()["asia_key"])
    assert issued.height == 1
