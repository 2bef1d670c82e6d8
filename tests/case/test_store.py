"""The case store: marks, tags and notes survive a restart; a broken file loses nothing."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from ctir_tui.engine.case.store import CaseStore, case_path
from ctir_tui.engine.query.values import FilterError

EVIDENCE = ["/evidence/case-42/logs", "/evidence/case-42/more.json"]


def ticking() -> Callable[[], datetime]:
    """A clock that moves one second per reading: stamps are distinct and predictable."""
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    counter = itertools.count()
    return lambda: start + timedelta(seconds=next(counter))


def store(root: Path, evidence: list[str] = EVIDENCE) -> CaseStore:
    return CaseStore.open(evidence, root=root, clock=ticking())


def test_marks_tags_and_notes_survive_a_restart(tmp_path: Path) -> None:
    first = store(tmp_path)
    first.mark("evt-1", found_by=["ip=203.0.113.66"])
    first.tag("evt-2", "Malicious")
    first.tag("evt-2", "needs-review")
    first.set_note("evt-2", "created the backdoor user\nsecond line")
    first.mark("@3:17")
    first.set_notes("Attacker came in through a leaked key.")

    # A new store over the same paths, given in another order and relative form.
    again = CaseStore.open(list(reversed(EVIDENCE)), root=tmp_path)
    assert again.problems == []
    assert again.path == first.path
    assert again.marked_keys() == {"evt-1", "evt-2", "@3:17"}
    one = again.get("evt-1")
    assert one is not None
    assert one.found_by == ("ip=203.0.113.66",)
    two = again.get("evt-2")
    assert two is not None
    assert two.tags == ("malicious", "needs-review")
    assert two.note == "created the backdoor user\nsecond line"
    assert again.notes == "Attacker came in through a leaked key."
    assert again.tags() == {"malicious": 1, "needs-review": 1}
    marks = again.marks()
    assert marks.marked == {"evt-1", "evt-2", "@3:17"}
    assert marks.tagged("malicious") == {"evt-2"}


def test_the_case_lives_in_the_cases_folder_never_beside_the_evidence(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    case = CaseStore.open([evidence])
    case.mark("evt-1")
    assert list(evidence.iterdir()) == []
    # conftest points XDG_STATE_HOME at a temporary folder.
    assert case.path.parent.name == "cases"
    assert case.path.name.startswith("evidence-")


def test_each_evidence_set_has_its_own_case(tmp_path: Path) -> None:
    assert case_path(["/a", "/b"], tmp_path) == case_path(["/b", "/a", "/a"], tmp_path)
    assert case_path(["/a"], tmp_path) != case_path(["/a", "/b"], tmp_path)


def test_every_write_keeps_the_previous_version_as_a_backup(tmp_path: Path) -> None:
    case = store(tmp_path)
    case.mark("evt-1")
    assert not Path(f"{case.path}.bak").exists()  # nothing older to keep yet
    case.mark("evt-2")
    backup = orjson.loads(Path(f"{case.path}.bak").read_bytes())
    assert [e["key"] for e in backup["events"]] == ["evt-1"]
    current = orjson.loads(case.path.read_bytes())
    assert [e["key"] for e in current["events"]] == ["evt-1", "evt-2"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_file_is_the_documented_format(tmp_path: Path) -> None:
    case = store(tmp_path)
    case.tag("evt-9", "benign")
    doc = orjson.loads(case.path.read_bytes())
    assert doc["format"] == "ctir-case"
    assert doc["version"] == 1
    assert doc["evidence"] == sorted(EVIDENCE)
    assert doc["events"] == [
        {
            "key": "evt-9",
            "marked": True,
            "tags": ["benign"],
            "note": "",
            "found_by": [],
            "updated": "2026-03-01T12:00:00.000000Z",
        }
    ]


def test_unmark_keeps_tags_and_note_forget_drops_them(tmp_path: Path) -> None:
    case = store(tmp_path)
    case.tag("evt-1", "malicious")
    case.set_note("evt-1", "why")
    assert case.unmark("evt-1")
    assert not case.is_marked("evt-1")
    kept = CaseStore.open(EVIDENCE, root=tmp_path).get("evt-1")
    assert kept is not None
    assert (kept.marked, kept.tags, kept.note) == (False, ("malicious",), "why")
    assert case.toggle("evt-1") is True
    assert case.forget("evt-1")
    assert CaseStore.open(EVIDENCE, root=tmp_path).entries() == []


def test_a_tag_is_one_word(tmp_path: Path) -> None:
    case = store(tmp_path)
    for bad in ("", "two words", "<script>", "x" * 65, "a|b"):
        with pytest.raises(FilterError, match="bad tag"):
            case.tag("evt-1", bad)
    assert case.tag("evt-1", "T1098.001") == "t1098.001"


def _written(tmp_path: Path) -> CaseStore:
    case = store(tmp_path)
    case.mark("evt-1")
    case.tag("evt-2", "malicious")
    case.set_note("evt-3", "third")
    case.set_notes("case notes")
    return case


def _kept(case: CaseStore) -> Path:
    assert len(case.problems) == 1, case.problems
    kept = case.problems[0].kept
    assert kept is not None
    assert str(case.path) in str(case.problems[0])
    assert str(kept) in str(case.problems[0])
    return kept


def test_a_truncated_file_is_kept_aside_and_every_whole_line_recovered(tmp_path: Path) -> None:
    case = _written(tmp_path)
    Path(f"{case.path}.bak").unlink()  # only the broken file itself to recover from
    raw = case.path.read_bytes()
    broken = raw[: raw.index(b'"key":"evt-3"') + 20]  # cut inside the last event
    case.path.write_bytes(broken)

    reopened = CaseStore.open(EVIDENCE, root=tmp_path)
    kept = _kept(reopened)
    assert kept.read_bytes() == broken
    assert "not valid JSON" in reopened.problems[0].reason
    assert reopened.marked_keys() == {"evt-1", "evt-2"}
    assert reopened.notes == "case notes"
    # What was recovered was written back: the next open is clean.
    assert CaseStore.open(EVIDENCE, root=tmp_path).problems == []


def test_garbage_is_kept_aside_and_the_backup_recovered(tmp_path: Path) -> None:
    case = _written(tmp_path)
    case.path.write_bytes(b"\x00\xffnot json at all")
    reopened = CaseStore.open(EVIDENCE, root=tmp_path)
    assert _kept(reopened).read_bytes() == b"\x00\xffnot json at all"
    # The backup is the version before the last write (the case note was the last).
    assert reopened.marked_keys() == {"evt-1", "evt-2", "evt-3"}


@pytest.mark.parametrize(
    ("doc", "marked", "said"),
    [
        (
            {"format": "ctir-case", "version": 2, "events": [{"key": "evt-1", "marked": True}]},
            {"evt-1"},
            "version 2",
        ),
        ([1, 2, 3], set(), "expected a JSON object"),
        ({"format": "ctir-case", "version": 1, "events": {"evt-1": {}}}, set(), "'events' is"),
        (
            {
                "format": "ctir-case",
                "version": 1,
                "notes": 5,
                "events": [
                    {"key": "evt-1", "marked": "yes", "tags": "malicious"},
                    {"key": "evt-2", "marked": True, "tags": ["ok", 7, "no way"], "note": []},
                    {"marked": True},
                    "evt-4",
                ],
            },
            {"evt-1", "evt-2"},
            "'marked' is 'yes'",
        ),
    ],
)
def test_a_file_of_the_wrong_version_or_types_keeps_what_it_can(
    tmp_path: Path, doc: object, marked: set[str], said: str
) -> None:
    path = case_path(EVIDENCE, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = orjson.dumps(doc)
    path.write_bytes(raw)
    case = CaseStore.open(EVIDENCE, root=tmp_path)
    assert _kept(case).read_bytes() == raw
    assert said in case.problems[0].reason
    assert case.marked_keys() == marked


def test_wrong_types_keep_the_usable_fields(tmp_path: Path) -> None:
    path = case_path(EVIDENCE, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"key": "evt-1", "marked": "yes", "tags": "Malicious", "note": 3}
    path.write_bytes(orjson.dumps({"format": "ctir-case", "version": 1, "events": [entry]}))
    case = CaseStore.open(EVIDENCE, root=tmp_path)
    got = case.get("evt-1")
    assert got is not None
    assert (got.marked, got.tags, got.note) == (True, ("malicious",), "")


def test_a_missing_file_is_restored_from_its_backup(tmp_path: Path) -> None:
    case = _written(tmp_path)
    case.path.unlink()
    reopened = CaseStore.open(EVIDENCE, root=tmp_path)
    assert "restored" in str(reopened.problems[0])
    assert reopened.marked_keys() == {"evt-1", "evt-2", "evt-3"}
    assert case.path.exists()


def test_two_stores_on_one_case_keep_each_others_changes(tmp_path: Path) -> None:
    explorer = store(tmp_path)
    explorer.mark("evt-1")
    command_line = CaseStore.open(EVIDENCE, root=tmp_path)
    command_line.mark("evt-2")
    command_line.set_notes("from the command line")
    explorer.mark("evt-3")  # saves over a file that changed since it was read
    final = CaseStore.open(EVIDENCE, root=tmp_path)
    assert final.marked_keys() == {"evt-1", "evt-2", "evt-3"}
    assert final.notes == "from the command line"


def test_a_store_open_for_long_sees_and_adds_to_what_another_saved_on_the_same_event(
    tmp_path: Path,
) -> None:
    # The explorer opened the case first; then the command line tagged and noted an event.
    explorer = store(tmp_path)
    explorer.mark("evt-0")
    cli = store(tmp_path)
    cli.tag("evt-7", "malicious")
    cli.set_note("evt-7", "Tor exit: the attacker")
    # The explorer's tag prompt shows the current tags, and a tag adds to them.
    seen = explorer.get("evt-7")
    assert seen is not None
    assert seen.tags == ("malicious",)
    explorer.tag("evt-7", "needs-review")
    on_disk = store(tmp_path).get("evt-7")
    assert on_disk is not None
    assert on_disk.tags == ("malicious", "needs-review")
    assert on_disk.note == "Tor exit: the attacker"
    assert store(tmp_path).is_marked("evt-0")


def test_a_store_opened_before_the_file_existed_keeps_the_file_made_since(tmp_path: Path) -> None:
    early = store(tmp_path)  # no case file yet
    store(tmp_path).tag("evt-1", "malicious")
    early.tag("evt-2", "benign")
    again = store(tmp_path)
    assert [(e.key, e.tags) for e in again.entries()] == [
        ("evt-1", ("malicious",)),
        ("evt-2", ("benign",)),
    ]


def test_a_call_that_changes_nothing_adds_nothing(tmp_path: Path) -> None:
    case = store(tmp_path)
    case.set_note("evt-1", "")
    assert not case.unmark("evt-1")
    assert not case.untag("evt-1", "malicious")
    assert case.entries() == []
    assert not case.path.exists()


def test_a_case_file_that_cannot_be_read_is_never_overwritten(tmp_path: Path) -> None:
    path = case_path(EVIDENCE, tmp_path)
    path.mkdir(parents=True)  # reading it fails (as root, permissions would not)
    case = CaseStore.open(EVIDENCE, root=tmp_path)
    assert "cannot be read" in str(case.problems[0])
    with pytest.raises(OSError, match="will not be saved"):
        case.mark("evt-1")
    assert path.is_dir()
