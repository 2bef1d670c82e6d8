"""``ctir case`` show, notes, mark, unmark, and ``--marked``/``--tag`` on every command."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import orjson
import pytest

from ctir_tui.cli import main
from ctir_tui.engine.case.store import CaseStore
from tests.case.evidence import ATTACKER, Evidence, evt, req, write_evidence


@pytest.fixture
def evidence(tmp_path: Path) -> Evidence:
    return write_evidence(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--no-cache"])
    out, err = capsys.readouterr()
    return code, out, err


def case_of(evidence: Evidence) -> CaseStore:
    return CaseStore.open([evidence.folder])


def test_mark_the_view_with_a_tag_and_a_note(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(evidence.folder)
    code, _, err = run(
        capsys, "case", "mark", folder, "--ip", ATTACKER, "--add-tag", "Malicious", "--note", "x"
    )
    assert code == 0, err
    assert "marked 3 events (3 newly)" in err
    case = case_of(evidence)
    assert case.marked_keys() == {evt(2), evt(3), evt(4)}
    entry = case.get(evt(3))
    assert entry is not None
    assert (entry.tags, entry.note, entry.found_by) == (("malicious",), "x", (f"ip={ATTACKER}",))


def test_a_note_from_mark_is_added_after_the_note_an_event_has(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(evidence.folder)
    case_of(evidence).set_note(evt(3), "seen in the explorer")
    code, _, err = run(capsys, "case", "mark", folder, "--key", evt(3), "--note", "Tor exit")
    assert code == 0, err
    assert "marked 1 event (0 newly)" in err
    entry = case_of(evidence).get(evt(3))
    assert entry is not None
    assert entry.note == "seen in the explorer\n\nTor exit"
    run(capsys, "case", "mark", folder, "--key", evt(3), "--note", "Tor exit")  # said already
    again = case_of(evidence).get(evt(3))
    assert again is not None
    assert again.note == "seen in the explorer\n\nTor exit"


def test_mark_needs_filters_or_keys_and_known_keys(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(evidence.folder)
    code, _, err = run(capsys, "case", "mark", folder)
    assert code == 2
    assert "FILTERS or --key" in err
    code, _, err = run(capsys, "case", "mark", folder, "--key", "evt-nope")
    assert code == 2
    assert "evt-nope" in err
    code, _, err = run(capsys, "case", "mark", folder, "--key", evt(1), "--add-tag", "two words")
    assert code == 2
    assert "bad tag" in err
    assert case_of(evidence).entries() == []


def test_unmark_and_remove_a_tag(evidence: Evidence, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(evidence.folder)
    case = case_of(evidence)
    case.tag(evt(2), "malicious")
    case.tag(evt(3), "malicious")
    case.tag(evt(3), "benign")
    assert run(capsys, "case", "unmark", folder, "--key", evt(2))[0] == 0
    code, _, err = run(
        capsys, "case", "unmark", folder, "--tag", "benign", "--remove-tag", "benign"
    )
    assert code == 0, err
    after = case_of(evidence)
    assert after.marked_keys() == {evt(3)}
    three = after.get(evt(3))
    assert three is not None
    assert three.tags == ("malicious",)


def test_show_names_each_event_of_the_case(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    case = case_of(evidence)
    case.set_note(evt(4), "stopped the trail")
    case.mark("evt-elsewhere")
    case.set_notes("the case")
    code, out, err = run(capsys, "case", "show", str(evidence.folder), "--json")
    assert code == 0, err
    data = orjson.loads(out)
    assert data["notes"] == "the case"
    assert data["case_file"] == str(case.path)
    by_key = {e["key"]: e for e in data["events"]}
    assert by_key[evt(4)]["event_name"] == "StopLogging"
    assert by_key[evt(4)]["time"] == "2026-03-01T10:00:04Z"
    assert by_key[evt(4)]["note"] == "stopped the trail"
    assert by_key["evt-elsewhere"]["found"] is False
    code, out, _ = run(capsys, "case", "show", str(evidence.folder))
    assert code == 0
    assert "StopLogging" in out
    assert "(not in the loaded evidence)" in out
    assert "stopped the trail" in out


def test_notes_print_set_append_clear(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(evidence.folder)
    assert run(capsys, "case", "notes", folder, "--set", "first")[0] == 0
    assert run(capsys, "case", "notes", folder, "--append", "second")[0] == 0
    code, out, _ = run(capsys, "case", "notes", folder)
    assert (code, out) == (0, "first\n\nsecond\n")
    assert run(capsys, "case", "notes", folder, "--key", evt(6), "--set", "denied")[0] == 0
    assert case_of(evidence).note(evt(6)) == "denied"
    assert run(capsys, "case", "notes", folder, "--clear")[0] == 0
    assert case_of(evidence).notes == ""
    code, _, _ = run(capsys, "case", "notes", folder, "--key", "evt-nope", "--set", "x")
    assert code == 2


def test_notes_edit_runs_the_editor(
    evidence: Evidence,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "edited\\n" >> "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("VISUAL", str(editor))
    folder = str(evidence.folder)
    run(capsys, "case", "notes", folder, "--set", "before")
    assert run(capsys, "case", "notes", folder, "--edit")[0] == 0
    assert case_of(evidence).notes == "beforeedited\n"
    monkeypatch.setenv("VISUAL", "false")
    assert run(capsys, "case", "notes", folder, "--edit")[0] == 2
    assert case_of(evidence).notes == "beforeedited\n"


def test_marked_and_tag_filter_every_command(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(evidence.folder)
    # No case yet: nothing is marked, which is an answer, not an error.
    code, out, _ = run(capsys, "summary", folder, "--marked", "--json")
    assert code == 0
    assert orjson.loads(out)["events"] == 0
    case = case_of(evidence)
    case.tag(evt(2), "malicious")
    case.mark(evt(6))
    code, out, _ = run(capsys, "summary", folder, "--marked", "--json")
    assert orjson.loads(out)["events"] == 2
    code, out, _ = run(capsys, "export", folder, "--tag", "malicious")
    assert out.encode().splitlines() == [evidence.texts[req(2)]]
    code, out, _ = run(capsys, "matrix", folder, "--marked", "--json")
    counts = {t["name"]: t["count"] for t in orjson.loads(out)["tactics"]}
    assert counts["Persistence"] == 1  # CreateUser
    assert counts["Discovery"] == 1  # ListBuckets


def test_the_explorer_opens_on_the_marked_events(
    evidence: Evidence, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The explorer itself is driven in tests/ui/test_case_keys.py; here only what it is given.
    from ctir_tui.engine.query.case_clauses import MarkedClause, TagClause
    from ctir_tui.ui import app as ui_app
    from ctir_tui.ui.config import ExplorerConfig

    started: list[ExplorerConfig] = []

    def fake(config: ExplorerConfig) -> ui_app.ExplorerOutcome:
        started.append(config)
        return ui_app.ExplorerOutcome(0)

    monkeypatch.setattr(ui_app, "run_explorer", fake)
    code, _, err = run(capsys, str(evidence.folder), "--marked", "--tag", "malicious")
    assert code == 0, err
    assert started[0].filters.clauses == (MarkedClause(), TagClause(tags=("malicious",)))


def test_a_broken_case_file_is_reported_by_the_commands(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    case = case_of(evidence)
    case.mark(evt(2))
    case.path.write_bytes(b"garbage")
    code, out, err = run(capsys, "case", "show", str(evidence.folder), "--json")
    assert code == 0
    assert str(case.path) in err
    assert "kept as" in err
    assert [e["key"] for e in orjson.loads(out)["events"]] == []  # no backup to recover from
    broken = [p for p in case.path.parent.iterdir() if ".broken-" in p.name]
    assert [p.read_bytes() for p in broken] == [b"garbage"]
    assert not any(os.path.samefile(p, case.path) for p in broken)
