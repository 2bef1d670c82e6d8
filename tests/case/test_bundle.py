"""``ctir case export``: the bundle holds what was marked, byte for byte, with its provenance."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import orjson
import pytest

from ctir_tui import __version__
from ctir_tui.cli import main
from ctir_tui.engine.case.store import CaseStore
from tests.case.evidence import ATTACKER, Evidence, evt, req, write_evidence

BUNDLE_FILES = {
    "report.md",
    "report.html",
    "events.jsonl",
    "timesketch.jsonl",
    "manifest.json",
    "SHA256SUMS",
}
#: Record 5 has no eventID: keyed by where it is, the first record of export.jsonl.
LOCATOR_5 = "@{folder}/export.jsonl#0"


@pytest.fixture
def evidence(tmp_path: Path) -> Evidence:
    return write_evidence(tmp_path)


def mark(evidence: Evidence) -> CaseStore:
    """What a responder did in the explorer: three marks, tags and notes."""
    case = CaseStore.open([evidence.folder])
    case.mark(evt(2), found_by=[f"ip={ATTACKER}"])
    case.tag(evt(4), "malicious")
    case.set_note(evt(4), "trail stopped\nby the attacker")
    case.tag(LOCATOR_5.format(folder=evidence.folder), "needs-review")
    case.set_notes("Leaked key used from a VPS.")
    return case


def export(
    capsys: pytest.CaptureFixture[str], evidence: Evidence, out: Path, *args: str
) -> tuple[int, str]:
    code = main(["case", "export", str(evidence.folder), "-o", str(out), "--no-cache", *args])
    return code, capsys.readouterr().err


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_the_bundle_holds_the_marked_records_byte_for_byte(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    code, err = export(capsys, evidence, out)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == BUNDLE_FILES
    # In time order, each exactly as the evidence holds it.
    assert lines(out / "events.jsonl") == [evidence.texts[req(n)] for n in (2, 4, 5)]


def test_sha256sum_checks_the_bundle(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("sha256sum") is None:
        pytest.skip("no sha256sum here")
    mark(evidence)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out)[0] == 0
    done = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    checked = {line.split(":")[0] for line in done.stdout.splitlines()}
    assert checked == BUNDLE_FILES - {"SHA256SUMS"}
    # And it notices a change.
    (out / "events.jsonl").write_bytes(b"{}\n")
    again = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True)
    assert again.returncode != 0


def test_the_manifest_hashes_every_input_file(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out)[0] == 0
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    inputs = {entry["path"]: entry for entry in manifest["inputs"]}
    assert set(inputs) == {str(p) for p in evidence.files}
    for path in evidence.files:
        entry = inputs[str(path)]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["size"] == path.stat().st_size
        assert entry["mtime_ns"] == os.stat(path).st_mtime_ns
        assert entry["changed_since_load"] is False
    assert inputs[str(evidence.files[2])]["status"] == "skipped"
    assert manifest["ctir_version"] == __version__
    assert manifest["command_line"][:3] == ["ctir", "case", "export"]
    assert manifest["evidence"] == [str(evidence.folder)]
    assert manifest["selection"]["what"] == "marked"
    assert manifest["selection"]["events"] == 3
    datetime.fromisoformat(manifest["created"])


def test_the_report_names_every_marked_event_with_its_tags_and_notes(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out)[0] == 0
    report = (out / "report.md").read_text()
    timeline = report.split("## Timeline")[1].split("\n## ")[0]
    rows = [line for line in timeline.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 3
    assert "CreateUser" in rows[0]
    assert "2026-03-01T10:00:02Z" in rows[0]
    assert evt(2) in rows[0]
    assert "StopLogging" in rows[1]
    assert "malicious" in rows[1]
    assert evt(4) in rows[1]
    assert "GetCallerIdentity" in rows[2]
    assert "needs-review" in rows[2]
    # Markdown escapes the locator's punctuation; unescaped, it is the key.
    assert LOCATOR_5.format(folder=evidence.folder) in rows[2].replace("\\", "")
    # The two-line note is in full below the table; the case notes are quoted.
    assert "> trail stopped\\\n> by the attacker" in report
    assert "> Leaked key used from a VPS." in report
    assert f"ip={ATTACKER}: 1 event" in report
    # Long tokens get <wbr> break points; without them, each key is there.
    html = (out / "report.html").read_text().replace("<wbr>", "")
    for key in (evt(2), evt(4), LOCATOR_5.format(folder=evidence.folder)):
        assert key in html


def test_the_attacker_tables_come_from_the_marked_events(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out)[0] == 0
    report = (out / "report.md").read_text()
    ips = report.split("### Source IPs")[1].split("###")[0]
    assert "203.0.113.66 | 2 |" in ips
    assert "2001:db8::7 | 1 |" in ips
    assert "198.51.100.7" not in ips  # alice's address: no marked event used it
    keys = report.split("### Access keys")[1].split("###")[0]
    assert "AKIAEXAMPLEALICE0001 | long-term (AKIA)" in keys.replace("\\(", "(").replace("\\)", ")")
    tactics = report.split("## Tactics")[1].split("\n## ")[0]
    assert "Persistence | TA0003 | 1 | CreateUser ×1" in tactics
    assert "Defense Evasion | TA0005 | 1 | StopLogging ×1" in tactics
    assert "Discovery | TA0007 | 1 | GetCallerIdentity ×1" in tactics
    coverage = report.split("## Coverage of the evidence")[1]
    assert "| 111122223333 | us-east-1 | 6 | 2026-03-01T10:00:01Z | 2026-03-01T10:00:06Z |" in (
        coverage
    )


def test_all_exports_exactly_the_view_of_the_filters(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    code, err = export(capsys, evidence, out, "--all", "--ip", ATTACKER, "--event", "Create*")
    assert code == 0, err
    assert lines(out / "events.jsonl") == [evidence.texts[req(n)] for n in (2, 3)]
    sketch = [orjson.loads(line) for line in lines(out / "timesketch.jsonl")]
    assert [s["request_id"] for s in sketch] == [req(2), req(3)]
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["selection"]["what"] == "view"
    assert manifest["selection"]["filters"] == [f"ip={ATTACKER}", "event=Create*"]


def test_filters_narrow_the_marks(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out, "--tag", "malicious")[0] == 0
    assert lines(out / "events.jsonl") == [evidence.texts[req(4)]]


def test_timesketch_lines_have_the_required_fields_tags_and_notes(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out)[0] == 0
    sketch = [orjson.loads(line) for line in lines(out / "timesketch.jsonl")]
    assert [s["request_id"] for s in sketch] == [req(2), req(4), req(5)]
    for line in sketch:
        assert line["message"]
        assert line["timestamp_desc"] == "Event Time"
        assert datetime.fromisoformat(line["datetime"]).utcoffset() is not None
    assert sketch[0]["datetime"] == "2026-03-01T10:00:02+00:00"
    assert sketch[0]["timestamp"] == 1772359202000000
    assert sketch[0]["message"] == (
        f"CreateUser by arn:aws:iam::111122223333:user/alice from {ATTACKER} "
        "(iam.amazonaws.com, us-east-1)"
    )
    assert sketch[0]["ctir_found_by"] == [f"ip={ATTACKER}"]
    assert sketch[1]["tag"] == ["malicious"]
    assert sketch[1]["ctir_note"] == "trail stopped\nby the attacker"
    assert sketch[2]["tag"] == ["needs-review"]
    assert sketch[2]["ctir_key"] == LOCATOR_5.format(folder=evidence.folder)


def test_marks_not_in_the_evidence_are_reported(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = mark(evidence)
    case.mark("evt-from-another-trail")
    out = tmp_path / "bundle"
    code, err = export(capsys, evidence, out)
    assert code == 0
    assert "1 marked events are not in the loaded evidence" in err
    assert "evt-from-another-trail" in (out / "report.md").read_text()
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["selection"]["marked_not_found"] == ["evt-from-another-trail"]


def test_the_bundle_refuses_the_evidence_and_a_non_empty_folder(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mark(evidence)
    before = sorted(p.name for p in evidence.folder.rglob("*"))
    code, err = export(capsys, evidence, evidence.folder / "bundle")
    assert code == 2
    assert "inside the evidence" in err
    code, err = export(capsys, evidence, evidence.folder.parent / "evidence")
    assert code == 2
    assert sorted(p.name for p in evidence.folder.rglob("*")) == before
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    code, err = export(capsys, evidence, busy)
    assert code == 2
    assert "not empty" in err
    assert export(capsys, evidence, busy, "--force")[0] == 0
    assert (busy / "keep.txt").read_text() == "mine"
    assert (busy / "SHA256SUMS").exists()


def test_a_long_timeline_is_cut_in_the_report_but_not_in_the_records(
    evidence: Evidence,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ctir_tui.engine.case.report.MAX_TIMELINE", 2)
    out = tmp_path / "bundle"
    assert export(capsys, evidence, out, "--all")[0] == 0
    report = (out / "report.md").read_text()
    assert "… and 4 more events, all in events\\.jsonl and timesketch\\.jsonl." in report
    assert len(lines(out / "events.jsonl")) == 6
