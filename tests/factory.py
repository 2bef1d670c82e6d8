"""Build CloudTrail records and write them in every input shape, for tests."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import Any

import orjson

from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, load_paths
from ctir_tui.engine.pipeline.report import FileReport

ACCOUNT = "111122223333"


def record(n: int, **overrides: Any) -> dict[str, Any]:
    """A plausible IAM-user API call, numbered ``n`` (eventID and time follow ``n``)."""
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE000000001",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/alice",
            "accountId": ACCOUNT,
            "accessKeyId": "AKIAEXAMPLEALICE0001",
            "userName": "alice",
        },
        "eventTime": f"2026-03-01T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "ListUsers",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"maxItems": 100},
        "responseElements": None,
        "requestID": f"req-{n:08d}",
        "eventID": f"evt-{n:08d}",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    rec.update(overrides)
    return rec


def dumps(value: Any, *, pretty: bool = False) -> bytes:
    """JSON bytes, compact or indented."""
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


def write_s3(
    path: Path, records: list[dict[str, Any]], *, gz: bool = True, pretty: bool = False
) -> Path:
    """A trail delivery file: ``{"Records":[...]}``, gzipped unless ``gz`` is False."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = dumps({"Records": records}, pretty=pretty)
    path.write_bytes(gzip.compress(body) if gz else body)
    return path


def write_jsonl(path: Path, values: list[Any]) -> Path:
    """JSON Lines: one value per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(dumps(v) for v in values) + b"\n")
    return path


def lookup_item(rec: dict[str, Any]) -> dict[str, Any]:
    """One item of ``aws cloudtrail lookup-events`` output."""
    return {
        "EventId": rec["eventID"],
        "EventName": rec["eventName"],
        "ReadOnly": "true",
        "EventTime": "2026-03-01 21:00:00+11:00",
        "EventSource": rec["eventSource"],
        "Username": "alice",
        "Resources": [],
        "CloudTrailEvent": dumps(rec).decode(),
    }


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def load(*paths: Path, cache: Path | None = None) -> LoadResult:
    """Load ``paths`` (with a cache only when given one); the figures must reconcile."""
    options = LoadOptions(use_cache=cache is not None, cache_dir=cache)
    result = load_paths(list(paths), options)
    assert result.report.reconciles, result.report
    return result


def names(result: LoadResult) -> list[str]:
    """The event names of a load, in frame order."""
    return [str(n) for n in result.frame.get_column("event_name").to_list()]


def file_report(result: LoadResult, suffix: str) -> FileReport:
    """The report of the one file whose path ends in ``suffix``."""
    return next(f for f in result.report.files if f.path.endswith(suffix))
