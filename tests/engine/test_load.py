"""The engine: every input shape, every failure kind, reconciliation, dedup, salvage, cache."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctir_tui.engine.pipeline.discover import MissingPathError
from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, Progress, load_paths
from ctir_tui.engine.pipeline.parse import LoadCancelled
from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.engine.schema import EVENT_SCHEMA
from tests.factory import (
    dumps,
    lookup_item,
    record,
    write_jsonl,
    write_s3,
    zip_bytes,
)


def load(*paths: Path, cache: Path | None = None) -> LoadResult:
    options = LoadOptions(use_cache=cache is not None, cache_dir=cache)
    result = load_paths(list(paths), options)
    assert result.report.reconciles, result.report
    return result


def names(result: LoadResult) -> list[str]:
    return result.frame.get_column("event_name").to_list()


def file_report(result: LoadResult, suffix: str) -> Any:
    return next(f for f in result.report.files if f.path.endswith(suffix))


# --- shapes -------------------------------------------------------------------------------


def test_s3_delivery_gz_and_plain_pretty(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(1), record(2, eventName="CreateUser")])
    write_s3(tmp_path / "b.json", [record(3, eventName="StopLogging")], gz=False, pretty=True)
    result = load(tmp_path)
    assert names(result) == ["ListUsers", "CreateUser", "StopLogging"]
    assert {f.shape for f in result.report.files} == {"s3-delivery"}


def test_shape_is_detected_by_content_not_name(tmp_path: Path) -> None:
    # A gzip file called .txt and a JSON file with no extension still load.
    (tmp_path / "logs.txt").write_bytes(gzip.compress(dumps({"Records": [record(1)]})))
    (tmp_path / "export").write_bytes(dumps([record(2)]))
    assert sorted(names(load(tmp_path))) == ["ListUsers", "ListUsers"]


def test_json_array_and_json_lines(tmp_path: Path) -> None:
    (tmp_path / "array.json").write_bytes(dumps([record(1), record(2)], pretty=True))
    write_jsonl(tmp_path / "lines.jsonl", [record(3), record(4), record(5)])
    result = load(tmp_path)
    assert result.frame.height == 5
    assert file_report(result, "array.json").shape == "json-array"
    assert file_report(result, "lines.jsonl").shape == "json-lines"


def test_lookup_events_pages_concatenated_and_lines(tmp_path: Path) -> None:
    page1 = {"Events": [lookup_item(record(1)), lookup_item(record(2))], "NextToken": "x"}
    page2 = {"Events": [lookup_item(record(3, eventName="ConsoleLogin"))]}
    (tmp_path / "pages.json").write_bytes(dumps(page1, pretty=True) + b"\n" + dumps(page2))
    write_jsonl(tmp_path / "items.jsonl", [lookup_item(record(4)), lookup_item(record(5))])
    result = load(tmp_path)
    assert result.frame.height == 5
    # Times come from the decoded record, not the item's local-time EventTime.
    times = result.frame.get_column("time").dt.strftime("%H:%M:%S").to_list()
    assert times == ["10:00:01", "10:00:02", "10:00:03", "10:00:04", "10:00:05"]
    assert "ConsoleLogin" in names(result)


def test_cloudwatch_shapes(tmp_path: Path) -> None:
    filter_log = {
        "events": [
            {"logStreamName": "s", "timestamp": 1, "message": dumps(record(1)).decode()},
            {"logStreamName": "s", "timestamp": 2, "message": dumps(record(2)).decode()},
        ],
        "searchedLogStreams": [],
    }
    (tmp_path / "filter.json").write_bytes(dumps(filter_log))
    envelope = {
        "messageType": "DATA_MESSAGE",
        "logGroup": "g",
        "logEvents": [{"id": "1", "timestamp": 3, "message": dumps(record(3)).decode()}],
    }
    (tmp_path / "sub.gz").write_bytes(gzip.compress(dumps(envelope)))
    lines = [f"2026-03-01T10:00:0{i}.000Z {dumps(record(10 + i)).decode()}" for i in range(3)]
    (tmp_path / "export.txt").write_text("\n".join(lines) + "\n")
    result = load(tmp_path)
    assert result.frame.height == 6
    assert file_report(result, "export.txt").shape == "cloudwatch-export-lines"
    assert file_report(result, "sub.gz").shape == "cloudwatch-subscription"


def test_insight_record_takes_name_from_insight_details(tmp_path: Path) -> None:
    insight = {
        "eventVersion": "1.07",
        "eventTime": "2026-03-01T10:00:00Z",
        "awsRegion": "us-east-1",
        "eventID": "insight-1",
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": "111122223333",
        "sharedEventID": "x",
        "insightDetails": {
            "state": "Start",
            "eventSource": "iam.amazonaws.com",
            "eventName": "DeleteAccessKey",
            "insightType": "ApiCallRateInsight",
        },
        "eventCategory": "Insight",
    }
    write_s3(tmp_path / "insight.json.gz", [insight])
    row = load(tmp_path).frame.row(0, named=True)
    assert row["event_name"] == "DeleteAccessKey"
    assert row["event_source"] == "iam.amazonaws.com"
    assert row["event_type"] == "AwsCloudTrailInsight"
    assert row["principal"] is None


def test_digest_and_non_logs_are_skipped_and_counted(tmp_path: Path) -> None:
    digest = {"digestStartTime": "2026-03-01T10:00:00Z", "logFiles": []}
    (tmp_path / "digest.json.gz").write_bytes(gzip.compress(dumps(digest)))
    (tmp_path / "notes.txt").write_text("analyst notes: check alice\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "package.json").write_bytes(dumps({"name": "x", "version": "1"}))
    (tmp_path / "empty.json").write_bytes(b"")
    write_s3(tmp_path / "real.json.gz", [record(1)])
    result = load(tmp_path)
    assert result.frame.height == 1
    reasons = {Path(f.path).name: f.reason for f in result.report.files if f.status == "skipped"}
    assert set(reasons) == {
        "digest.json.gz",
        "notes.txt",
        "image.png",
        "package.json",
        "empty.json",
    }
    assert "digest" in (reasons["digest.json.gz"] or "")
    assert "binary" in (reasons["image.png"] or "")


def test_zip_archive_is_read_in_place(tmp_path: Path) -> None:
    member = gzip.compress(dumps({"Records": [record(1), record(2)]}))
    archive = tmp_path / "evidence.zip"
    archive.write_bytes(zip_bytes({"AWSLogs/a.json.gz": member, "README": b"hello"}))
    result = load(archive)
    assert result.frame.height == 2
    paths = {f.path: f.status for f in result.report.files}
    assert paths[f"{archive}!AWSLogs/a.json.gz"] == "read"
    assert paths[f"{archive}!README"] == "skipped"
    assert set(result.frame.get_column("source_file")) == {f"{archive}!AWSLogs/a.json.gz"}


def test_records_without_event_time_use_at_timestamp_and_none_are_dropped(tmp_path: Path) -> None:
    logstash = record(1)
    del logstash["eventTime"]
    logstash["@timestamp"] = "2026-03-01T09:00:00.123Z"
    timeless = record(2)
    del timeless["eventTime"]
    write_jsonl(tmp_path / "x.jsonl", [logstash, timeless])
    result = load(tmp_path)
    assert result.frame.height == 2
    assert result.report.no_time == 1
    # Events without a time sort last.
    assert result.frame.get_column("time").to_list()[-1] is None
    assert str(result.frame.get_column("time")[0]) == "2026-03-01 09:00:00.123000+00:00"


def test_several_paths_files_and_folders(tmp_path: Path) -> None:
    a = write_s3(tmp_path / "one" / "a.json.gz", [record(1)])
    write_s3(tmp_path / "two" / "b.json.gz", [record(2)])
    assert load(a, tmp_path / "two").frame.height == 2


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(MissingPathError, match="no such file"):
        load_paths([tmp_path / "nope"], LoadOptions(use_cache=False))


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    write_s3(tmp_path / "logs" / "a.json.gz", [record(1)])
    os.symlink(tmp_path / "logs", tmp_path / "logs" / "loop")
    result = load(tmp_path)
    assert result.frame.height == 1


# --- the record -------------------------------------------------------------------------


def test_principal_normalisation_per_identity_type(tmp_path: Path) -> None:
    assumed = {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:session-1",
        "arn": "arn:aws:sts::111122223333:assumed-role/Admin/session-1",
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE000000001",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/Admin"},
            "attributes": {"mfaAuthenticated": "true", "creationDate": "x"},
            "sourceIdentity": "alice@example.com",
        },
    }
    records = [
        record(
            1,
            userIdentity={
                "type": "Root",
                "arn": "arn:aws:iam::111122223333:root",
                "accountId": "111122223333",
                "principalId": "111122223333",
            },
        ),
        record(2, userIdentity=assumed),
        record(3, userIdentity={"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}),
        record(
            4,
            userIdentity={
                "type": "IdentityCenterUser",
                "accountId": "111122223333",
                "onBehalfOf": {"userId": "9067-user"},
            },
        ),
        record(
            5,
            userIdentity={
                "type": "IAMUser",
                "accountId": "111122223333",
                "accessKeyId": "",
                "userName": "HIDDEN_DUE_TO_SECURITY_REASONS",
            },
        ),
    ]
    write_s3(tmp_path / "a.json.gz", records)
    rows = load(tmp_path).frame.to_dicts()
    assert [r["principal"] for r in rows] == [
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::111122223333:assumed-role/Admin/session-1",
        "ec2.amazonaws.com",
        "9067-user",
        "HIDDEN_DUE_TO_SECURITY_REASONS",
    ]
    assert rows[1]["session_issuer_arn"] == "arn:aws:iam::111122223333:role/Admin"
    assert rows[1]["source_identity"] == "alice@example.com"
    assert rows[1]["mfa"] is True
    assert rows[4]["access_key_id"] is None  # "" is no key


def test_console_login_mfa_and_assume_role_issued_key(tmp_path: Path) -> None:
    login = record(
        1,
        eventName="ConsoleLogin",
        eventType="AwsConsoleSignIn",
        eventSource="signin.amazonaws.com",
        responseElements={"ConsoleLogin": "Success"},
        additionalEventData={"MFAUsed": "NO", "LoginTo": "https://console.aws.amazon.com"},
    )
    assume = record(
        2,
        eventName="AssumeRole",
        eventSource="sts.amazonaws.com",
        responseElements={
            "credentials": {
                "accessKeyId": "ASIANEWKEY0000000001",
                "expiration": "x",
                "sessionToken": "y",
            }
        },
    )
    write_s3(tmp_path / "a.json.gz", [login, assume])
    rows = load(tmp_path).frame.to_dicts()
    assert rows[0]["console_login"] == "Success"
    assert rows[0]["mfa"] is False
    assert rows[1]["issued_access_key_id"] == "ASIANEWKEY0000000001"


def test_odd_types_do_not_break_a_file(tmp_path: Path) -> None:
    # readOnly as a string, a numeric region and a userIdentity that is a string:
    # the file falls back to the tolerant parser, and every record still loads.
    records = [
        record(1, readOnly="true"),
        record(2, awsRegion=7),
        record(3, userIdentity="weird"),
        record(4, responseElements={"credentials": "redacted"}),
    ]
    write_s3(tmp_path / "a.json.gz", records)
    result = load(tmp_path)
    assert result.frame.height == 4
    assert result.frame.get_column("read_only").to_list() == [True, True, True, True]
    assert result.frame.get_column("region").to_list()[1] == "7"


def test_time_forms(tmp_path: Path) -> None:
    forms = [
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00.250Z",
        "2026-03-01T12:00:00+02:00",
        "2026-03-01 21:00:00+11:00",
        "2026-03-01T10:00:00",
        "not a time",
    ]
    write_jsonl(tmp_path / "t.jsonl", [record(i, eventTime=f) for i, f in enumerate(forms)])
    frame = load(tmp_path).frame
    got = frame.sort("event_id").get_column("time").dt.strftime("%H:%M:%S%.3f").to_list()
    assert got == [
        "10:00:00.000",
        "10:00:00.250",
        "10:00:00.000",
        "10:00:00.000",
        "10:00:00.000",
        None,
    ]


# --- problems, reconciliation, dedup, salvage -----------------------------------------


def test_duplicates_across_files_are_dropped_and_counted(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(1), record(2)])
    write_s3(tmp_path / "b.json", [record(2), record(3)], gz=False)
    result = load(tmp_path)
    assert result.frame.get_column("event_id").to_list() == [
        "evt-00000001",
        "evt-00000002",
        "evt-00000003",
    ]
    assert result.report.duplicates == 1
    assert result.report.records_seen == 4


def test_rejected_records_have_path_index_and_reason(tmp_path: Path) -> None:
    values: list[Any] = [record(1), {"hello": "world"}, [1, 2], record(2)]
    write_s3(tmp_path / "a.json.gz", values)
    path = tmp_path / "b.jsonl"
    path.write_text(dumps(record(3)).decode() + "\n{not json\n" + dumps(record(4)).decode() + "\n")
    result = load(tmp_path)
    assert result.frame.height == 4
    assert result.report.rejected == 3
    details = {(Path(r.path).name, r.index): r.reason for r in result.report.rejected_details}
    assert set(details) == {("a.json.gz", 1), ("a.json.gz", 2), ("b.jsonl", 1)}
    assert "line 2" in details[("b.jsonl", 1)]


def test_missing_comma_between_records_loses_nothing(tmp_path: Path) -> None:
    body = dumps({"Records": [record(1), record(2), record(3)]}, pretty=True).decode()
    broken = body.replace("},\n    {", "}\n    {", 1)
    assert broken != body
    (tmp_path / "broken.json").write_text(broken)
    result = load(tmp_path)
    assert result.frame.height == 3
    report = file_report(result, "broken.json")
    assert report.status == "read"
    assert "salvaged 3 records" in report.salvage
    assert "line" in report.salvage


def test_garbage_in_the_middle_salvages_before_and_after(tmp_path: Path) -> None:
    parts = [dumps(record(i)).decode() for i in range(1, 5)]
    text = (
        '{"Records":['
        + parts[0]
        + ","
        + parts[1][:40]
        + "\x00garbage,"
        + parts[2]
        + ","
        + parts[3]
        + "]}"
    )
    (tmp_path / "damaged.json").write_text(text)
    result = load(tmp_path)
    assert result.frame.get_column("event_id").to_list() == [
        "evt-00000001",
        "evt-00000003",
        "evt-00000004",
    ]
    report = file_report(result, "damaged.json")
    assert "salvaged 3 records" in report.salvage
    assert "bytes lost" in report.salvage


def test_unrecoverable_json_fails_with_position(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"Records": [ {"eventName": ')
    write_s3(tmp_path / "good.json.gz", [record(1)])
    result = load(tmp_path)
    bad = file_report(result, "bad.json")
    assert bad.status == "failed"
    assert "line 1" in bad.reason
    assert result.frame.height == 1


def test_truncated_gzip_salvages_the_readable_prefix(tmp_path: Path) -> None:
    lines = b"\n".join(dumps(record(i)) for i in range(200)) + b"\n"
    data = gzip.compress(lines)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = load(tmp_path)
    report = file_report(result, "cut.jsonl.gz")
    assert report.status == "read"
    assert "corrupt gzip" in report.salvage
    assert 0 < result.frame.height < 200


def test_unreadable_paths_are_reported(tmp_path: Path) -> None:
    write_s3(tmp_path / "ok.json.gz", [record(1)])
    os.symlink(tmp_path / "gone.json", tmp_path / "dangling.json")
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 not really a zip")
    result = load(tmp_path)
    failed = {Path(f.path).name: f.reason for f in result.report.files if f.status == "failed"}
    assert set(failed) == {"dangling.json", "fake.zip"}
    assert result.frame.height == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "eventName",
                    "eventTime",
                    "eventID",
                    "userIdentity",
                    "Records",
                    "Events",
                    "CloudTrailEvent",
                    "message",
                    "logEvents",
                    "arn",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=json_values, garbage=st.binary(max_size=30), as_lines=st.booleans())
def test_arbitrary_json_never_crashes_and_reconciles(
    tmp_path: Path, doc: Any, garbage: bytes, as_lines: bool
) -> None:
    folder = tmp_path / os.urandom(6).hex()
    folder.mkdir()
    body = json.dumps(doc).encode()
    if as_lines:
        body = body + b"\n" + garbage + b"\n" + dumps(record(1))
    (folder / "f.json").write_bytes(body)
    result = load_paths([folder], LoadOptions(use_cache=False))
    report = result.report
    assert report.records_seen == report.loaded + report.duplicates + report.rejected
    assert report.loaded == result.frame.height
    assert len(report.files) == 1


# --- raw records ---------------------------------------------------------------------


def test_original_record_is_returned_exactly_as_written(tmp_path: Path) -> None:
    pretty = dumps({"Records": [record(1, userAgent="caf\\u00e9")]}, pretty=True)
    (tmp_path / "p.json").write_bytes(pretty)
    line = b'{"eventName": "ListUsers",  "eventID": "spaced", "eventTime": "2026-03-01T11:00:00Z"}'
    (tmp_path / "l.jsonl").write_bytes(line + b"\n" + dumps(record(2)) + b"\n")
    lookup = lookup_item(record(3))
    write_jsonl(tmp_path / "k.jsonl", [lookup, lookup_item(record(4))])
    result = load(tmp_path)
    store = RawStore(result.sources)
    texts = dict(
        zip(result.frame.get_column("event_id"), store.iter_frame(result.frame), strict=True)
    )
    assert texts["spaced"] == line.decode()
    assert texts["evt-00000003"] == lookup["CloudTrailEvent"]
    # The pretty-printed record keeps its indentation, byte for byte.
    assert texts["evt-00000001"] in pretty.decode()
    assert "\n    " in texts["evt-00000001"]


def test_raw_store_matches_every_row_of_every_shape(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(i) for i in range(5)])
    (tmp_path / "b.json").write_bytes(dumps([record(i) for i in range(5, 8)], pretty=True))
    page = {"Events": [lookup_item(record(i)) for i in range(8, 10)]}
    (tmp_path / "c.json").write_bytes(dumps(page) + dumps(page))
    result = load(tmp_path)
    store = RawStore(result.sources)
    for row in result.frame.iter_rows(named=True):
        raw = orjson.loads(store.get(row["file_id"], row["rec_index"]))
        assert raw["eventID"] == row["event_id"]


# --- cache -----------------------------------------------------------------------------


def _fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return out


def test_cache_reuse_and_invalidation(tmp_path: Path) -> None:
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json.gz", [record(1), record(2)])
    write_s3(logs / "b.json.gz", [record(3)])
    first = load(logs, cache=cache)
    assert first.report.from_cache == 0
    second = load(logs, cache=cache)
    assert second.report.from_cache == 2
    assert second.frame.equals(first.frame)

    # Change one file: only it is parsed again, and its new content shows.
    write_s3(logs / "b.json.gz", [record(3, eventName="DeleteTrail"), record(4)])
    os.utime(logs / "b.json.gz", ns=(1, 1))
    third = load(logs, cache=cache)
    assert third.report.from_cache == 1
    assert names(third) == ["ListUsers", "ListUsers", "DeleteTrail", "ListUsers"]

    # A new file is added, a file removed.
    write_s3(logs / "c.json.gz", [record(5, eventName="StopLogging")])
    (logs / "a.json.gz").unlink()
    fourth = load(logs, cache=cache)
    assert fourth.report.from_cache == 1
    assert names(fourth) == ["DeleteTrail", "ListUsers", "StopLogging"]
    # Raw records of cached rows are still found in the right files.
    store = RawStore(fourth.sources)
    assert [orjson.loads(t)["eventID"] for t in store.iter_frame(fourth.frame)] == [
        "evt-00000003",
        "evt-00000004",
        "evt-00000005",
    ]


def test_no_cache_option_leaves_no_cache(tmp_path: Path) -> None:
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json.gz", [record(1)])
    load_paths([logs], LoadOptions(use_cache=False, cache_dir=cache))
    assert not cache.exists()


def test_evidence_folder_is_untouched(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    write_s3(logs / "a.json.gz", [record(1)])
    write_jsonl(logs / "b.jsonl", [record(2)])
    (logs / "broken.json").write_text('{"Records":[' + dumps(record(3)).decode() + ",{")
    before = _fingerprint(logs)
    load(logs, cache=tmp_path / "cache")
    load(logs, cache=tmp_path / "cache")
    result = load(logs, cache=tmp_path / "cache")
    list(RawStore(result.sources).iter_frame(result.frame))
    assert _fingerprint(logs) == before
    assert sorted(p.name for p in logs.iterdir()) == ["a.json.gz", "b.jsonl", "broken.json"]


# --- progress and cancellation ----------------------------------------------------------


def test_progress_reports_files_and_events(tmp_path: Path) -> None:
    for i in range(5):
        write_s3(tmp_path / f"{i}.json.gz", [record(10 * i + j) for j in range(3)])
    seen: list[Progress] = []
    load_paths([tmp_path], LoadOptions(use_cache=False), progress=seen.append)
    assert seen[-1].files_total == 5
    assert max(p.files_done for p in seen) == 5
    assert max(p.events for p in seen) == 15


def test_cancel_stops_the_load(tmp_path: Path) -> None:
    for i in range(3):
        write_s3(tmp_path / f"{i}.json.gz", [record(i)])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LoadCancelled):
        load_paths([tmp_path], LoadOptions(use_cache=False), cancel=cancel)


def test_frame_has_the_documented_schema(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(1)])
    frame = load(tmp_path).frame
    assert dict(frame.schema) == EVENT_SCHEMA
    assert isinstance(frame, pl.DataFrame)
