"""The headless commands as a user runs them: output, exit codes, never a traceback."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from ctir_tui import __version__
from ctir_tui.cli import main
from tests.factory import record, write_jsonl, write_s3

ATTACKER = "203.0.113.66"


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    attacker = {"sourceIPAddress": ATTACKER, "userAgent": "python-requests/2.31"}
    write_s3(
        folder / "a.json.gz",
        [
            # Delivered out of order, as CloudTrail does: ctir orders by time.
            record(4, eventName="StopLogging", eventSource="cloudtrail.amazonaws.com", **attacker),
            record(1),
            record(3, eventName="CreateAccessKey", readOnly=False, **attacker),
            record(2, eventName="CreateUser", readOnly=False, **attacker),
        ],
    )
    write_jsonl(
        folder / "b.jsonl",
        [
            record(
                5,
                eventName="GetCallerIdentity",
                eventSource="sts.amazonaws.com",
                sourceIPAddress="2001:db8::7",
            ),
            record(6, errorCode="AccessDenied", errorMessage="no"),
            record(3, eventName="CreateAccessKey", readOnly=False, **attacker),  # a re-delivery
        ],
    )
    (folder / "notes.txt").write_text("not a log\n")
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_json_has_the_documented_keys(
    logs: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "summary", str(logs), "--json", "--no-cache")
    assert code == 0, err
    data = orjson.loads(out)
    assert data["events"] == 6
    assert data["duplicates"] == 1
    assert data["rejected"] == 0
    assert data["files"]["read"] == 2
    assert data["files"]["skipped"] == 1
    assert data["files"]["failed"] == 0
    assert data["skipped"][0]["path"].endswith("notes.txt")
    assert data["time_range"] == {"first": "2026-03-01T10:00:01Z", "last": "2026-03-01T10:00:06Z"}
    assert list(data["tactics"]) == [
        "Initial Access",
        "Execution",
        "Persistence",
        "Privilege Escalation",
        "Defense Evasion",
        "Credential Access",
        "Discovery",
        "Lateral Movement",
        "Exfiltration",
        "Impact",
    ]
    assert data["tactics"]["Persistence"] == 2  # CreateUser, CreateAccessKey
    assert data["tactics"]["Defense Evasion"] == 1
    assert data["tactics"]["Discovery"] == 3  # ListUsers x2, GetCallerIdentity
    assert data["top"]["source_ips"][0] == [ATTACKER, 3]
    assert ["ListUsers", 2] in data["top"]["event_names"]


def test_summary_text_and_filters(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summary", str(logs), "--ip", ATTACKER, "--no-cache")
    assert code == 0
    assert "3 shown of 6 loaded" in out
    assert "skipped  " in out
    assert "notes.txt" in out


def test_filters_cidr_ipv6_time_glob_errors(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def count(*filters: str) -> int:
        code, out, err = run(capsys, "summary", str(logs), "--json", "--no-cache", *filters)
        assert code == 0, err
        events: int = orjson.loads(out)["events"]
        return events

    assert count("--ip", "203.0.113.0/24") == 3
    assert count("--ip", "2001:db8::/32") == 1
    assert count("--ip", "2001:DB8:0::7") == 1
    assert count("--since", "3s") == 4  # counted back from the newest event (10:00:06)
    assert count("--since", "2026-03-01T10:00:05Z") == 2
    assert count("--until", "2026-03-01") == 6
    assert count("--event", "Create*") == 2
    assert count("--event", "Create*", "--event", "StopLogging") == 3
    assert count("--errors") == 1
    assert count("--tactic", "persistence") == 2
    assert count("--principal", "ALICE") == 6
    assert count("--principal", "nobody") == 0


def test_export_jsonl_writes_original_records_in_time_order(
    logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "export", str(logs), "--ip", ATTACKER, "-o", str(out_file))
    assert code == 0
    assert "wrote 3 events" in err
    lines = out_file.read_text().splitlines()
    assert [orjson.loads(line)["eventID"] for line in lines] == [
        "evt-00000002",
        "evt-00000003",
        "evt-00000004",
    ]
    # The line is the original record: every field survives, not only the parsed ones.
    assert orjson.loads(lines[0])["requestParameters"] == {"maxItems": 100}


def test_export_csv(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", str(logs), "--format", "csv", "--errors")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert rows[0]["error_code"] == "AccessDenied"
    assert rows[0]["time"] == "2026-03-01T10:00:06Z"


def test_export_refuses_to_write_into_the_evidence(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "export", str(logs), "-o", str(logs / "out.jsonl"))
    assert code == 2
    assert "evidence" in err
    assert not (logs / "out.jsonl").exists()


def test_matrix_json_and_markdown(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "matrix", str(logs), "--json")
    assert code == 0
    tactics = orjson.loads(out)["tactics"]
    assert len(tactics) == 10
    persistence = next(t for t in tactics if t["name"] == "Persistence")
    assert {"event": "CreateUser", "count": 1} in persistence["cells"]
    code, out, _ = run(capsys, "matrix", str(logs), "--markdown")
    assert code == 0
    assert "| Initial Access" in out or "Initial Access |" in out


def test_matrix_text_fits_the_terminal(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "matrix", str(logs))
    assert code == 0
    assert "StopLogging" in out
    assert "\x1b" not in out  # not a terminal: no colour codes


def test_bad_filter_is_exit_2_with_one_line(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "summary", str(logs), "--since", "3x")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "--since" in err
    code, _, err = run(capsys, "summary", str(logs), "--ip", "10.0.0.0/33")
    assert code == 2
    code, _, err = run(capsys, "summary", str(logs), "--tactic", "Nonsense")
    assert code == 2
    assert "Persistence" in err


def test_bad_usage_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summary")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "export", "x", "--format", "xml")
    assert code == 2


def test_missing_path_and_nothing_readable_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "summary", str(tmp_path / "nope"))
    assert code == 1
    assert "no such file" in err
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_text("hello")
    code, _, err = run(capsys, "summary", str(tmp_path / "junk"))
    assert code == 1
    assert "nothing could be read" in err


def test_broken_files_still_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_s3(tmp_path / "ok.json.gz", [record(1)])
    (tmp_path / "bad.json").write_text('{"Records": [ {"eventName": ')
    code, out, _ = run(capsys, "summary", str(tmp_path), "--json")
    assert code == 0
    failed = orjson.loads(out)["failed"]
    assert failed[0]["path"].endswith("bad.json")
    assert "line 1" in failed[0]["reason"]


def test_version_help_and_no_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert __version__ in out
    code, out, _ = run(capsys, "summary", "--help")
    assert code == 0
    assert "--principal" in out
    code, out, _ = run(capsys)
    assert code == 0
    assert "sample" in out
    assert "ctir summary" in out


def test_hostile_strings_reach_the_terminal_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "\x1b]52;c;ZXZpbA==\x07\x1b[2J[bold red]x[/]\u202e"
    write_s3(tmp_path / "a.json.gz", [record(1, userIdentity={"type": "IAMUser", "arn": evil})])
    code, out, _ = run(capsys, "summary", str(tmp_path))
    assert code == 0
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\\x1b]52;c;ZXZpbA==\\x07" in out
    assert "[bold red]x[/]" in out


def test_python_dash_m_and_console_script_agree(logs: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ctir_tui", "summary", str(logs), "--json", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["events"] == 6
    assert "Traceback" not in done.stderr


def test_the_quick_exit_still_cleans_up_and_flushes(logs: Path, tmp_path: Path) -> None:
    # The program leaves without tearing the interpreter down (a tenth of a second on a
    # large trail), but its exit handlers still run: the scratch folder of a load that
    # writes no cache is gone, and every line written is there, to the last.
    cache = tmp_path / "xdg-cache"
    done = subprocess.run(
        [sys.executable, "-m", "ctir_tui", "export", str(logs), "--format", "jsonl", "--no-cache"],
        capture_output=True,
        check=False,
        # Buffered as a user's pipe is (PYTHONUNBUFFERED would hide a missing flush).
        env={
            **{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
            "NO_COLOR": "1",
            "XDG_CACHE_HOME": str(cache),
        },
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 6
    assert orjson.loads(lines[-1])["errorCode"] == "AccessDenied"
    scratch = cache / "ctir" / "scratch"
    assert scratch.is_dir()  # the load used one...
    assert not any(scratch.iterdir())  # ...and it was removed on the way out


def test_every_command_module_is_named_as_it_is_run() -> None:
    from ctir_tui.cli import COMMAND_MODULES, command_module

    for name in COMMAND_MODULES:
        module = command_module(name)
        assert name == module.NAME
        assert callable(module.run)


def test_a_misspelt_option_is_refused_with_the_fix(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "summary", str(logs), "--principle", "alice")
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "ctir: summary: unrecognized arguments: --principle alice; "
        "did you mean --principal? (see --help)"
    )


def test_top_writes_its_times_to_the_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A first-seen time on the minute was written 10:02Z beside 10:00:37Z: a column of
    # times of two widths, hard to compare by eye.
    write_s3(
        tmp_path / "logs" / "a.json.gz",
        [record(120, sourceIPAddress="192.0.2.1"), record(37), record(90)],
    )
    code, out, err = run(capsys, "top", str(tmp_path / "logs"), "--by", "ip", "--no-cache")
    assert code == 0, err
    rows = {line.split()[-1]: line.split()[2:4] for line in out.splitlines()[2:]}
    assert rows["192.0.2.1"] == ["2026-03-01T10:02:00Z", "2026-03-01T10:02:00Z"]
    assert rows["198.51.100.7"] == ["2026-03-01T10:00:37Z", "2026-03-01T10:01:30Z"]
