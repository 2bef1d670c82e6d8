"""The headless commands on hostile evidence: exit 0, every good event, nothing raw on screen."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from bench.gen.hostile import CASES, eid, write_all
from ctir_tui.cli import main
from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.engine.query.pivots import event_pivot
from ctir_tui.engine.query.time_clauses import window
from ctir_tui.engine.times import parse_user_time

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX names and special files")

#: The cases the combined folder holds: the big ones are left to the benchmark.
SMALL = frozenset({"gzip-bomb", "zip-bomb", "huge-line"})


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def times(tmp_path: Path) -> Path:
    case = next(c for c in CASES if c.name == "time-extremes")
    folder = tmp_path / "evidence"
    folder.mkdir()
    case.write(folder, 1, tmp_path / "outside")
    return folder


# Three good events at 2026-03-12T10:00Z and one at 9999-12-31T23:59:59Z have a time.
@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        (("--until", "9999-12-31"), 4),
        (("--until", "9999-12-31T23:59:59Z"), 4),
        (("--since", "9999-12-31"), 1),
        (("--since", "0001-01-01", "--until", "2026-12-31"), 3),
    ],
)
def test_bounds_at_the_ends_of_time_count_and_never_crash(
    times: Path, capsys: pytest.CaptureFixture[str], bounds: tuple[str, ...], expected: int
) -> None:
    code, out, err = run(capsys, "summary", str(times), "--json", "--no-cache", *bounds)
    assert code == 0, err
    assert orjson.loads(out)["events"] == expected
    code, out, err = run(capsys, "sql", str(times), "--no-cache", *bounds)
    assert code == 0, err
    assert "SELECT" in out


def test_window_around_the_first_and_last_moments_stays_in_range() -> None:
    last = window("9999-12-31T23:59:59Z")
    assert [c.value for c in last] == ["9999-12-31T23:44:59Z", "9999-12-31T23:59:59.999999Z"]
    first = window("0001-01-01T00:01Z")
    assert [c.value for c in first] == ["0001-01-01T00:00Z", "0001-01-01T00:16Z"]
    moment = parse_user_time("9999-12-31T23:59:59Z", newest=None)
    assert len(event_pivot("window", {"time": moment})) == 2


def test_every_command_survives_the_whole_hostile_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = write_all(tmp_path / "evidence", skip=SMALL)
    folder = str(tmp_path / "evidence")
    code, out, err = run(capsys, "summary", folder, "--json", "--no-cache")
    assert code == 0, err
    data = orjson.loads(out)
    assert data["events"] == len(expect.loaded) + expect.unnamed + sum(
        n - 1 for n in expect.copies.values()
    )
    code, out, err = run(capsys, "export", folder, "--format", "jsonl", "--no-cache")
    assert code == 0, err
    assert all(event_id in out for event_id in expect.loaded)
    assert eid("special", 99) not in out  # behind a link that leads outside the evidence
    code, out, err = run(capsys, "summary", folder, "--no-cache")
    assert code == 0, err
    for text in (out, err):
        assert "\x9b" not in text
        assert "\x1b" not in text
        assert "\udcff" not in text


def test_nothing_readable_names_the_files_and_json_still_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    for n in range(12):
        (folder / f"broken-{n:02d}.json").write_text('{"Records": [')
    code, out, err = run(capsys, "summary", str(folder), "--no-cache", "--json")
    assert code == 1
    assert "nothing could be read: 12 failed, 0 skipped" in err
    assert "broken-00.json" in err
    assert "and 2 more" in err
    data = orjson.loads(out)
    failed = {Path(f["path"]).name for f in data["report"]["failed"]}
    assert failed == {f"broken-{n:02d}.json" for n in range(12)}


def test_evidence_changing_during_an_export_stops_it_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "evidence"
    case = next(c for c in CASES if c.name == "encodings")
    folder.mkdir()
    case.write(folder, 1, tmp_path / "outside")

    def changed(self: RawStore, file_id: int) -> str:
        return f"{self.source(file_id).display} changed since it was loaded"

    monkeypatch.setattr(RawStore, "changed", changed)
    code, _out, err = run(capsys, "export", str(folder), "--no-cache", "--format", "jsonl")
    assert code == 1
    assert "changed since it was loaded" in err
    assert "Traceback" not in err
