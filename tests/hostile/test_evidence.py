"""Hostile evidence, one class at a time: every good record loads, every bad file is named.

The inputs and what a correct load finds come from ``bench/gen/hostile.py``, which writes
them; ``bench/bench_hostile.py`` loads the same classes at full size and prints the figures.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import polars as pl
import pytest

from bench.gen.hostile import CASES, Case
from ctir_tui.engine.export.records import write_csv, write_jsonl
from ctir_tui.engine.pipeline import extract, worker
from ctir_tui.engine.pipeline.load import LoadOptions, load_paths
from ctir_tui.engine.pipeline.report import LoadReport
from ctir_tui.engine.schema import EVENT_ID, FILE_ID, FLAGS, REC_INDEX
from ctir_tui.engine.session import Session

EVENT_ID_TEXT = re.compile(r'"eventID":\s*"([^"]+)"')


def load(folder: Path) -> tuple[pl.DataFrame, LoadReport]:
    result = load_paths([folder], LoadOptions(use_cache=False, workers=1, processes=False))
    return result.frame, result.report


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_good_record_loads_and_every_bad_file_is_named(case: Case, tmp_path: Path) -> None:
    if case.needs_posix and sys.platform == "win32":
        pytest.skip("needs POSIX file names and special files")
    folder = tmp_path / case.name
    folder.mkdir()
    expect = case.write(folder, 1, tmp_path / "outside")
    frame, report = load(folder)

    ids = frame.get_column(EVENT_ID).to_list()
    assert set(ids) - {None} == expect.loaded
    assert ids.count(None) == expect.unnamed
    counts = {i: ids.count(i) for i in set(ids) if ids.count(i) > 1}
    assert counts == expect.copies
    flags = dict(zip(ids, frame.get_column(FLAGS).to_list(), strict=True))
    for event_id, flag in expect.flags.items():
        assert flag in (flags[event_id] or ""), (event_id, flags[event_id])
    unflagged = expect.loaded - set(expect.flags) - expect.may_flag
    assert [i for i in unflagged if flags[i]] == []
    problems = [f for f in report.files if f.status != "read" or f.salvage]
    for fragment, reason in expect.reported:
        hits = [f for f in problems if fragment in f.path and reason in (f.reason or "")]
        assert hits, (fragment, reason, [f.to_json() for f in problems])
    assert report.duplicates == expect.duplicates
    assert report.rejected == expect.rejected
    assert report.records_seen == report.loaded + report.duplicates + report.rejected


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_loaded_record_is_shown_and_exported_whole(case: Case, tmp_path: Path) -> None:
    """The detail pane and ``export`` read each record back from the evidence."""
    if case.needs_posix and sys.platform == "win32":
        pytest.skip("needs POSIX file names and special files")
    folder = tmp_path / case.name
    folder.mkdir()
    expect = case.write(folder, 1, tmp_path / "outside")
    session = Session.open([folder], LoadOptions(use_cache=False, workers=1, processes=False))
    frame = session.frame
    for row in frame.select(FILE_ID, REC_INDEX, EVENT_ID).iter_rows():
        text = session.original(*row)
        assert row[2] is None or row[2] in text
    out = io.StringIO()
    assert write_jsonl(session.raw, frame, out, to_terminal=False) == frame.height
    lines = out.getvalue().splitlines()
    assert len(lines) == frame.height
    exported = {m for line in lines for m in EVENT_ID_TEXT.findall(line)}
    assert exported >= expect.loaded
    csv = io.StringIO()
    assert write_csv(frame, csv) == frame.height


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_files_read_a_slice_at_a_time_load_the_same(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Huge delivery files are parsed in slices with their rows spilled: here every file is."""
    if case.needs_posix and sys.platform == "win32":
        pytest.skip("needs POSIX file names and special files")
    monkeypatch.setattr(worker, "SLICED_BYTES", 0)
    monkeypatch.setattr(worker, "SPILL_ROWS", 2)
    monkeypatch.setattr(extract, "SPILL_ROWS", 2)
    folder = tmp_path / case.name
    folder.mkdir()
    expect = case.write(folder, 1, tmp_path / "outside")
    session = Session.open([folder], LoadOptions(use_cache=False, workers=1, processes=False))
    ids = session.frame.get_column(EVENT_ID).to_list()
    assert set(ids) - {None} == expect.loaded
    flags = dict(zip(ids, session.frame.get_column(FLAGS).to_list(), strict=True))
    for event_id, flag in expect.flags.items():
        assert flag in (flags[event_id] or ""), (event_id, flags[event_id])
    texts = session.texts.scan().select(pl.len()).collect().item()
    assert texts == session.frame.height + session.report.duplicates  # stored before dedup
