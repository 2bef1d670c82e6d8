"""Packaged tables: parsed once per content, kept in the cache, and never trusted blindly."""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from ctir_tui import paths
from ctir_tui.engine.packaged import read_table

TABLE = """\
# a hand-made table
[[event]]
name = "StopLogging"
tactics = ["TA0005", "TA0112"]
prefix = true
"""
PARSED = {"event": [{"name": "StopLogging", "tactics": ["TA0005", "TA0112"], "prefix": True}]}


def kept_copies() -> list[Path]:
    return sorted((paths.cache_dir() / "tables").glob("*.json"))


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "table.toml"
    path.write_text(TABLE, encoding="utf-8")
    return path


def no_parse(text: str) -> None:
    raise AssertionError("parsed again")


def test_a_table_is_parsed_once_then_read_from_its_kept_copy(
    table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert read_table(table) == PARSED
    assert len(kept_copies()) == 1
    monkeypatch.setattr(tomllib, "loads", no_parse)
    again = read_table(table)
    assert again == PARSED
    again["event"].clear()  # a fresh value each time: changing one changes no other
    assert read_table(table) == PARSED


def test_an_edited_table_is_parsed_again(table: Path) -> None:
    read_table(table)
    table.write_text(TABLE.replace("StopLogging", "DeleteTrail"), encoding="utf-8")
    assert read_table(table)["event"][0]["name"] == "DeleteTrail"
    assert len(kept_copies()) == 2


@pytest.mark.parametrize(
    "damage", [b"", b"{not json", b'["a list"]', b"\xff\xfe", b"{}", b"0" * 64 + b"\n{}"]
)
def test_a_damaged_copy_is_parsed_again_and_rewritten(table: Path, damage: bytes) -> None:
    read_table(table)
    (copy,) = kept_copies()
    copy.write_bytes(damage)
    assert read_table(table) == PARSED
    assert copy.read_bytes() not in (damage,)
    assert read_table(table) == PARSED


def test_a_table_with_a_date_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "dated.toml"
    path.write_text("since = 2026-03-01\n", encoding="utf-8")
    assert read_table(path) == {"since": dt.date(2026, 3, 1)}
    assert kept_copies() == []
    assert read_table(path) == {"since": dt.date(2026, 3, 1)}


def test_a_table_with_a_number_json_cannot_hold_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text("n = 18446744073709551616\n", encoding="utf-8")  # 2**64
    assert read_table(path) == {"n": 2**64}
    assert kept_copies() == []


def test_a_cache_that_cannot_be_written_only_costs_the_parse(table: Path) -> None:
    paths.cache_dir().mkdir(parents=True, exist_ok=True)
    (paths.cache_dir() / "tables").write_text("a file where the folder goes")
    assert read_table(table) == PARSED
    assert read_table(table) == PARSED


@pytest.mark.parametrize(
    ("package", "name"),
    [
        ("ctir_tui.engine.tactics", "tables/extended.toml"),
        ("ctir_tui.engine.tactics", "tables/seed.toml"),
        ("ctir_tui.engine.pipeline", "targets.toml"),
        ("ctir_tui.engine.readers", "tables.toml"),
        ("ctir_tui.engine.analyses", "tables/questions.toml"),
    ],
)
def test_every_packaged_table_reads_back_as_toml_parses_it(package: str, name: str) -> None:
    source = resources.files(package).joinpath(*name.split("/"))
    parsed = tomllib.loads(source.read_text(encoding="utf-8"))
    assert read_table(source) == parsed
    assert read_table(source) == parsed  # from the kept copy
