"""Sigma rule hits as the triage's ``sigma`` entry: literal hits over a hand-made trail."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ctir_tui.cli import main
from ctir_tui.engine.analyses.rule_hits import SIGMA_ID, sigma_answer
from ctir_tui.engine.analyses.triage import triage
from ctir_tui.engine.detections.model import RuleHit, RuleMeta, SigmaResult
from ctir_tui.engine.query.event_sets import EventSetClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.time_clauses import SinceClause
from tests.analyses.build import call, ids, load, user

ALICE = user("alice", "AKIAALICE00000000001")


def _hit(rule_id: str, title: str, level: str, keys: tuple[str, ...]) -> RuleHit:
    meta = RuleMeta(
        rule_id=rule_id,
        title=title,
        level=level,
        author="Jane Analyst",
        tags=("attack.stealth", "attack.t1562.008"),
        tactics=("Stealth",),
        techniques=("T1562.008",),
        source="rules/x.yml",
    )
    return RuleHit(meta, keys, EventSetClause(keys=frozenset(keys), name=title))


@pytest.fixture
def sigma() -> SigmaResult:
    return SigmaResult(
        compiled=3,
        not_compiled=[],
        hits=[
            _hit("r-low", "Many lists", "low", ("e1", "e2", "e3")),
            _hit("r-high", "Trail stopped", "high", ("e4",)),
            _hit("r-gone", "Outside the view", "critical", ("e-not-loaded",)),
        ],
    )


def test_rows_per_rule_most_severe_first_narrowed_to_the_view(
    tmp_path: Path, sigma: SigmaResult
) -> None:
    session = load(
        tmp_path,
        [
            call(1, 0, "ListUsers", ALICE),
            call(2, 1, "ListRoles", ALICE),
            call(3, 9, "ListBuckets", ALICE),
            call(4, 10, "StopLogging", ALICE),
            call(5, 11, "GetCallerIdentity", ALICE),
        ],
    )
    view = session.view(Filters((SinceClause(value="2026-03-01T10:01:00Z"),)))
    found = sigma_answer(sigma, view)
    assert found.question.id == SIGMA_ID
    assert found.severity == "high"
    assert found.count == 3
    assert found.event_ids == ("e2", "e3", "e4")
    titles = [r.fields["title"] for r in found.rows]
    assert titles == ["Trail stopped", "Many lists"]
    high, low = found.rows
    assert (high.count, low.count) == (1, 2)
    assert high.fields["author"] == "Jane Analyst"
    assert high.fields["tags"] == "Stealth · T1562.008"
    # A hit wholly inside the view keeps its own door; one cut by the view is narrowed.
    assert high.door.clauses == (sigma.hits[1].door,)
    assert ids(view.filter(session.expr(low.door, frame=view))) == ["e2", "e3"]
    assert ids(view.filter(session.expr(found.door, frame=view))) == ["e2", "e3", "e4"]
    assert str(low.first) == "2026-03-01 10:01:00+00:00"
    assert str(low.last) == "2026-03-01 10:09:00+00:00"


def test_no_hit_in_the_view_is_no_answer(tmp_path: Path, sigma: SigmaResult) -> None:
    session = load(tmp_path, [call(9, 0, "ListUsers", ALICE)])
    found = sigma_answer(sigma, session.frame)
    assert (found.count, found.severity, found.rows) == (0, "none", ())


def test_triage_puts_the_entry_last_and_only_when_asked(tmp_path: Path, sigma: SigmaResult) -> None:
    session = load(tmp_path, [call(4, 0, "StopLogging", ALICE)])
    plain = triage(session.frame)
    assert SIGMA_ID not in [a.question.id for a in plain.answers]
    both = triage(session.frame, sigma=sigma)
    assert [a.question.id for a in both.answers][-1] == SIGMA_ID
    assert both.get(SIGMA_ID).count == 1
    only = triage(session.frame, sigma=sigma, only=["logging-tampering", SIGMA_ID])
    assert [a.question.id for a in only.answers] == ["logging-tampering", SIGMA_ID]


def test_ctir_triage_sigma_adds_the_entry_and_keeps_the_json_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load(
        tmp_path,
        [
            call(1, 0, "StopLogging", ALICE, eventSource="cloudtrail.amazonaws.com"),
            call(2, 1, "ListUsers", ALICE),
        ],
    )
    folder = str(tmp_path / "t")
    assert main(["triage", folder, "--no-cache", "--json"]) == 0
    plain = orjson.loads(capsys.readouterr().out)["questions"]
    assert len(plain) == 15
    assert main(["triage", folder, "--no-cache", "--json", "--sigma"]) == 0
    extra = orjson.loads(capsys.readouterr().out)["questions"]
    assert [q["id"] for q in extra[:15]] == [q["id"] for q in plain]
    entry = extra[15]
    assert set(entry) == {"id", "title", "severity", "count", "event_ids", "rows"}
    assert entry["id"] == SIGMA_ID
    # ctir's shipped rule for a stopped trail (written for ctir, by "ctir project").
    stopped = [r for r in entry["rows"] if "logging stopped" in r["title"]]
    assert stopped
    assert stopped[0]["author"] == "ctir project"
    assert "e1" in entry["event_ids"]
    assert main(["triage", folder, "--no-cache", "--question", "sigma"]) == 2
    assert "unknown question" in capsys.readouterr().err
    assert main(["triage", folder, "--no-cache", "--rules", folder]) == 2
