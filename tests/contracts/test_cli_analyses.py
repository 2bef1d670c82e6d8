"""The analysis commands as a user runs them: the JSON shapes of issue 9, exit codes, the
canonical columns in CSV, and failed console logins counted as failed calls."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from ctir_tui.cli import main
from tests.analyses.build import call, user
from tests.factory import write_s3

QUESTION_KEYS = {"id", "title", "severity", "count", "event_ids", "rows"}


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    alice = user("alice", "AKIAALICE")
    records = [
        call(1, 0, "GetCallerIdentity", alice),
        call(
            2,
            1,
            "AssumeRole",
            alice,
            eventSource="sts.amazonaws.com",
            responseElements={"credentials": {"accessKeyId": "ASIAHOP"}},
        ),
        call(3, 2, "StopLogging", alice, requestParameters={"name": "main-trail"}),
        call(
            4,
            3,
            "RunInstances",
            alice,
            requestParameters={"instanceType": "p4d.24xlarge"},
            awsRegion="ap-southeast-2",
        ),
        # A failed console login as CloudTrail writes it: no errorCode.
        call(
            5,
            4,
            "ConsoleLogin",
            alice,
            eventSource="signin.amazonaws.com",
            responseElements={"ConsoleLogin": "Failure"},
            errorMessage="Failed authentication",
            additionalEventData={"MFAUsed": "No"},
        ),
        call(6, 5, "ListUsers", alice, errorCode="AccessDenied"),
    ]
    folder = tmp_path / "logs"
    write_s3(folder / "a.json.gz", records)
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--json", "--no-cache")
    assert code == 0, err
    return orjson.loads(out)


def test_triage_json_has_the_issue_shape(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, "triage", str(logs))
    assert set(data) == {"questions"}
    assert len(data["questions"]) == 15
    for q in data["questions"]:
        assert set(q) == QUESTION_KEYS, q["id"]
        if q["id"] != "coverage":
            assert q["count"] == len(q["event_ids"]), q["id"]
        for row in q["rows"]:
            assert {"count", "first", "last", "filter"} <= set(row)
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id["logging-tampering"]["event_ids"] == ["e3"]
    assert by_id["compute-abuse"]["event_ids"] == ["e4"]
    assert by_id["console-no-mfa"]["event_ids"] == ["e5"]
    one = as_json(capsys, "triage", str(logs), "--question", "recon", "--question", "coverage")
    assert [q["id"] for q in one["questions"]] == ["recon", "coverage"]


def test_top_json(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, "top", str(logs), "--by", "region", "-n", "1")
    assert set(data) == {"column", "total", "distinct", "missing", "rows"}
    assert (data["column"], data["total"], data["distinct"]) == ("region", 6, 2)
    [row] = data["rows"]
    assert (row["value"], row["count"], row["filter"]) == ("us-east-1", 5, ["region=us-east-1"])
    assert row["first"] == "2026-03-01T10:00:00Z"
    assert row["last"] == "2026-03-01T10:05:00Z"


def test_timeline_json(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = as_json(capsys, "timeline", str(logs), "--bucket", "2m")
    assert set(data) == {"bucket", "buckets", "gaps"}
    assert data["bucket"] == "2m"
    assert [b["start"] for b in data["buckets"]] == [
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:02:00Z",
        "2026-03-01T10:04:00Z",
    ]
    for b in data["buckets"]:
        assert set(b) == {"start", "count", "by_outcome"}
        assert set(b["by_outcome"]) == {"success", "failure", "denied"}
    assert data["buckets"][2]["by_outcome"] == {"success": 0, "failure": 1, "denied": 1}
    assert data["gaps"] == []


def test_first_seen_and_chain_json(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen = as_json(capsys, "first-seen", str(logs), "--baseline-until", "2026-03-01T10:02Z")
    assert set(seen) == {
        "baseline_until",
        "start",
        "end",
        "principals",
        "new_principals",
        "total",
        "rows",
    }
    assert {(r["kind"], r["value"]) for r in seen["rows"]} >= {("region", "ap-southeast-2")}
    found = as_json(capsys, "chain", str(logs), "--key", "AKIAALICE")
    assert set(found) == {"start", "nodes", "hops", "accounts", "count", "event_ids", "filter"}
    assert found["count"] == 6 == len(found["event_ids"])
    assert [n["key"] for n in found["nodes"]] == ["AKIAALICE"]
    by_principal = as_json(capsys, "chain", str(logs), "--principal", "alice")
    assert by_principal["event_ids"] == found["event_ids"]


@pytest.mark.parametrize(
    "args",
    [
        ["top"],  # --by is required
        ["top", "--by", "nonsense"],
        ["top", "--by", "ip", "-n", "0"],
        ["timeline", "--bucket", "5x"],
        ["timeline", "--bucket", "1s"],  # too many buckets over a day... of six minutes: fine
        ["chain"],
        ["chain", "--key", "K", "--principal", "P"],
        ["triage", "--question", "nope"],
        ["triage", "--baseline-until", "yesterday"],
        ["first-seen", "--kind", "colour"],
        ["triage", "--since", "tomorrow"],
    ],
)
def test_bad_usage_exits_2(logs: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run(capsys, args[0], str(logs), *args[1:], "--no-cache")
    if args == ["timeline", "--bucket", "1s"]:
        assert code == 0, err  # 361 buckets: allowed
        return
    assert code == 2, (args, out, err)
    assert err.startswith("ctir: ")
    assert "Traceback" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["triage", "top", "timeline", "first-seen", "chain"])
def test_a_missing_path_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    extra = {"top": ["--by", "ip"], "chain": ["--key", "K"]}.get(command, [])
    code, _, err = run(capsys, command, str(tmp_path / "absent"), *extra)
    assert code == 1
    assert "absent" in err


def test_text_filter_reaches_request_parameters(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = as_json(capsys, "triage", str(logs), "--text", "p4d", "--question", "compute-abuse")
    assert data["questions"][0]["event_ids"] == ["e4"]
    code, out, _ = run(capsys, "export", str(logs), "--text", "main-trail", "--no-cache")
    assert code == 0
    assert out.count("\n") == 1
    assert '"e3"' in out


def test_failed_console_logins_are_failed_calls(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = as_json(capsys, "summary", str(logs))
    assert summary["errors"] == 2  # the AccessDenied and the failed login without a code
    _code, out, _ = run(capsys, "export", str(logs), "--errors", "--format", "csv", "--no-cache")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["event_id"] for r in rows) == ["e5", "e6"]


def test_csv_has_the_columns_responders_look_at(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "export", str(logs), "--format", "csv", "--no-cache")
    assert code == 0
    rows = {r["event_id"]: r for r in csv.DictReader(io.StringIO(out))}
    for column in ("outcome", "mfa", "mfa_used", "target", "resources", "cross_account"):
        assert column in rows["e1"], column
    assert rows["e5"]["outcome"] == "failure"
    assert rows["e5"]["mfa_used"] == "false"
    assert rows["e6"]["outcome"] == "denied"
    assert rows["e4"]["target"] == "instanceType:p4d.24xlarge"
    assert rows["e3"]["target"] == "trail:main-trail"


def test_timeline_text_lines_up_with_seconds_in_some_buckets(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 30 s buckets: some start on the minute (written without seconds), some on :30.
    code, out, err = run(capsys, "timeline", str(logs), "--bucket", "30s", "--no-cache")
    assert code == 0, err
    rows = [r for r in out.splitlines() if r.startswith("2026-03-01T10:")]
    assert "2026-03-01T10:00Z" in rows[0]
    assert "2026-03-01T10:00:30Z" in rows[1]
    # The counts end in one column.
    ends = {len(r.split("  =")[0].split("  x")[0].split("  !")[0].rstrip()) for r in rows}
    assert len(ends) == 1, rows
