"""Every reader on its fixture: the registry picks it, and it yields the records written.

The fixtures in ``tests/readers/fixtures/`` were written by hand for these tests; the
expected event IDs below are read off them, not computed by ctir.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from ctir_tui.engine.readers.base import Parsed
from ctir_tui.engine.readers.registry import HEAD, READERS, candidates, parse_bytes

FIXTURES = Path(__file__).parent / "fixtures"

#: fixture -> (the shape the registry must name, the event IDs in document order)
EXPECTED: dict[str, tuple[str, list[str]]] = {
    "s3-delivery.json": ("s3-delivery", ["fixture-01", "fixture-02", "fixture-03"]),
    "lookup-events.json": (
        "lookup-events (2 documents)",
        ["fixture-04", "fixture-05", "fixture-06"],
    ),
    "json-array.json": ("json-array", ["fixture-07", "fixture-08"]),
    "json-lines.jsonl": ("json-lines", ["fixture-09", "fixture-10", "fixture-11", "fixture-12"]),
    "single-record.json": ("single-record", ["fixture-13"]),
    "cloudwatch-filter-log-events.json": (
        "cloudwatch-filter-log-events",
        ["fixture-14", "fixture-15"],
    ),
    "cloudwatch-subscription.json.gz": ("cloudwatch-subscription", ["fixture-16"]),
    "cloudwatch-export-lines.txt": ("cloudwatch-export-lines", ["fixture-17", "fixture-18"]),
    "damaged-missing-comma.json": (
        "s3-delivery (damaged)",
        ["fixture-19", "fixture-20", "fixture-21"],
    ),
}


#: Tabular fixtures (their own tests are in test_tables.py) -> the shape named.
TABLE_FIXTURES: dict[str, str] = {
    "athena-results.csv": "athena-csv",
    "athena-unload.parquet": "athena-parquet",
    "lake-results.csv": "lake-csv",
    "lake-query-results.json": "lake-json",
    "ocsf-1.1.jsonl": "ocsf-json",
    "ocsf-rc2.json": "ocsf-json",
    "ocsf-1.1.parquet": "ocsf-parquet",
    "event-history.csv": "event-history-csv",
}


def read(name: str, *, want_raw: bool = False) -> Parsed:
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return parse_bytes(data, want_raw=want_raw)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shape_yields_its_records_in_order(name: str) -> None:
    shape, ids = EXPECTED[name]
    parsed = read(name)
    assert parsed.shape == shape
    assert parsed.error is None
    assert [item.record["eventID"] for item in parsed.items if item.record] == ids
    assert all(item.reason is None for item in parsed.items)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_record_comes_with_its_original_text(name: str) -> None:
    parsed = read(name, want_raw=True)
    source = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        source = gzip.decompress(source)
    text = source.decode()
    for item in parsed.items:
        assert item.record is not None
        assert item.raw is not None
        # A CloudWatch envelope's time fills in for a record without one: not in the text.
        envelope_time = {"@timestamp"} if '"timestamp"' in text else set()
        record = {k: v for k, v in item.record.items() if k not in envelope_time}
        assert orjson.loads(item.raw) == record
        if "CloudTrailEvent" not in text and '"message"' not in text:
            assert item.raw in text  # the exact bytes, not a re-serialisation


def test_every_reader_has_a_fixture_that_it_reads() -> None:
    read_by: dict[str, str] = {}
    for name in [*EXPECTED, "digest.json", *TABLE_FIXTURES]:
        data = (FIXTURES / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        for reader in candidates(data[:HEAD].lstrip()):
            if reader.read(data, want_raw=False) is not None:
                read_by.setdefault(type(reader).__name__, name)
                break
    assert set(read_by) == {type(r).__name__ for r in READERS}


def test_the_most_specific_reader_wins() -> None:
    digest = (FIXTURES / "digest.json").read_bytes()
    assert type(candidates(digest)[0]).__name__ == "DigestReader"
    delivery = (FIXTURES / "s3-delivery.json").read_bytes()
    names = [type(r).__name__ for r in candidates(delivery)]
    assert names[0] == "S3DeliveryReader"
    assert names.index("S3DeliveryReader") < names.index("SingleRecordReader")


def test_digest_and_non_logs_are_skipped_with_a_reason() -> None:
    assert read("digest.json").skip == "CloudTrail digest file (hashes, no events)"
    assert read("not-a-log.txt").skip == "not a log (no JSON content)"
    assert parse_bytes(b"").skip == "empty file"
    assert parse_bytes(b"\x00\x01\x02binary").skip == "not a log (binary content)"


def test_the_damaged_file_says_what_was_lost() -> None:
    parsed = read("damaged-missing-comma.json")
    assert parsed.salvage is not None
    assert "salvaged 3 records" in parsed.salvage
    assert "expected ',' or ']' between records" in parsed.salvage


def test_cloudwatch_envelope_time_fills_a_record_without_one() -> None:
    parsed = read("cloudwatch-filter-log-events.json")
    second = parsed.items[1].record
    assert second is not None
    assert "eventTime" not in second
    assert second["@timestamp"] == "2026-03-01T10:00:15.000000Z"


@pytest.mark.parametrize("name", sorted(TABLE_FIXTURES))
def test_each_table_shape_is_recognised(name: str) -> None:
    parsed = read(name)
    assert parsed.shape == TABLE_FIXTURES[name]
    assert parsed.table is not None
    assert parsed.error is None


#: The reader that reads each fixture first, as before the tabular shapes were added.
FIRST_READER: dict[str, str] = {
    "s3-delivery.json": "S3DeliveryReader",
    "lookup-events.json": "LookupEventsReader",
    "json-array.json": "JsonArrayReader",
    "json-lines.jsonl": "JsonLinesReader",
    "single-record.json": "SingleRecordReader",
    "cloudwatch-filter-log-events.json": "CloudWatchFilterReader",
    "cloudwatch-subscription.json.gz": "CloudWatchSubscriptionReader",
    "cloudwatch-export-lines.txt": "CloudWatchExportLinesReader",
    "digest.json": "DigestReader",
}


@pytest.mark.parametrize("name", sorted(FIRST_READER))
def test_no_existing_fixture_changes_reader(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    first = next(r for r in candidates(data[:HEAD].lstrip()) if r.read(data, want_raw=False))
    assert type(first).__name__ == FIRST_READER[name]
