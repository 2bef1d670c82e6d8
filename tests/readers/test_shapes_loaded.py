"""Every input shape through the whole loader: discovery, archives, paths, links."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from ctir_tui.engine.pipeline.discover import MissingPathError, discover
from ctir_tui.engine.pipeline.load import LoadOptions, load_paths
from tests.factory import (
    dumps,
    file_report,
    load,
    lookup_item,
    names,
    record,
    write_jsonl,
    write_s3,
    zip_bytes,
)

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


def test_folders_nested_deeper_than_the_recursion_limit_are_walked(tmp_path: Path) -> None:
    # 1,200 folders deep: a recursive walk stops at Python's recursion limit (1,000).
    folders = [tmp_path / "d"]
    for _ in range(1199):
        folders.append(folders[-1] / "d")
    for folder in folders:
        folder.mkdir()
    write_s3(folders[-1] / "deep.json.gz", [record(1)])
    write_s3(tmp_path / "top.json.gz", [record(2)])
    try:
        result = load(tmp_path)
        assert result.frame.height == 2
        assert not [f for f in result.report.files if f.status != "read"]
    finally:  # pytest's own clean-up (shutil.rmtree) recurses, and would fail on this tree
        (folders[-1] / "deep.json.gz").unlink()
        for folder in reversed(folders):
            folder.rmdir()


def test_files_are_listed_depth_first_in_name_order(tmp_path: Path) -> None:
    for name in ("b/2.json", "a/z/1.json", "a/y.json", "c.json", "a/z/0.json"):
        write_s3(tmp_path / name, [record(len(name))], gz=False)
    found, passed = discover([tmp_path])
    shown = [Path(f.path).relative_to(tmp_path).as_posix() for f in found]
    assert shown == ["a/y.json", "a/z/0.json", "a/z/1.json", "b/2.json", "c.json"]
    assert passed == []
