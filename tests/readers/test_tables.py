"""Tabular inputs through the whole loader: Athena, CloudTrail Lake, Security Lake, Event history.

Every expected value below is read off the fixtures in ``tests/readers/fixtures/`` (written
by hand in each engine's shape; the Parquet ones by ``make_parquet_fixtures.py`` from the
literal rows there), never computed by ctir.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from ctir_tui.engine.pipeline.load import LoadResult
from ctir_tui.engine.pipeline.raw import RawStore
from tests.factory import file_report, load

FIXTURES = Path(__file__).parent / "fixtures"

COLUMNS = (
    "event_id",
    "time",
    "event_name",
    "event_source",
    "region",
    "source_ip",
    "principal",
    "identity_type",
    "access_key_id",
    "error_code",
    "outcome",
)


def _at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _load(tmp_path: Path, *names: str) -> LoadResult:
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return load(tmp_path)


def _rows(result: LoadResult) -> list[tuple[Any, ...]]:
    frame = result.frame.sort("event_id")
    return [tuple(r) for r in frame.select(COLUMNS).iter_rows()]


def test_athena_result_csv(tmp_path: Path) -> None:
    result = _load(tmp_path, "athena-results.csv")
    assert _rows(result) == [
        ("athena-01", _at(2026, 3, 2, 8, 0, 1), "CreateAccessKey", "iam.amazonaws.com",
         "us-east-1", "203.0.113.10", "arn:aws:iam::111122223333:user/alice", "IAMUser",
         "AKIAATHENA0000000001", None, "success"),
        ("athena-02", _at(2026, 3, 2, 8, 0, 2), "AssumeRole", "sts.amazonaws.com",
         "us-east-1", "2001:db8::5", "arn:aws:sts::111122223333:assumed-role/ci-deploy/deploy",
         "AssumedRole", "ASIAATHENA0000000003", None, "success"),
        ("athena-03", _at(2026, 3, 2, 8, 0, 3), "DeleteTrail", "cloudtrail.amazonaws.com",
         "us-east-1", "203.0.113.10", "arn:aws:iam::111122223333:user/alice", "IAMUser",
         "AKIAATHENA0000000001", "AccessDenied", "denied"),
    ]  # fmt: skip
    frame = result.frame.sort("event_id")
    # The credentials each call handed out, and who the assumed role's session came from.
    assert frame["issued_access_key_id"].to_list() == [
        "AKIAATHENA0000000002",
        "ASIAATHENA0000000004",
        None,
    ]
    assert frame["session_issuer_arn"].to_list()[1] == "arn:aws:iam::111122223333:role/ci-deploy"
    assert frame["mfa"].to_list()[1] is False
    # Trino prints an absent struct field as null: no value, not the word.
    assert frame["invoked_by"].to_list() == [None, None, None]
    assert frame["resources"].to_list()[2] == [
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"
    ]
    # What each call acted upon, read from its request parameters (JSON text in Athena).
    assert frame["target"].to_list() == [
        "user:bob",
        "role:arn:aws:iam::444455556666:role/admin; session:x",
        "trail:main",
    ]
    assert (
        frame["assumed_role_arn"].to_list()[1] == "arn:aws:sts::444455556666:assumed-role/admin/x"
    )
    assert file_report(result, "athena-results.csv").shape == "athena-csv"


def test_athena_unload_parquet(tmp_path: Path) -> None:
    result = _load(tmp_path, "athena-unload.parquet")
    assert _rows(result) == [
        ("unload-01", _at(2026, 3, 4, 6, 1), "ModifySnapshotAttribute", "ec2.amazonaws.com",
         "eu-west-1", "198.51.100.44", "arn:aws:sts::111122223333:assumed-role/ops/ops",
         "AssumedRole", "ASIAUNLOAD0000000001", None, "success"),
        ("unload-02", _at(2026, 3, 4, 6, 2), "GetBucketAcl", "s3.amazonaws.com", "eu-west-1",
         "config.amazonaws.com", "config.amazonaws.com", "AWSService", None, None, "success"),
    ]  # fmt: skip
    frame = result.frame.sort("event_id")
    assert frame["mfa"].to_list() == [True, None]
    assert frame["target_accounts"].to_list()[0] == "999988887777"
    assert frame["read_only"].to_list() == [False, True]


def test_lake_result_csv(tmp_path: Path) -> None:
    result = _load(tmp_path, "lake-results.csv")
    assert _rows(result) == [
        ("lake-01", _at(2026, 3, 2, 9, 0), "PutBucketPolicy", "s3.amazonaws.com", "eu-west-1",
         "198.51.100.23", "arn:aws:iam::111122223333:user/carol", "IAMUser",
         "AKIALAKE000000000001", None, "success"),
        ("lake-02", _at(2026, 3, 2, 9, 5, 30), "ConsoleLogin", "signin.amazonaws.com",
         "us-east-1", "192.0.2.77", "arn:aws:iam::111122223333:root", "Root", None, None,
         "failure"),
    ]  # fmt: skip
    frame = result.frame.sort("event_id")
    assert frame["console_login"].to_list() == [None, "Failure"]
    assert frame["resources"].to_list()[0] == ["arn:aws:s3:::evidence-bucket"]
    assert file_report(result, "lake-results.csv").shape == "lake-csv"


def test_lake_get_query_results_json(tmp_path: Path) -> None:
    result = _load(tmp_path, "lake-query-results.json")
    assert _rows(result) == [
        ("lake-json-01", _at(2026, 3, 2, 10, 0), "RunInstances", "ec2.amazonaws.com",
         "ap-southeast-2", "203.0.113.99", "arn:aws:sts::111122223333:assumed-role/dev/mallory",
         "AssumedRole", "ASIALAKEJSON00000001", None, "success"),
        ("lake-json-02", _at(2026, 3, 2, 10, 0, 5), "GetCallerIdentity", "sts.amazonaws.com",
         "us-east-1", "203.0.113.99", "arn:aws:sts::111122223333:assumed-role/dev/mallory",
         "AssumedRole", "ASIALAKEJSON00000001", None, "success"),
    ]  # fmt: skip
    assert result.frame.sort("event_id")["source_identity"].to_list() == [
        "mallory@example.com",
        None,
    ]


def test_security_lake_ocsf_json_both_versions(tmp_path: Path) -> None:
    result = _load(tmp_path, "ocsf-1.1.jsonl", "ocsf-rc2.json")
    assert _rows(result) == [
        ("ocsf-11-01", _at(2026, 3, 2, 9, 0), "GetSecretValue", "secretsmanager.amazonaws.com",
         "us-west-2", "198.51.100.200", "arn:aws:sts::111122223333:assumed-role/app/i-0abc",
         "AssumedRole", "ASIAOCSF000000000001", "AccessDenied", "denied"),
        ("ocsf-11-02", datetime(2026, 3, 2, 9, 1, 1, 500000, tzinfo=UTC), "CreateUser",
         "iam.amazonaws.com", "us-east-1", "203.0.113.66", "arn:aws:iam::111122223333:user/eve",
         "IAMUser", "AKIAOCSF000000000002", None, "success"),
        # OCSF 1.0.0-rc.2: the ARN is actor.user.uuid, the principal id actor.user.uid.
        ("ocsf-rc2-01", _at(2026, 3, 2, 10, 0), "StopLogging", "cloudtrail.amazonaws.com",
         "eu-central-1", "192.0.2.201", "arn:aws:iam::111122223333:user/trent", "IAMUser",
         "AKIARC20000000000001", None, "success"),
    ]  # fmt: skip
    frame = result.frame.sort("event_id")
    assert frame["principal_id"].to_list() == [
        "AROAOCSF:i-0abc",
        "AIDAOCSF0000000EVE",
        "AIDARC2000000TRENT",
    ]
    assert frame["account_id"].to_list() == ["111122223333"] * 3
    assert frame["mfa"].to_list() == [False, None, True]
    assert frame["session_issuer_arn"].to_list()[0] == "arn:aws:iam::111122223333:role/app"
    assert frame["read_only"].to_list() == [True, False, None]


def test_security_lake_ocsf_parquet(tmp_path: Path) -> None:
    result = _load(tmp_path, "ocsf-1.1.parquet")
    assert _rows(result) == [
        ("ocsf-pq-01", _at(2026, 3, 4, 6, 0), "PutBucketPublicAccessBlock", "s3.amazonaws.com",
         "us-east-2", "203.0.113.150", "arn:aws:iam::111122223333:user/frank", "IAMUser",
         "AKIAOCSFPQ0000000001", None, "success"),
        # A 1.0.0-rc.2 row in the same file; a service's call has its name as the source.
        ("ocsf-pq-02", _at(2026, 3, 4, 6, 0, 5), "DeleteDetector", "guardduty.amazonaws.com",
         "us-east-2", "guardduty.amazonaws.com", "arn:aws:iam::111122223333:user/grace",
         "IAMUser", "AKIAOCSFPQ0000000002", None, "success"),
    ]  # fmt: skip
    assert result.frame.sort("event_id")["recipient_account_id"].to_list() == ["111122223333"] * 2
    assert file_report(result, "ocsf-1.1.parquet").shape == "ocsf-parquet"


def test_event_history_csv_is_loaded_and_said_to_be_lossy(tmp_path: Path) -> None:
    result = _load(tmp_path, "event-history.csv")
    assert _rows(result) == [
        ("eh-01", _at(2026, 3, 3, 11, 0), "DeleteBucket", "s3.amazonaws.com", "us-east-1",
         "203.0.113.5", "dave", None, "AKIAHISTORY000000001", None, "success"),
        # The console's local time and offset: 12:30:15 at UTC+01:00.
        ("eh-02", _at(2026, 3, 3, 11, 30, 15), "ConsoleLogin", "signin.amazonaws.com",
         "us-east-1", "203.0.113.5", "dave", None, None, None, "success"),
    ]  # fmt: skip
    report = file_report(result, "event-history.csv")
    assert report.shape == "event-history-csv"
    assert report.salvage is not None
    assert report.salvage.startswith("lossy: the console's Event history CSV (2 rows) has no ")
    assert "request parameters" in report.salvage
    assert result.report.to_json()["salvaged"] == [
        {"path": str(tmp_path / "event-history.csv"), "salvage": report.salvage}
    ]


# --- the detail view: the row the event came from -------------------------------------------


@pytest.mark.parametrize(
    ("name", "event_id", "members"),
    [
        ("athena-results.csv", "athena-02", {"sourceipaddress": "2001:db8::5"}),
        ("athena-unload.parquet", "unload-02", {"eventid": "unload-02", "resources": []}),
        ("lake-results.csv", "lake-02", {"responseElements": "{ConsoleLogin=Failure}"}),
        ("event-history.csv", "eh-01", {"Event ID": "eh-01", "Resource name": "evidence-bucket"}),
        ("ocsf-1.1.parquet", "ocsf-pq-01", {"time": 1772604000000, "class_uid": 6003}),
    ],
)  # fmt: skip
def test_detail_shows_the_row_as_a_json_object(
    tmp_path: Path, name: str, event_id: str, members: dict[str, Any]
) -> None:
    result = _load(tmp_path, name)
    row = result.frame.filter(pl.col("event_id") == event_id).row(0, named=True)
    text = RawStore(result.sources).get(row["file_id"], row["rec_index"], event_id)
    shown = orjson.loads(text)
    assert {k: shown[k] for k in members} == members


def test_detail_of_json_shapes_is_the_exact_text(tmp_path: Path) -> None:
    result = _load(tmp_path, "ocsf-1.1.jsonl", "lake-query-results.json")
    store = RawStore(result.sources)
    row = result.frame.filter(pl.col("event_id") == "ocsf-11-02").row(0, named=True)
    line = (FIXTURES / "ocsf-1.1.jsonl").read_text().splitlines()[1]
    assert store.get(row["file_id"], row["rec_index"], "ocsf-11-02") == line
    row = result.frame.filter(pl.col("event_id") == "lake-json-02").row(0, named=True)
    text = store.get(row["file_id"], row["rec_index"], "lake-json-02")
    assert orjson.loads(text)[0] == {"eventID": "lake-json-02"}
