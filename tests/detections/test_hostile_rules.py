"""A broken and hostile rules folder: every bad file or rule is reported, the rest still run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ctir_tui.engine.detections import evaluate, load_rules, loading
from tests.detections.helpers import eid, rec, rule_text, session_of, write_rules

GOOD = rule_text("good rule", "sel:\n  eventName: GetObject\ncondition: sel")
BOMB = """\
title: bomb
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
logsource: {product: aws, service: cloudtrail}
detection:
    sel:
        eventName: *f
    condition: sel
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    rules = {
        "good.yml": GOOD,
        "invalid.yml": "title: [unclosed\n  detection: {",
        "bomb.yml": BOMB,
        "windows.yml": rule_text("windows rule", "sel:\n  Image: x.exe\ncondition: sel").replace(
            "product: aws\n    service: cloudtrail",
            "product: windows\n    category: process_creation",
        ),
        "wide.yml": rule_text("wide rule", "sel:\n  userAgent|wide: x\ncondition: sel"),
        "unknown_modifier.yml": rule_text(
            "odd rule", "sel:\n  userAgent|sideways: x\ncondition: sel"
        ),
        "keyword.yml": rule_text("keyword rule", "kw:\n  - evil\ncondition: kw"),
        "field.yml": rule_text(
            "field rule", "sel:\n  tlsDetails.tlsVersion: TLSv1\ncondition: sel"
        ),
        "huge_regex.yml": rule_text(
            "huge regex", "sel:\n  userAgent|re: '" + "a" * 20_000 + "'\ncondition: sel"
        ),
        "lookaround.yml": rule_text("lookaround", "sel:\n  userAgent|re: 'a(?=b)'\ncondition: sel"),
        "placeholder.yml": rule_text(
            "placeholder", "sel:\n  userAgent|expand: '%agents%'\ncondition: sel"
        ),
        "not_a_rule.yml": "just a string\n",
        "missing_detection.yml": "title: no detection\nlogsource: {product: aws}\n",
        "latin1.yml": "title: caf\xe9\n",
        "deep.yml": rule_text("deep", "sel:\n  eventName: x\ncondition: " + "not " * 400 + "sel"),
        "README.md": "not a rule, not read",
    }
    folder = write_rules(tmp_path / "rules", {k: v for k, v in rules.items() if k != "latin1.yml"})
    (folder / "latin1.yml").write_bytes(b"title: caf\xe9\n")
    (folder / "dir.yml").mkdir()
    os.mkfifo(folder / "fifo.yml")
    (folder / "loop_a.yml").symlink_to(folder / "loop_b.yml")
    (folder / "loop_b.yml").symlink_to(folder / "loop_a.yml")
    (folder / "dangling.yml").symlink_to(folder / "nowhere.yml")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to(folder)  # a folder loop
    (folder / "sub" / "also_good.yml").write_text(
        rule_text("good rule too", "sel:\n  eventName: TagUser\ncondition: sel"), encoding="utf-8"
    )
    (folder / "unreadable.yml").write_text(
        GOOD.replace("good rule", "unreadable"), encoding="utf-8"
    )
    return folder


def test_each_problem_is_reported_and_the_good_rules_run(
    hostile: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = loading._read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "unreadable.yml":  # as root a chmod would not stop the read
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(loading, "_read_bytes", refuse)
    ruleset = load_rules([hostile])
    reasons = {n.rule: n.reason for n in ruleset.not_compiled}

    def reason(fragment: str) -> str:
        found = [r for rule, r in reasons.items() if fragment in rule]
        assert len(found) == 1, (fragment, reasons)
        return found[0]

    assert "not valid YAML" in reason("invalid.yml")
    assert "billion laughs" in reason("bomb.yml")
    assert "log source is product: windows" in reason("windows.yml")
    assert "modifier 'wide'" in reason("wide.yml")
    assert "sideways" in reason("unknown_modifier.yml")
    assert "keyword" in reason("keyword.yml")
    assert "tlsDetails.tlsVersion" in reason("field.yml")
    assert "longer than" in reason("huge_regex.yml")
    assert "invalid" in reason("lookaround.yml")  # RE2 (pySigma) refuses it before Polars would
    assert "expand" in reason("placeholder.yml")
    assert "not a mapping" in reason("not_a_rule.yml")
    assert "detection" in reason("missing_detection.yml").lower()
    assert "not UTF-8" in reason("latin1.yml")
    assert "nested" in reason("deep.yml")
    assert not any("dir.yml" in rule for rule in reasons)  # a folder named .yml is walked
    assert "not a regular file" in reason("fifo.yml")
    assert "cannot read" in reason("loop_a.yml")
    assert "cannot read" in reason("dangling.yml")
    assert "already read" in reason("up")
    assert "Permission denied" in reason("unreadable.yml")
    assert not any("README" in rule for rule in reasons)

    session = session_of(
        tmp_path, [rec(1), rec(2, eventName="GetObject"), rec(3, eventName="TagUser")]
    )
    result = evaluate(session, ruleset)
    assert {h.rule.title: h.event_ids for h in result.hits} == {
        "good rule": (eid(2),),
        "good rule too": (eid(3),),
    }
    assert result.compiled == 2


def test_hostile_rule_text_stays_data(tmp_path: Path) -> None:
    title = "evil \x1b]52;c;aGk=\x07 [bold]rule[/bold] \u202e"
    rule = rule_text(title, "sel:\n  eventName: GetObject\ncondition: sel")
    result = evaluate(
        session_of(tmp_path, [rec(1, eventName="GetObject")]),
        load_rules([write_rules(tmp_path / "r", {"evil.yml": rule})]),
    )
    assert [h.rule.title for h in result.hits] == [title]  # kept as written; shown inertly


def test_a_missing_rules_path_is_reported(tmp_path: Path) -> None:
    ruleset = load_rules([tmp_path / "nope"])
    assert ruleset.compiled == 0
    assert [n.reason for n in ruleset.not_compiled] == ["cannot read: No such file or directory"]
