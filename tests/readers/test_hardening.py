"""Readers against hostile evidence: garbage lines, mixed wrappers, crafted damage, swarms.

Inputs are made here from literal records; expected IDs and counts are read off them.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson

from ctir_tui.engine.pipeline.discover import SourceFile
from ctir_tui.engine.pipeline.extract import Columns
from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.engine.pipeline.worker import parse_file
from ctir_tui.engine.readers.framing import ScanStats
from ctir_tui.engine.readers.registry import parse_bytes
from ctir_tui.engine.readers.salvage import salvage
from tests.factory import dumps, file_report, load, lookup_item, record


def _ids(result_frame_ids: list[str | None]) -> list[str]:
    return sorted(i for i in result_frame_ids if i is not None)


def _evt(*numbers: int) -> list[str]:
    return [f"evt-{n:08d}" for n in numbers]


# --- JSON Lines whose first lines are garbage -----------------------------------------------


def test_json_lines_with_garbage_first_lines_load_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    good = [dumps(record(n)).decode() for n in (1, 2, 3)]
    path.write_text("\n".join(["%%% not json %%%", '{"eventName": "cut', *good]) + "\n")
    result = load(path)
    assert _ids(result.frame.get_column("event_id").to_list()) == [
        "evt-00000001",
        "evt-00000002",
        "evt-00000003",
    ]
    report = file_report(result, "export.jsonl")
    assert report.shape == "json-lines"
    assert (report.records, report.rejected) == (5, 2)
    bad = [(r.path, r.reason.split(":")[0]) for r in result.report.rejected_details]
    assert bad == [(str(path), "line 1"), (str(path), "line 2")]
    # The detail view still finds each record's own line.
    store = RawStore(result.sources)
    row = result.frame.row(0, named=True)
    assert store.get(row["file_id"], row["rec_index"], row["event_id"]) == good[0]


def test_garbage_first_line_not_starting_with_a_brace(tmp_path: Path) -> None:
    path = tmp_path / "siem.txt"
    lines = ["exported by SIEM v2", dumps(record(7)).decode(), dumps(record(8)).decode()]
    path.write_text("\n".join(lines))
    result = load(path)
    assert _ids(result.frame.get_column("event_id").to_list()) == ["evt-00000007", "evt-00000008"]
    assert [r.reason.split(":")[0] for r in result.report.rejected_details] == ["line 1"]


def test_a_pretty_printed_document_is_not_taken_for_json_lines() -> None:
    pretty = dumps({"Records": [record(1, resources=[{"ARN": "arn:aws:s3:::b"}])]}, pretty=True)
    parsed = parse_bytes(pretty)
    assert parsed.shape == "s3-delivery"
    assert [i.record["eventID"] for i in parsed.items if i.record] == ["evt-00000001"]


# --- every wrapper side by side, in one folder and in one file ---------------------------


def _filter_page(*records: dict[str, object]) -> dict[str, object]:
    return {"events": [{"timestamp": 1, "message": dumps(r).decode()} for r in records]}


def _envelope(*records: dict[str, object]) -> dict[str, object]:
    events = [{"id": "1", "timestamp": 2, "message": dumps(r).decode()} for r in records]
    return {"messageType": "DATA_MESSAGE", "logGroup": "g", "logEvents": events}


def test_a_folder_of_every_wrapper_loads_each(tmp_path: Path) -> None:
    (tmp_path / "delivery.json.gz").write_bytes(gzip.compress(dumps({"Records": [record(1)]})))
    (tmp_path / "lines.jsonl").write_bytes(dumps(record(2)) + b"\n" + dumps(record(3)) + b"\n")
    (tmp_path / "lookup.json").write_bytes(dumps({"Events": [lookup_item(record(4))]}))
    (tmp_path / "filter.json").write_bytes(dumps(_filter_page(record(5))))
    (tmp_path / "sub.gz").write_bytes(gzip.compress(dumps(_envelope(record(6)))))
    (tmp_path / "array.json").write_bytes(dumps([record(7)]))
    result = load(tmp_path)
    assert _ids(result.frame.get_column("event_id").to_list()) == _evt(*range(1, 8))
    shapes = {Path(f.path).name: f.shape for f in result.report.files}
    assert shapes == {
        "delivery.json.gz": "s3-delivery",
        "lines.jsonl": "json-lines",
        "lookup.json": "lookup-events",
        "filter.json": "cloudwatch-filter-log-events",
        "sub.gz": "cloudwatch-subscription",
        "array.json": "json-array",
    }


def test_one_json_lines_file_mixing_every_wrapper(tmp_path: Path) -> None:
    lines = [
        dumps(record(1)),
        dumps(lookup_item(record(2))),
        dumps({"Records": [record(3), record(4)]}),
        dumps({"Events": [lookup_item(record(5))], "NextToken": "t"}),
        dumps({"timestamp": 3, "message": dumps(record(6)).decode()}),
        dumps(_filter_page(record(7))),
        dumps(_envelope(record(8))),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = load(path)
    ids = [f"evt-0000000{n}" for n in range(1, 9)]
    assert _ids(result.frame.get_column("event_id").to_list()) == ids
    assert result.report.rejected == 0
    store = RawStore(result.sources)
    for row in result.frame.iter_rows(named=True):
        text = store.get(row["file_id"], row["rec_index"], row["event_id"])
        assert orjson.loads(text)["eventID"] == row["event_id"]


def test_concatenated_documents_of_different_wrappers(tmp_path: Path) -> None:
    docs = [
        dumps({"Records": [record(1)]}, pretty=True),
        dumps({"Events": [lookup_item(record(2))]}),
        dumps(_envelope(record(3))),
        dumps([record(4)]),
    ]
    path = tmp_path / "cat.json"
    path.write_bytes(b"\n".join(docs))
    result = load(path)
    assert _ids(result.frame.get_column("event_id").to_list()) == _evt(*range(1, 5))
    assert file_report(result, "cat.json").shape == "mixed (4 documents)"


# --- salvage is linear ------------------------------------------------------------------


def _damaged_delivery(count: int, every: int) -> bytes:
    """A delivery of ``count`` records where every ``every``-th lost its closing brace."""
    parts = []
    for n in range(count):
        text = dumps(record(n)).decode()
        parts.append(text[:-1] if n % every == every - 1 else text)
    return ('{"Records":[' + ",".join(parts) + "]}").encode()


def test_salvage_reads_each_byte_a_bounded_number_of_times() -> None:
    data = _damaged_delivery(4000, every=100)
    stats = ScanStats()
    parsed = salvage(data, want_raw=False, stats=stats)
    kept = [i.record["eventID"] for i in parsed.items if i.record]
    assert len(kept) == 3960
    assert "evt-00000099" not in kept
    assert "evt-00000100" in kept
    assert stats.decoded + stats.scanned <= 3 * len(data)


def test_braces_left_open_do_not_make_salvage_quadratic() -> None:
    # Each group opens 900 objects and never closes them: a retry from every brace
    # would read each group 900 times over (about 450 times the file's size).
    group = '{"a":' * 900 + "!"
    good = [dumps(record(n)).decode() for n in range(300)]
    body = ",".join(f"{group},{rec}" for rec in good)
    data = ('{"Records":[' + body + "]}").encode()
    stats = ScanStats()
    parsed = salvage(data, want_raw=False, stats=stats)
    assert [i.record["eventID"] for i in parsed.items if i.record] == [
        f"evt-{n:08d}" for n in range(300)
    ]
    # Each byte is read a few times (windows, one structural scan), never once per brace.
    assert stats.decoded + stats.scanned <= 8 * len(data)
    assert stats.attempts <= 2 * 300 + 10


def test_nesting_too_deep_to_decode_is_skipped_not_fatal() -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    first, second = dumps(record(1)).decode(), dumps(record(2)).decode()
    data = ('{"Records":[' + first + "," + deep + "," + second + "]").encode()
    stats = ScanStats()
    parsed = salvage(data, want_raw=False, stats=stats)
    assert [i.record["eventID"] for i in parsed.items if i.record] == _evt(1, 2)
    assert stats.decoded + stats.scanned <= 4 * len(data)


def test_many_damaged_spots_are_counted_not_all_described() -> None:
    parsed = salvage(_damaged_delivery(3000, every=10), want_raw=False)
    assert parsed.salvage is not None
    assert "salvaged 2700 records" in parsed.salvage
    assert "and 280 more damaged spots" in parsed.salvage


# --- swarms of tiny items ------------------------------------------------------------------


def test_a_records_list_of_millions_of_zeros_is_counted_in_bounded_memory() -> None:
    n = 2_000_000
    data = b'{"Records":[' + b"0," * (n - 1) + b"0]}"
    cols = Columns()
    outcome = parse_file(SourceFile("zeros.json"), data, None, cols, 0)
    assert (outcome.report.records, outcome.report.rejected, len(cols)) == (n, n, 0)
    # Reported in aggregate: a count and the first few examples, not a line each.
    assert len(outcome.rejected) == 100
    assert outcome.rejected[0] == (0, "not a JSON object (int)")
    # One shared rejected item for all of them: memory is a pointer per element.
    parsed = parse_bytes(data)
    assert len(parsed.items) == n
    assert len({id(item) for item in parsed.items}) == 1


def test_a_swarm_with_a_few_records_keeps_the_records() -> None:
    filler = b"[]," * 200_000 + b"{}," * 200_000 + b'"x",' * 200_000
    rec = dumps(record(5))
    other = rec.replace(b"evt-00000005", b"evt-00000006")
    data = b'{"Records":[' + filler + rec + b"," + b"null," * 200_000 + other + b"]}"
    parsed = parse_bytes(data)
    assert [i.record["eventID"] for i in parsed.items if i.record] == _evt(5, 6)
    assert len(parsed.items) == 800_002
    assert len({id(item) for item in parsed.items if item.record is None}) == 4
