"""The triage questions on real attack data (../shared/datasets, skipped when absent).

Which records the Stratus Red Team set holds is read here from the raw JSON, with nothing of
ctir; the techniques it ran (cloudtrail-stop, cloudtrail-delete, cloudtrail-event-selectors,
vpc-remove-flow-logs, organizations-leave, ec2-share-ebs-snapshot, ec2-share-ami,
rds-share-snapshot, s3-backdoor-bucket-policy, iam-create-admin-user,
iam-create-user-login-profile, iam-backdoor-user) must light the questions they answer.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from ctir_tui.engine.analyses.triage import Triage, triage
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.session import Session
from tests.conftest import DATASETS

STRATUS = DATASETS / "invictus-stratus"
pytestmark = pytest.mark.skipif(not STRATUS.is_dir(), reason="../shared/datasets not present")

#: Question -> the calls of the techniques above that it must find (written from Stratus).
MUST = {
    "logging-tampering": (
        "StopLogging",
        "DeleteTrail",
        "PutEventSelectors",
        "DeleteFlowLogs",
        "LeaveOrganization",
    ),
    "data-exposure": (
        "ModifySnapshotAttribute",
        "ModifyImageAttribute",
        "ModifyDBSnapshotAttribute",
        "PutBucketPolicy",
    ),
    "new-credentials": ("CreateAccessKey", "CreateLoginProfile", "CreateUser"),
    "permission-grants": ("AttachUserPolicy",),
    "destruction": ("DeleteBucket", "TerminateInstances"),
    "compute-abuse": ("RunInstances", "SendCommand"),
}


def raw_ids() -> dict[str, set[str]]:
    """eventName -> eventIDs, from the files themselves."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(STRATUS.glob("*.json")):
        for rec in json.loads(path.read_text(encoding="utf-8"))["Records"]:
            found[rec["eventName"]].add(rec["eventID"])
    return found


@pytest.fixture(scope="module")
def answers() -> Triage:
    session = Session.open([STRATUS], LoadOptions(use_cache=False))
    return triage(session.frame, texts=session.texts)


@pytest.mark.parametrize("qid", list(MUST))
def test_stratus_lights_the_questions_it_answers(answers: Triage, qid: str) -> None:
    ids = raw_ids()
    got = answers.get(qid)
    assert got.severity in ("high", "critical")
    for name in MUST[qid]:
        assert ids[name], name  # the data holds it
        assert ids[name] <= set(got.event_ids), (qid, name)


def test_stratus_shares_land_in_another_account(answers: Triage) -> None:
    # ec2-share-ebs-snapshot, ec2-share-ami and rds-share-snapshot share with an outside account.
    assert answers.get("data-exposure").severity == "critical"


def test_stratus_has_no_data_events_and_says_so(answers: Triage) -> None:
    coverage = answers.get("coverage")
    assert coverage.rows
    assert all(r.fields["region"] == "us-east-1" for r in coverage.rows)
    note = coverage.note or ""
    raw_data = sum(
        1
        for path in STRATUS.glob("*.json")
        for rec in json.loads(path.read_text(encoding="utf-8"))["Records"]
        if rec.get("eventCategory") == "Data"
    )
    assert ("no data events" in note) == (raw_data == 0)
