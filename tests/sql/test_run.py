"""``ctir sql --run``: Athena and S3 stubbed with botocore's Stubber, never the network."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from ctir_tui import paths
from ctir_tui.cli import main
from ctir_tui.engine.export.sql import athena_run
from ctir_tui.engine.export.sql.athena_run import AthenaError, Progress, run_athena

QUERY_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
RESULT = b'"eventversion","eventid"\n"1.09","id-1"\n'
OUTPUT = "s3://athena-results-bucket/ctir/"


def _client(service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any, Stubber, Stubber]]:
    athena, s3 = _client("athena"), _client("s3")
    with Stubber(athena) as athena_stub, Stubber(s3) as s3_stub:
        yield athena, s3, athena_stub, s3_stub
        athena_stub.assert_no_pending_responses()
        s3_stub.assert_no_pending_responses()


def _state(stub: Stubber, state: str, scanned: int = 0, reason: str | None = None) -> None:
    status: dict[str, Any] = {"State": state}
    if reason:
        status["StateChangeReason"] = reason
    stub.add_response(
        "get_query_execution",
        {
            "QueryExecution": {
                "QueryExecutionId": QUERY_ID,
                "Status": status,
                "Statistics": {"DataScannedInBytes": scanned},
                "ResultConfiguration": {"OutputLocation": f"{OUTPUT}{QUERY_ID}.csv"},
            }
        },
        {"QueryExecutionId": QUERY_ID},
    )


def _start(stub: Stubber, sql: str, output: str | None = OUTPUT) -> None:
    expected: dict[str, Any] = {"QueryString": sql, "WorkGroup": "ir"}
    if output:
        expected["ResultConfiguration"] = {"OutputLocation": output}
    stub.add_response("start_query_execution", {"QueryExecutionId": QUERY_ID}, expected)


def _result(stub: Stubber) -> None:
    body = StreamingBody(io.BytesIO(RESULT), len(RESULT))
    stub.add_response(
        "get_object",
        {"Body": body},
        {"Bucket": "athena-results-bucket", "Key": f"ctir/{QUERY_ID}.csv"},
    )


def test_run_waits_reports_and_downloads_into_the_cache(
    aws: tuple[Any, Any, Stubber, Stubber],
) -> None:
    athena, s3, athena_stub, s3_stub = aws
    _start(athena_stub, "SELECT 1")
    _state(athena_stub, "QUEUED")
    _state(athena_stub, "RUNNING", 1_000_000)
    _state(athena_stub, "SUCCEEDED", 5_000_000)
    _result(s3_stub)
    waits: list[float] = []
    seen: list[Progress] = []
    ticks = iter(range(100))
    path = run_athena(
        "SELECT 1",
        workgroup="ir",
        output=OUTPUT,
        athena=athena,
        s3=s3,
        progress=seen.append,
        sleep=waits.append,
        clock=lambda: float(next(ticks)),
    )
    assert [p.state for p in seen] == ["QUEUED", "RUNNING", "SUCCEEDED"]
    assert seen[-1].scanned == 5_000_000
    assert waits == [0.5, 1.0]  # backs off while waiting
    assert path == paths.cache_dir() / "athena-results" / f"{QUERY_ID}.csv"
    assert path.read_bytes() == RESULT


def test_a_failed_query_says_why(aws: tuple[Any, Any, Stubber, Stubber]) -> None:
    athena, s3, athena_stub, _ = aws
    _start(athena_stub, "SELECT 1", output=None)
    _state(athena_stub, "FAILED", reason="TABLE_NOT_FOUND: cloudtrail_logs does not exist")
    with pytest.raises(AthenaError, match="failed: TABLE_NOT_FOUND"):
        run_athena(
            "SELECT 1", workgroup="ir", output=None, athena=athena, s3=s3, sleep=lambda _: None
        )


def test_interrupting_the_wait_stops_the_query(aws: tuple[Any, Any, Stubber, Stubber]) -> None:
    athena, s3, athena_stub, _ = aws
    _start(athena_stub, "SELECT 1")
    _state(athena_stub, "RUNNING")
    athena_stub.add_response("stop_query_execution", {}, {"QueryExecutionId": QUERY_ID})

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_athena(
            "SELECT 1", workgroup="ir", output=OUTPUT, athena=athena, s3=s3, sleep=interrupted
        )


def test_the_command_runs_and_says_how_to_open_the_result(
    aws: tuple[Any, Any, Stubber, Stubber],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    athena, s3, athena_stub, s3_stub = aws
    monkeypatch.setattr(athena_run, "clients", lambda: (athena, s3))
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)  # never really waits
    # What the command will send: the same SQL it prints.
    assert main(["sql", "--event", "StopLogging"]) == 0
    sql = capsys.readouterr().out.rstrip("\n")
    _start(athena_stub, sql)
    _state(athena_stub, "RUNNING", 2_500_000)
    _state(athena_stub, "SUCCEEDED", 9_000_000)
    _result(s3_stub)
    args = ["sql", "--event", "StopLogging", "--run", "--workgroup", "ir", "--output", OUTPUT]
    assert main(args) == 0
    out, err = capsys.readouterr()
    result = paths.cache_dir() / "athena-results" / f"{QUERY_ID}.csv"
    assert out == f"{result}\n"
    assert result.read_bytes() == RESULT
    assert "ctir: athena: running, " in err
    assert "2.5 MB scanned" in err
    assert f"open it with  ctir {result}" in err
    assert waits == [0.5]


def test_a_failed_query_exits_1(
    aws: tuple[Any, Any, Stubber, Stubber],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    athena, s3, athena_stub, _ = aws
    monkeypatch.setattr(athena_run, "clients", lambda: (athena, s3))
    athena_stub.add_client_error(
        "start_query_execution", "InvalidRequestException", "no such workgroup"
    )
    assert main(["sql", "--errors", "--run", "--workgroup", "nope"]) == 1
    assert "ctir: athena: " in capsys.readouterr().err


def test_without_boto3_the_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 now raises ImportError
    assert main(["sql", "--errors", "--run"]) == 2
    assert capsys.readouterr().err == "ctir: --run needs boto3: pip install 'ctir[aws]'\n"


def test_printing_sql_never_imports_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    monkeypatch.setitem(sys.modules, "botocore", None)
    assert main(["sql", "--errors"]) == 0
