"""The filter words ``marked`` and ``tag``: they read the case given beside the filters."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ctir_tui.engine.query.case_clauses import MarkedClause, TagClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import parse_filter
from ctir_tui.engine.query.marks import CaseMarks
from ctir_tui.engine.query.values import FilterError
from tests.factory import load, record, write_jsonl


@pytest.fixture
def frame(tmp_path: Path) -> pl.DataFrame:
    no_id = record(4)
    del no_id["eventID"]
    write_jsonl(tmp_path / "a.jsonl", [record(1), record(2), record(3), no_id])
    return load(tmp_path / "a.jsonl").frame


def case_of(frame: pl.DataFrame) -> CaseMarks:
    """Record 1 marked by its eventID, record 4 (no eventID) by where it is."""
    path = frame.get_column("source_file").cast(pl.String)[0]
    return CaseMarks(
        frozenset({"evt-00000001", f"@{path}#3"}),
        {"malicious": frozenset({"evt-00000001"}), "benign": frozenset({"evt-00000002"})},
    )


def ids(frame: pl.DataFrame, text: str, case: CaseMarks | bool | None = True) -> list[str | None]:
    marks = case_of(frame) if case is True else case
    view = Filters((parse_filter(text),)).apply(frame, case=marks or None)
    return view.get_column("request_id").to_list()


def test_marked_keeps_the_marked_events_by_id_or_locator(frame: pl.DataFrame) -> None:
    assert ids(frame, "marked") == ["req-00000001", "req-00000004"]
    assert ids(frame, "not marked") == ["req-00000002", "req-00000003"]


def test_tag_keeps_the_events_carrying_any_of_the_tags(frame: pl.DataFrame) -> None:
    assert ids(frame, "tag malicious") == ["req-00000001"]
    assert ids(frame, "tag MALICIOUS,benign") == ["req-00000001", "req-00000002"]
    assert ids(frame, "tag unknown-word") == []
    assert ids(frame, "not tag malicious") == ["req-00000002", "req-00000003", "req-00000004"]


def test_without_a_case_the_clause_says_why(frame: pl.DataFrame) -> None:
    for text in ("marked", "tag malicious"):
        with pytest.raises(FilterError, match="no case is open"):
            ids(frame, text, case=None)


def test_the_words_parse_and_label() -> None:
    assert parse_filter("marked") == MarkedClause()
    assert parse_filter("not marked").label() == "not marked"
    assert parse_filter("tag Needs-Review") == TagClause(tags=("needs-review",))
    assert parse_filter("tag a,b").label() == "tag=a|b"
    with pytest.raises(FilterError, match="needs a value"):
        parse_filter("tag")
    with pytest.raises(FilterError, match="bad tag"):
        parse_filter("tag <b>")


def test_the_clause_matches_exactly_the_keys_marks_py_builds(tmp_path: Path) -> None:
    # An eventID that looks like a locator is still an eventID, and the record without an
    # eventID (the third) is found only by where it is.
    path = tmp_path / "a.jsonl"
    tricky = record(1, eventID=f"@{path}#1")
    no_id = record(3)
    del no_id["eventID"]
    write_jsonl(path, [record(0, eventID=f"@{path}#0"), tricky, no_id, record(4)])
    frame = load(path).frame
    cases = {
        (f"@{path}#0",): ["req-00000000"],
        (f"@{path}#1",): ["req-00000001"],
        (f"@{path}#2",): ["req-00000003"],
        (f"@{path}#3", "evt-00000004"): ["req-00000004"],
        (f"@{tmp_path / 'other.jsonl'}#2", "@9:9", "evt-none"): [],
    }
    for keys, expected in cases.items():
        marks = CaseMarks(frozenset(keys), {})
        view = Filters((MarkedClause(),)).apply(frame, case=marks)
        assert view.get_column("request_id").to_list() == expected, keys
