"""Trust of the cache: a swapped file, a damaged or mismatched cache, a kill, a full disk.

Each case once served old rows, hid events, or broke every later run. The cache may be
thrown away and rebuilt, with a warning; the load itself must always be whole and right.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, load_paths
from ctir_tui.engine.pipeline.raw import EvidenceChanged, RawStore
from ctir_tui.engine.schema import EVENT_NAME
from tests.factory import dumps, record, write_s3, zip_bytes

WRITTEN = ["ListUsers", "DeleteTrail", "ListUsers"]


def load(logs: Path, cache: Path) -> LoadResult:
    return load_paths([logs], LoadOptions(cache_dir=cache, workers=1, processes=False))


def names(result: LoadResult) -> list[str]:
    return result.frame.get_column(EVENT_NAME).to_list()


@pytest.fixture
def trail(tmp_path: Path) -> tuple[Path, Path]:
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json", [record(1), record(2, eventName="DeleteTrail")], gz=False)
    write_s3(logs / "b.json", [record(3)], gz=False)
    first = load(logs, cache)
    assert names(first) == WRITTEN
    assert load(logs, cache).report.from_cache == 2
    return logs, cache


def generation(cache: Path) -> Path:
    (current,) = cache.glob("loads/*/current")
    return current.parent / current.read_text()


def test_a_file_swapped_with_the_same_size_and_mtime_is_read_again(
    trail: tuple[Path, Path],
) -> None:
    logs, cache = trail
    target = logs / "a.json"
    before = target.stat()
    session = load(logs, cache)
    # Same length, same mtime, other content: DeleteUsers in place of DeleteTrail.
    swapped = target.read_bytes().replace(b'"DeleteTrail"', b'"DeleteUsers"')
    assert swapped != target.read_bytes()
    assert len(swapped) == before.st_size
    replacement = logs / "a.json.new"
    replacement.write_bytes(swapped)
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, target)
    assert target.stat().st_size == before.st_size
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    again = load(logs, cache)
    assert names(again) == ["ListUsers", "DeleteUsers", "ListUsers"]
    assert again.report.from_cache == 1
    # A session opened before the swap says the evidence changed, instead of showing it.
    store = RawStore(session.sources)
    with pytest.raises(EvidenceChanged, match="changed since it was loaded"):
        list(store.iter_frame(session.frame))


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip", "mismatch", "delete", "copies cut", "copies added", "ids out of line"],
)
def test_a_damaged_cache_is_discarded_with_a_warning_and_rebuilt(
    trail: tuple[Path, Path], damage: str
) -> None:
    logs, cache = trail
    rows = generation(cache) / "frame.parquet"
    copies = generation(cache) / "dropped.parquet"  # the re-delivered copies (none here)
    data = rows.read_bytes()
    if damage == "ids out of line":  # the eventIDs, kept apart, in another order
        ids = generation(cache) / "ids.parquet"
        ids_of = pl.read_parquet(ids)  # a's two records swapped: the same files in order
        ids_of[[1, 0, *range(2, ids_of.height)]].write_parquet(ids)
    elif damage == "copies cut":
        copies.write_bytes(copies.read_bytes()[:-20])
    elif damage == "copies added":  # a row of a's that the manifest does not count
        pl.read_parquet(rows).head(1).write_parquet(copies)
    elif damage == "truncate":
        rows.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        flipped = bytearray(data)
        for at in range(len(data) // 3, len(data) - 16, 97):
            flipped[at] ^= 0x55
        rows.write_bytes(bytes(flipped))
    elif damage == "mismatch":  # a valid Parquet file of the right shape with one row
        pl.read_parquet(rows).head(1).write_parquet(rows)
    else:
        (generation(cache) / "manifest.json").unlink()
    result = load(logs, cache)
    assert names(result) == WRITTEN
    assert result.report.from_cache == 0
    assert any("cache" in w for w in result.warnings), result.warnings
    rebuilt = load(logs, cache)
    assert names(rebuilt) == WRITTEN
    assert rebuilt.report.from_cache == 2
    assert rebuilt.warnings == []


def _short_escaped(manifest: dict[str, Any]) -> Any:
    return {**manifest, "escaped": True, "files": [["p"]]}


def _records_as_text(manifest: dict[str, Any]) -> Any:
    entry = manifest["files"][0]
    entry[-4] = "x"  # the report's records
    return manifest


def _member_as_text(manifest: dict[str, Any]) -> Any:
    manifest["files"][0][1] = "abc"
    return manifest


@pytest.mark.parametrize(
    "damage",
    [_short_escaped, _records_as_text, _member_as_text, lambda manifest: manifest["files"]],
    ids=["escaped entry cut short", "a count as text", "members as text", "not an object"],
)
def test_a_manifest_of_the_wrong_shape_is_discarded_not_a_crash(
    trail: tuple[Path, Path], damage: Callable[[dict[str, Any]], Any]
) -> None:
    logs, cache = trail
    manifest = generation(cache) / "manifest.json"
    manifest.write_bytes(orjson.dumps(damage(orjson.loads(manifest.read_bytes()))))
    result = load(logs, cache)
    assert names(result) == WRITTEN
    assert result.report.from_cache == 0
    assert any("could not be read" in w for w in result.warnings), result.warnings
    assert load(logs, cache).report.from_cache == 2


def test_a_kill_between_writing_and_committing_leaves_the_old_generation(
    trail: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs, cache = trail
    write_s3(logs / "c.json", [record(4, eventName="StopLogging")], gz=False)

    def killed(src: object, dst: object) -> None:
        if str(dst).endswith("current"):
            raise KeyboardInterrupt  # the process dies before the pointer moves
        os.rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        load(logs, cache)
    monkeypatch.undo()
    after = load(logs, cache)
    assert names(after) == [*WRITTEN, "StopLogging"]
    assert after.report.from_cache == 2  # the old generation still served a and b
    assert load(logs, cache).report.from_cache == 3


def test_a_full_disk_keeps_the_load_and_says_the_cache_was_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json", [record(1), record(2, eventName="DeleteTrail"), record(3)], gz=False)

    def full(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", full)
    result = load(logs, cache)
    assert names(result) == WRITTEN
    assert any("No space left on device" in w for w in result.warnings), result.warnings
    monkeypatch.undo()
    assert names(load(logs, cache)) == WRITTEN


def test_names_whose_bytes_are_not_utf8_are_cached_and_read_back(tmp_path: Path) -> None:
    # A tar member and a file named with bytes that are not UTF-8 (Python holds them as
    # surrogates): writing the cache's manifest once failed on them, and every load of
    # such evidence ended as an internal error.
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "plain.json", [record(1)], gz=False)
    body = (logs / "plain.json").read_bytes()
    odd_file = os.fsencode(logs) + b"/odd-\xff.json"
    with open(odd_file, "wb") as out:
        out.write(body.replace(b"evt-00000001", b"evt-00000002"))
    member = tarfile.TarInfo("inner-\udcfe.json")  # the tar holds the byte 0xfe
    data = body.replace(b"evt-00000001", b"evt-00000003")
    member.size = len(data)
    with tarfile.open(logs / "bundle.tar", "w", format=tarfile.GNU_FORMAT) as tar:
        tar.addfile(member, io.BytesIO(data))
    first = load(logs, cache)
    assert first.warnings == []
    ids = sorted(first.frame.get_column("event_id").to_list())
    assert ids == ["evt-00000001", "evt-00000002", "evt-00000003"]
    again = load(logs, cache)
    assert again.report.from_cache == 3  # every input, the odd names too
    assert sorted(again.frame.get_column("event_id").to_list()) == ids
    members = {s.member for s in again.sources}
    assert ("inner-\udcfe.json",) in members
    assert os.fsencode(logs) + b"/odd-\xff.json" in {os.fsencode(s.path) for s in again.sources}


def test_a_reopen_names_each_file_and_member_as_the_first_load_did(tmp_path: Path) -> None:
    # Two files, one an archive of two members (one of them broken): the report names
    # each as the first load did ("logs.zip!b.json"), and says the same of each.
    logs, cache = tmp_path / "logs", tmp_path / "cache"
    write_s3(logs / "a.json", [record(1)], gz=False)
    (logs / "logs.zip").write_bytes(
        zip_bytes({"b.json": dumps({"Records": [record(2)]}), "c.json": b'{"Records": [{'})
    )
    first = load(logs, cache)
    named = sorted((Path(f.path).name, f.status, f.records) for f in first.report.files)
    assert named == [
        ("a.json", "read", 1),
        ("logs.zip!b.json", "read", 1),
        ("logs.zip!c.json", "failed", 0),
    ]
    again = load(logs, cache)
    assert again.report.from_cache == 3
    assert [f.to_json() for f in again.report.files] == [f.to_json() for f in first.report.files]
