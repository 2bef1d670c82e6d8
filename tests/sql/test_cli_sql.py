"""``ctir sql`` as a user runs it: the SQL on stdout, counts and errors on stderr, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from ctir_tui.cli import main
from ctir_tui.engine.export.sql import NotExpressible
from tests.factory import record, write_s3

ATTACKER = "203.0.113.66"


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    write_s3(
        folder / "a.json.gz",
        [
            record(1),
            record(2, eventName="CreateUser", readOnly=False, sourceIPAddress=ATTACKER),
            record(3, eventName="CreateAccessKey", readOnly=False, sourceIPAddress=ATTACKER),
        ],
    )
    return folder


def _statement(out: str) -> str:
    return out[out.index("SELECT") :]


def test_sql_of_a_loaded_view(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sql", str(logs), "--ip", ATTACKER, "--since", "90m", "--tactic", "persistence"])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == "ctir: 2 of the 3 loaded events are in this view\n"
    # record(3) is 10:00:03 on 2026-03-01, the newest: 90 minutes before it.
    assert "-- since 90m = 2026-03-01T08:30:03Z, 90m before the newest event loaded" in out
    assert "FROM_ISO8601_TIMESTAMP('2026-03-01T08:30:03Z')" in out
    assert "CAST('203.0.113.66' AS IPADDRESS)" in out
    assert len(sqlglot.parse(_statement(out), read="athena")) == 1


def test_sql_without_a_path_counts_back_from_now(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sql", "--since", "6h", "--dialect", "lake", "--table", "store-1"])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == ""
    assert "6h before now" in out
    assert "no events loaded to count back from" in out
    assert "FROM store-1\n" in out


def test_an_unknown_tactic_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sql", "--tactic", "sorcery"]) == 2
    assert "unknown tactic 'sorcery'" in capsys.readouterr().err


def test_a_filter_with_no_sql_form_exits_2_naming_it(
    logs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line's filters all have SQL forms; pivots in the explorer may not.
    def refuse(*args: object, **kwargs: object) -> str:
        raise NotExpressible("source_file=a.json.gz", "ctir's own column")

    monkeypatch.setattr("ctir_tui.cli.sql.view_sql", refuse)
    assert main(["sql", str(logs)]) == 2
    assert capsys.readouterr().err.endswith(
        "ctir: not expressible in SQL: source_file=a.json.gz (ctir's own column)\n"
    )


def test_ddl(capsys: pytest.CaptureFixture[str]) -> None:
    location = "s3://acme-trail/AWSLogs/111122223333/CloudTrail/"
    assert main(["sql", "--ddl", "athena", "--location", location, "--table", "ir.trail"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("CREATE EXTERNAL TABLE ir.trail (")
    assert "/CloudTrail/us-east-1/${timestamp}'" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ddl", "athena"], "--ddl athena needs --location"),
        (["--ddl", "athena", "--location", "s3://x/", "--ip", "1.2.3.4"], "takes no PATH"),
        (["--ddl", "athena", "--location", "s3://bucket/AWSLogs/"], "bad --location"),
        (["--run", "--dialect", "lake"], "--run runs Athena queries only"),
        (["--table", "x;y"], "bad Athena table"),
    ],
)
def test_bad_usage_exits_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sql", *args]) == 2
    assert message in capsys.readouterr().err
