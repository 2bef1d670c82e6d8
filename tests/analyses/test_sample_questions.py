"""The triage questions on the sample incident, against what the generator says they must find.

Expected events come from ``tests/fixtures/sample_facts.json`` (``questions``), written by
``bench/gen/questions.py`` from the story's steps, never from ctir.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from ctir_tui.engine.analyses.questions import questions
from ctir_tui.engine.analyses.triage import Triage, triage
from ctir_tui.engine.session import Session
from tests.conftest import SAMPLE_LOGS
from tests.facts import facts

EXPECTED: dict[str, Any] = facts()["questions"]


@pytest.fixture(scope="module")
def session() -> Session:
    return Session.open([SAMPLE_LOGS])


@pytest.fixture(scope="module")
def answers(session: Session) -> Triage:
    return triage(session.frame, texts=session.texts)


def test_every_question_has_facts_and_the_registry_is_in_order() -> None:
    assert [q.id for q in questions()] == list(EXPECTED)
    assert len(EXPECTED) == 15


@pytest.mark.parametrize("qid", list(EXPECTED))
def test_each_question_finds_what_the_story_says(answers: Triage, qid: str) -> None:
    expected = EXPECTED[qid]
    got = answers.get(qid)
    found = set(got.event_ids)
    must = set(expected["event_ids"])
    if not expected["applies"]:
        assert got.count == 0, (qid, expected["why"])
        assert got.severity == "none"
        return
    if qid != "coverage":
        assert got.count > 0, qid
        assert got.severity != "none"
    missing = must - found
    assert not missing, (qid, sorted(missing))
    if expected["exact"]:
        assert found == must, (qid, sorted(found - must))


@pytest.mark.parametrize("qid", [q for q in EXPECTED if q != "coverage"])
def test_each_door_opens_on_exactly_the_answer(session: Session, answers: Triage, qid: str) -> None:
    got = answers.get(qid)
    shown = session.view(got.door)
    assert shown.height == got.count, qid
    for row in got.rows:
        assert session.view(row.door).height == row.count, (qid, row.fields)


def test_coverage_spans_are_the_generators(answers: Triage) -> None:
    got = answers.get("coverage")
    spans = {
        (r.fields["account"], r.fields["region"]): (
            r.first.isoformat().replace("+00:00", "Z") if r.first else None,
            r.last.isoformat().replace("+00:00", "Z") if r.last else None,
            r.count,
            r.fields["data_events"],
        )
        for r in got.rows
    }
    expected = {
        (s["account"], s["region"]): (s["first"], s["last"], s["events"], s["data_events"])
        for s in EXPECTED["coverage"]["spans"]
    }
    assert spans == expected
    # No data events in the sample: the answer says a zero there means "not recorded".
    assert got.note is not None
    assert "no data events" in got.note


def test_the_sample_lights_every_question_that_applies(answers: Triage) -> None:
    lit = {a.question.id for a in answers.answers if a.severity != "none"}
    applies = {q for q, e in EXPECTED.items() if e["applies"]}
    assert lit == applies


def test_the_tampering_shares_and_the_region_are_in_the_rows(answers: Triage) -> None:
    # What the issue found only in the JSON detail now shows in the rows.
    incident = facts()["incident"]
    exposure = answers.get("data-exposure")
    assert any(incident["external_account"] in str(r.fields.get("accounts")) for r in exposure.rows)
    assert exposure.severity == "critical"  # shared with another account
    compute = answers.get("compute-abuse")
    assert any("p4d.24xlarge" in str(r.fields.get("target")) for r in compute.rows)
    regions = answers.get("new-regions")
    assert [r.fields["region"] for r in regions.rows] == [incident["compute_region"]]
    credentials = answers.get("new-credentials")
    created = [r for r in credentials.rows if r.fields["event_name"] == "CreateAccessKey"]
    assert created
    assert created[0].fields["target"] == f"user:{incident['new_user']}"
    assert created[0].fields["for_others"] is True


def test_the_failed_console_logins_count_as_errors(session: Session) -> None:
    from ctir_tui.engine.query.clauses import ErrorsClause
    from ctir_tui.engine.query.filters import Filters

    logins = session.view(Filters((ErrorsClause(),))).filter(pl.col("event_name") == "ConsoleLogin")
    assert logins.height == facts()["counts"]["console_login_failures"]
