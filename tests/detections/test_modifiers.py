"""Every modifier and condition form, each a rule run on hand-made records with known hits."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ctir_tui.engine.detections import SigmaResult, evaluate, load_rules
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.session import Session
from tests.detections.cases import CASES, records
from tests.detections.helpers import eid, rule_text, session_of, write_rules


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, SigmaResult]:
    base = tmp_path_factory.mktemp("modifiers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))
        rules = {
            f"case_{n:02d}.yml": rule_text(name, detection)
            for n, (name, (detection, _)) in enumerate(CASES.items())
        }
        ruleset = load_rules([write_rules(base / "rules", rules)])
        session = session_of(base, records())
        return session, evaluate(session, ruleset)


def test_every_case_compiles(evaluated: tuple[Session, SigmaResult]) -> None:
    _, result = evaluated
    assert result.not_compiled == []
    assert result.compiled == len(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_case_hits(evaluated: tuple[Session, SigmaResult], name: str) -> None:
    _, result = evaluated
    found = {h.rule.title: set(h.event_ids) for h in result.hits}
    assert found.get(name, set()) == {eid(n) for n in CASES[name][1]}


def test_door_filters_the_view_to_exactly_the_hits(evaluated: tuple[Session, SigmaResult]) -> None:
    session, result = evaluated
    hit = next(h for h in result.hits if h.rule.title == "startswith")
    view = session.view(Filters((hit.door,)))
    assert set(view.get_column("event_id").to_list()) == set(hit.event_ids)
    assert view.get_column("event_id").to_list() == list(hit.event_ids)  # time order
    assert hit.door.label().startswith("startswith (3 events)")
    outside = session.view(Filters((hit.door.negated(),)))
    assert outside.height == session.frame.height - 3


def test_hits_carry_the_rule(evaluated: tuple[Session, SigmaResult]) -> None:
    _, result = evaluated
    hit = next(h for h in result.hits if h.rule.title == "eq")
    assert hit.to_json() == {
        "rule_id": hit.rule.rule_id,
        "title": "eq",
        "level": "medium",
        "author": "ctir tests",
        "tags": [],
        "event_ids": [eid(2), eid(3)],
    }


def test_a_view_limits_what_is_evaluated(tmp_path: Path) -> None:
    ruleset = load_rules([write_rules(tmp_path / "r", {"a.yml": rule_text("eq", CASES["eq"][0])})])
    session = session_of(tmp_path, records())
    view = session.frame.filter(pl.col("event_id") == eid(3))
    result = evaluate(session, ruleset, view=view)
    assert [h.event_ids for h in result.hits] == [(eid(3),)]
    assert result.events == 1
