"""The loader: every failure kind, reconciliation, dedup, salvage, raw records, cache."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctir_tui.engine.pipeline import load as load_module
from ctir_tui.engine.pipeline.load import LoadCancelled, LoadOptions, Progress, load_paths
from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.engine.schema import EVENT_SCHEMA
from ctir_tui.engine.session import Session
from tests.factory import (
    dumps,
    file_report,
    load,
    lookup_item,
    names,
    record,
    write_jsonl,
    write_s3,
)

# --- problems, reconciliation, dedup, salvage -----------------------------------------


def test_duplicates_across_files_are_dropped_and_counted(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(1), record(2)])
    write_s3(tmp_path / "b.json", [record(2), record(3)], gz=False)
    result = load(tmp_path)
    assert result.frame.get_column("event_id").to_list() == [
        "evt-00000001",
        "evt-00000002",
        "evt-00000003",
    ]
    assert result.report.duplicates == 1
    assert result.report.records_seen == 4


def test_rejected_records_have_path_index_and_reason(tmp_path: Path) -> None:
    values: list[Any] = [record(1), {"hello": "world"}, [1, 2], record(2)]
    write_s3(tmp_path / "a.json.gz", values)
    path = tmp_path / "b.jsonl"
    path.write_text(dumps(record(3)).decode() + "\n{not json\n" + dumps(record(4)).decode() + "\n")
    result = load(tmp_path)
    assert result.frame.height == 4
    assert result.report.rejected == 3
    details = {(Path(r.path).name, r.index): r.reason for r in result.report.rejected_details}
    assert set(details) == {("a.json.gz", 1), ("a.json.gz", 2), ("b.jsonl", 1)}
    assert "line 2" in details[("b.jsonl", 1)]


def test_missing_comma_between_records_loses_nothing(tmp_path: Path) -> None:
    body = dumps({"Records": [record(1), record(2), record(3)]}, pretty=True).decode()
    broken = body.replace("},\n    {", "}\n    {", 1)
    assert broken != body
    (tmp_path / "broken.json").write_text(broken)
    result = load(tmp_path)
    assert result.frame.height == 3
    report = file_report(result, "broken.json")
    assert report.status == "read"
    assert "salvaged 3 records" in str(report.salvage)
    assert "line" in str(report.salvage)


def test_garbage_in_the_middle_salvages_before_and_after(tmp_path: Path) -> None:
    parts = [dumps(record(i)).decode() for i in range(1, 5)]
    text = (
        '{"Records":['
        + parts[0]
        + ","
        + parts[1][:40]
        + "\x00garbage,"
        + parts[2]
        + ","
        + parts[3]
        + "]}"
    )
    (tmp_path / "damaged.json").write_text(text)
    result = load(tmp_path)
    assert result.frame.get_column("event_id").to_list() == [
        "evt-00000001",
        "evt-00000003",
        "evt-00000004",
    ]
    report = file_report(result, "damaged.json")
    assert "salvaged 3 records" in str(report.salvage)
    assert "bytes lost" in str(report.salvage)


def test_unrecoverable_json_fails_with_position(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"Records": [ {"eventName": ')
    write_s3(tmp_path / "good.json.gz", [record(1)])
    result = load(tmp_path)
    bad = file_report(result, "bad.json")
    assert bad.status == "failed"
    assert "line 1" in str(bad.reason)
    assert result.frame.height == 1


def test_truncated_gzip_salvages_the_readable_prefix(tmp_path: Path) -> None:
    lines = b"\n".join(dumps(record(i)) for i in range(200)) + b"\n"
    data = gzip.compress(lines)
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    result = load(tmp_path)
    report = file_report(result, "cut.jsonl.gz")
    assert report.status == "read"
    assert "truncated gzip stream" in str(report.salvage)
    assert f"salvaged {result.frame.height} records before the damage" in str(report.salvage)
    assert 0 < result.frame.height < 200


def test_unreadable_paths_are_reported(tmp_path: Path) -> None:
    write_s3(tmp_path / "ok.json.gz", [record(1)])
    os.symlink(tmp_path / "gone.json", tmp_path / "dangling.json")
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 not really a zip")
    result = load(tmp_path)
    failed = {Path(f.path).name: f.reason for f in result.report.files if f.status == "failed"}
    assert set(failed) == {"dangling.json", "fake.zip"}
    assert result.frame.height == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "eventName",
                    "eventTime",
                    "eventID",
                    "userIdentity",
                    "Records",
                    "Events",
                    "CloudTrailEvent",
                    "message",
                    "logEvents",
                    "arn",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=json_values, garbage=st.binary(max_size=30), as_lines=st.booleans())
def test_arbitrary_json_never_crashes_and_reconciles(
    tmp_path: Path, doc: Any, garbage: bytes, as_lines: bool
) -> None:
    folder = tmp_path / os.urandom(6).hex()
    folder.mkdir()
    body = json.dumps(doc).encode()
    if as_lines:
        body = body + b"\n" + garbage + b"\n" + dumps(record(1))
    (folder / "f.json").write_bytes(body)
    result = load_paths([folder], LoadOptions(use_cache=False))
    report = result.report
    assert report.records_seen == report.loaded + report.duplicates + report.rejected
    assert report.loaded == result.frame.height
    assert len(report.files) == 1


# --- raw records ---------------------------------------------------------------------


def test_original_record_is_returned_exactly_as_written(tmp_path: Path) -> None:
    pretty = dumps({"Records": [record(1, userAgent="caf\\u00e9")]}, pretty=True)
    (tmp_path / "p.json").write_bytes(pretty)
    line = b'{"eventName": "ListUsers",  "eventID": "spaced", "eventTime": "2026-03-01T11:00:00Z"}'
    (tmp_path / "l.jsonl").write_bytes(line + b"\n" + dumps(record(2)) + b"\n")
    lookup = lookup_item(record(3))
    write_jsonl(tmp_path / "k.jsonl", [lookup, lookup_item(record(4))])
    result = load(tmp_path)
    store = RawStore(result.sources)
    texts = dict(
        zip(result.frame.get_column("event_id"), store.iter_frame(result.frame), strict=True)
    )
    assert texts["spaced"] == line.decode()
    assert texts["evt-00000003"] == lookup["CloudTrailEvent"]
    # The pretty-printed record keeps its indentation, byte for byte.
    assert texts["evt-00000001"] in pretty.decode()
    assert "\n    " in texts["evt-00000001"]


def test_raw_store_matches_every_row_of_every_shape(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(i) for i in range(5)])
    (tmp_path / "b.json").write_bytes(dumps([record(i) for i in range(5, 8)], pretty=True))
    page = {"Events": [lookup_item(record(i)) for i in range(8, 10)]}
    (tmp_path / "c.json").write_bytes(dumps(page) + dumps(page))
    result = load(tmp_path)
    store = RawStore(result.sources)
    for row in result.frame.iter_rows(named=True):
        raw = orjson.loads(store.get(row["file_id"], row["rec_index"]))
        assert raw["eventID"] == row["event_id"]


# --- cache -----------------------------------------------------------------------------


def _fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return out


def test_cache_reuse_and_invalidation(tmp_path: Path) -> None:
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json.gz", [record(1), record(2)])
    write_s3(logs / "b.json.gz", [record(3)])
    first = load(logs, cache=cache)
    assert first.report.from_cache == 0
    second = load(logs, cache=cache)
    assert second.report.from_cache == 2
    assert second.frame.equals(first.frame)

    # Change one file: only it is parsed again, and its new content shows.
    write_s3(logs / "b.json.gz", [record(3, eventName="DeleteTrail"), record(4)])
    os.utime(logs / "b.json.gz", ns=(1, 1))
    third = load(logs, cache=cache)
    assert third.report.from_cache == 1
    assert names(third) == ["ListUsers", "ListUsers", "DeleteTrail", "ListUsers"]

    # A new file is added, a file removed.
    write_s3(logs / "c.json.gz", [record(5, eventName="StopLogging")])
    (logs / "a.json.gz").unlink()
    fourth = load(logs, cache=cache)
    assert fourth.report.from_cache == 1
    assert names(fourth) == ["DeleteTrail", "ListUsers", "StopLogging"]
    # Raw records of cached rows are still found in the right files.
    store = RawStore(fourth.sources)
    assert [orjson.loads(t)["eventID"] for t in store.iter_frame(fourth.frame)] == [
        "evt-00000003",
        "evt-00000004",
        "evt-00000005",
    ]


def _copies(result: Any) -> list[tuple[str, str, str | None]]:
    """(eventID, file name, flags) of each row, in the frame's order."""
    rows = result.frame.select("event_id", "source_file", "flags").rows()
    return [(e, Path(str(f)).name, flags) for e, f, flags in rows]


def test_a_reopen_keeps_the_copies_found_and_a_changed_folder_is_searched_again(
    tmp_path: Path,
) -> None:
    # a and b both hold event 2 (a re-delivery: b's copy is dropped); b and c hold two
    # different events 3 (both kept, flagged); c's copy also has a key given twice.
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json", [record(1), record(2)], gz=False)
    write_s3(logs / "b.json", [record(2), record(3)], gz=False)
    forged = dumps({"Records": [record(3, eventName="DeleteTrail")]})
    forged = forged.replace(b'"eventName":', b'"eventName":"DeleteTrail","eventName":', 1)
    (logs / "c.json").write_bytes(forged)
    both = "duplicate-keys,conflicting-copy"
    first = [
        ("evt-00000001", "a.json", None),
        ("evt-00000002", "a.json", None),
        ("evt-00000003", "b.json", "conflicting-copy"),
        ("evt-00000003", "c.json", both),
    ]
    cold = load(logs, cache=cache)
    assert _copies(cold) == first
    warm = load(logs, cache=cache)
    assert warm.report.from_cache == 3
    assert _copies(warm) == first
    for result in (cold, warm):
        assert (result.report.duplicates, result.report.conflicts) == (1, 2)
        assert result.report.flags == {"conflicting-copy": 2, "duplicate-keys": 1}
        assert result.report.loaded == 4
    assert warm.frame.equals(cold.frame)

    # a goes: b's copy of event 2 is the only one left, and comes back.
    (logs / "a.json").unlink()
    assert _copies(load(logs, cache=cache)) == [
        ("evt-00000002", "b.json", None),
        ("evt-00000003", "b.json", "conflicting-copy"),
        ("evt-00000003", "c.json", both),
    ]
    # c goes too: event 3 no longer conflicts with anything, and loses its flags.
    (logs / "c.json").unlink()
    gone = load(logs, cache=cache)
    assert _copies(gone) == [("evt-00000002", "b.json", None), ("evt-00000003", "b.json", None)]
    assert (gone.report.duplicates, gone.report.conflicts, gone.report.flags) == (0, 0, {})
    assert gone.frame.get_column("content_hash").null_count() == 2


def test_the_copy_kept_is_the_first_in_the_load_order_not_the_first_read(
    tmp_path: Path,
) -> None:
    # b is read (and cached) first; a, added later, is parsed after b's rows are back from
    # the cache, but its name ranks first: its copy of event 2 is the one kept.
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "b.json", [record(2), record(3)], gz=False)
    load(logs, cache=cache)
    write_s3(logs / "a.json", [record(2)], gz=False)
    again = load(logs, cache=cache)
    assert again.report.from_cache == 1
    assert _copies(again) == [("evt-00000002", "a.json", None), ("evt-00000003", "b.json", None)]
    assert again.report.duplicates == 1


def test_a_reopen_keeps_the_order_of_a_first_load(tmp_path: Path) -> None:
    # Same-second events tie-break on the file's name, then the record's place; events with
    # no time come last. A reopen takes the cached order, also when a file has gone.
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    same = "2026-03-01T10:00:05Z"
    write_s3(logs / "z.json.gz", [record(1, eventTime=same, eventName="Zed")])
    write_s3(
        logs / "a.json.gz",
        [record(2, eventTime=None, eventName="NoTime"), record(3, eventTime=same, eventName="A2")],
    )
    write_s3(
        logs / "m.json.gz", [record(4, eventName="Early"), record(5, eventTime=same, eventName="M")]
    )
    expected = ["Early", "A2", "M", "Zed", "NoTime"]
    assert names(load(logs, cache=cache)) == expected
    assert names(load(logs, cache=cache)) == expected
    (logs / "m.json.gz").unlink()
    assert names(load(logs, cache=cache)) == ["A2", "Zed", "NoTime"]


def test_no_cache_option_leaves_no_cache(tmp_path: Path) -> None:
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json.gz", [record(1)])
    load_paths([logs], LoadOptions(use_cache=False, cache_dir=cache))
    assert not cache.exists()


def test_evidence_folder_is_untouched(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    write_s3(logs / "a.json.gz", [record(1)])
    write_jsonl(logs / "b.jsonl", [record(2)])
    (logs / "broken.json").write_text('{"Records":[' + dumps(record(3)).decode() + ",{")
    before = _fingerprint(logs)
    load(logs, cache=tmp_path / "cache")
    load(logs, cache=tmp_path / "cache")
    result = load(logs, cache=tmp_path / "cache")
    list(RawStore(result.sources).iter_frame(result.frame))
    assert _fingerprint(logs) == before
    assert sorted(p.name for p in logs.iterdir()) == ["a.json.gz", "b.jsonl", "broken.json"]


# --- progress and cancellation ----------------------------------------------------------


def test_progress_reports_files_and_events(tmp_path: Path) -> None:
    for i in range(5):
        write_s3(tmp_path / f"{i}.json.gz", [record(10 * i + j) for j in range(3)])
    seen: list[Progress] = []
    load_paths([tmp_path], LoadOptions(use_cache=False), progress=seen.append)
    assert seen[-1].files_total == 5
    assert max(p.files_done for p in seen) == 5
    assert max(p.events for p in seen) == 15


def test_cancel_stops_the_load(tmp_path: Path) -> None:
    for i in range(3):
        write_s3(tmp_path / f"{i}.json.gz", [record(i)])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(LoadCancelled):
        load_paths([tmp_path], LoadOptions(use_cache=False), cancel=cancel)


def test_frame_has_the_documented_schema(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(1)])
    frame = load(tmp_path).frame
    assert dict(frame.schema) == EVENT_SCHEMA
    assert isinstance(frame, pl.DataFrame)


def test_the_rows_read_so_far_are_handed_out_while_the_load_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_module, "PARTIAL_EVERY", 0.0)
    monkeypatch.setattr(load_module, "BATCH_FILES", 1)
    logs = tmp_path / "logs"
    # Each file's records out of time order; one file per batch, parsed one at a time.
    files = {
        "a.json.gz": [
            record(3),
            record(1, eventName="StopLogging", eventSource="cloudtrail.amazonaws.com"),
        ],
        "b.json.gz": [
            record(5),
            record(4, eventName="ListBuckets", eventSource="s3.amazonaws.com"),
        ],
        "c.json.gz": [record(7), record(6)],
    }
    for name, records in files.items():
        write_s3(logs / name, records)
    seen: list[Session] = []
    options = LoadOptions(use_cache=False, workers=1, processes=False)
    final = Session.open(
        [logs], options, partial=lambda rows: seen.append(Session.so_far(rows, [logs], options))
    )
    assert seen
    assert final.complete
    assert all(not s.complete for s in seen)
    first = seen[0]
    ids = first.frame.get_column("event_id").to_list()
    by_file = {
        "a.json.gz": (["evt-00000001", "evt-00000003"], [["Defense Evasion"], ["Discovery"]]),
        "b.json.gz": (["evt-00000004", "evt-00000005"], [["Discovery"], ["Discovery"]]),
        "c.json.gz": (["evt-00000006", "evt-00000007"], [["Discovery"], ["Discovery"]]),
    }
    # The rows of whole files, in time order, with their tactics and their original text.
    assert ids in [want for want, _ in by_file.values()]
    name = next(n for n, (want, _) in by_file.items() if want == ids)
    assert first.frame.get_column("tactics").to_list() == by_file[name][1]
    row = first.frame.row(0, named=True)
    original = orjson.loads(first.original(row["file_id"], row["rec_index"], row["event_id"]))
    assert original["eventID"] == ids[0]
    assert [s.frame.height for s in seen] == sorted(s.frame.height for s in seen)
    assert seen[-1].frame.height < 6 == final.frame.height


def test_a_session_read_back_from_the_cache_is_one_chunk_per_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cached frame comes back in one chunk per row group; with no re-delivery to drop,
    # the tactic lists (one chunk) were added beside them and every filter of the explorer
    # then copied the columns to line them up (twice the time on 1M rows).
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    for f in range(3):
        write_s3(logs / f"f{f}.json", [record(f * 10 + i) for i in range(10)], gz=False)
    written = pl.DataFrame.write_parquet

    def in_small_groups(self: pl.DataFrame, *args: Any, **kwargs: Any) -> None:
        written(self, *args, **{**kwargs, "row_group_size": 4})

    monkeypatch.setattr(pl.DataFrame, "write_parquet", in_small_groups)
    options = LoadOptions(cache_dir=cache, workers=1, processes=False)
    Session.open([logs], options)
    warm = Session.open([logs], options)
    assert warm.report.from_cache == 3
    assert warm.frame.height == 30
    assert set(warm.frame.n_chunks("all")) == {1}
