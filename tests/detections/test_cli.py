"""``ctir sigma`` on the command line: the JSON the issue specifies, inert text, the config."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest

from ctir_tui.cli import main
from tests.detections.helpers import eid, rec, rule_text, write_rules
from tests.factory import write_s3

EVIL = "x\x1b]52;c;aGk=\x07\u202e[red]"


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    records = [rec(1), rec(2, eventName="GetObject", userAgent=f"agent {EVIL}")]
    return write_s3(tmp_path / "logs" / "r.json.gz", records).parent


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    good = rule_text(f"get object {EVIL}", "sel:\n  eventName: GetObject\ncondition: sel")
    good = good.replace("author: ctir tests", "author: " + json.dumps(f"Mallory {EVIL}"))
    bad = rule_text("bad", "sel:\n  userAgent|wide: x\ncondition: sel")
    return write_rules(tmp_path / "rules", {"good.yml": good, "bad.yml": bad})


def test_json_is_exactly_the_specified_shape(
    evidence: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sigma", str(evidence), "--rules", str(rules), "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert list(data) == ["compiled", "not_compiled", "hits"]
    assert data["compiled"] == 1
    assert [list(n) for n in data["not_compiled"]] == [["rule", "reason"]]
    assert "wide" in data["not_compiled"][0]["reason"]
    (hit,) = data["hits"]
    assert list(hit) == ["rule_id", "title", "level", "author", "tags", "event_ids"]
    assert hit["event_ids"] == [eid(2)]
    assert hit["author"] == f"Mallory {EVIL}"  # the JSON holds it as written, escaped


def test_text_is_inert_and_names_the_author(
    evidence: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sigma", str(evidence), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    for raw in ("\x1b", "\u202e", "\x07"):
        assert raw not in out
    assert "\\x1b" in out
    assert "<U+202E>" in out
    assert "by Mallory" in out
    assert "GetObject" in out
    assert "not run (1)" in out


def test_filters_narrow_the_events(
    evidence: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["sigma", str(evidence), "--rules", str(rules), "--event", "ListUsers", "--json"]) == 0
    )
    assert orjson.loads(capsys.readouterr().out)["hits"] == []


def test_rules_from_the_config(
    evidence: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "ctir" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[sigma]\nrules = ["{rules}"]\n', encoding="utf-8")
    assert main(["sigma", str(evidence), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["compiled"] == 1


def test_shipped_rules_by_default(evidence: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sigma", str(evidence), "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert data["compiled"] >= 30
    assert data["not_compiled"] == []


def test_a_missing_rules_folder_is_bad_usage(
    evidence: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sigma", str(evidence), "--rules", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
