"""The triage questions over hand-made trails: which events each must and must not find."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ctir_tui.engine.analyses.questions import question, questions
from ctir_tui.engine.analyses.triage import Triage, triage
from ctir_tui.engine.session import Session
from tests.analyses.build import OTHER, call, load, session, user
from tests.factory import ACCOUNT

ALICE = user("alice", "AKIAALICE")
ROOT = {
    "type": "Root",
    "principalId": ACCOUNT,
    "arn": f"arn:aws:iam::{ACCOUNT}:root",
    "accountId": ACCOUNT,
    "accessKeyId": "",
}

#: (event name, the question that must find it) beyond the seed table's names.
NAMED = [
    ("AttachUserPolicy", "permission-grants"),
    ("AttachRolePolicy", "permission-grants"),
    ("CreatePolicyVersion", "permission-grants"),
    ("UpdateAssumeRolePolicy", "permission-grants"),
    ("CreateOpenIDConnectProvider", "permission-grants"),
    ("CreateAccessKey", "new-credentials"),
    ("UpdateLoginProfile", "new-credentials"),
    ("DeactivateMFADevice", "new-credentials"),
    ("PutBucketPublicAccessBlock", "data-exposure"),
    ("ModifyImageAttribute", "data-exposure"),
    ("PutBucketReplication", "data-exposure"),
    ("DeleteBucket", "destruction"),
    ("ScheduleKeyDeletion", "destruction"),
    ("TerminateInstances", "destruction"),
    ("DeleteDBSnapshot", "destruction"),
    ("UpdateFunctionCode20150331v2", "compute-abuse"),
    ("StartSession", "compute-abuse"),
    ("SendCommand", "compute-abuse"),
    ("InvokeModel", "compute-abuse"),
    ("StopLogging", "logging-tampering"),
    ("DeleteLogGroup", "logging-tampering"),
    ("DisableSecurityHub", "logging-tampering"),
    ("StopConfigurationRecorder", "logging-tampering"),
]


def ask(trail: Session, *qids: str) -> Triage:
    return triage(trail.frame, texts=trail.texts, only=list(qids))


def found(trail: Session, qid: str) -> list[str]:
    return sorted(ask(trail, qid).get(qid).event_ids)


def test_every_event_name_lands_in_its_question(tmp_path: Path) -> None:
    records = [call(n, n, name, ALICE) for n, (name, _) in enumerate(NAMED)]
    trail = load(tmp_path, records)
    answers = triage(trail.frame, texts=trail.texts)
    for n, (name, qid) in enumerate(NAMED):
        assert f"e{n}" in answers.get(qid).event_ids, (name, qid)
    # Lambda's versioned names match by prefix only.
    assert question("compute-abuse").events.count("UpdateFunctionCode*") == 1


def test_root_activity_and_its_failed_console_logins(tmp_path: Path) -> None:
    login = {
        "eventSource": "signin.amazonaws.com",
        "eventType": "AwsConsoleSignIn",
        "additionalEventData": {"MFAUsed": "No"},
    }
    records = [
        call(
            1,
            1,
            "ConsoleLogin",
            ROOT,
            responseElements={"ConsoleLogin": "Failure"},
            errorMessage="Failed authentication",
            **login,
        ),
        call(2, 2, "ConsoleLogin", ROOT, responseElements={"ConsoleLogin": "Success"}, **login),
        call(3, 3, "CreateAccessKey", ROOT),
        # Done by a service on root's behalf: not root's own activity.
        call(4, 4, "DescribeTrails", {**ROOT, "invokedBy": "cloudtrail.amazonaws.com"}),
        call(5, 5, "ListUsers", ALICE),
    ]
    trail = load(tmp_path, records)
    answers = ask(trail, "root-activity", "console-no-mfa")
    root = answers.get("root-activity")
    assert sorted(root.event_ids) == ["e1", "e2", "e3"]
    assert root.severity == "critical"
    assert {(r.fields["event_name"], r.fields["outcome"]) for r in root.rows} == {
        ("ConsoleLogin", "failure"),
        ("ConsoleLogin", "success"),
        ("CreateAccessKey", "success"),
    }
    assert sorted(answers.get("console-no-mfa").event_ids) == ["e1", "e2"]


def test_console_logins_without_mfa_only(tmp_path: Path) -> None:
    def login(n: int, who: dict[str, Any], mfa: str | None, ok: bool = True) -> dict[str, Any]:
        extra = {"MFAUsed": mfa} if mfa is not None else {}
        return call(
            n,
            n,
            "ConsoleLogin",
            who,
            eventSource="signin.amazonaws.com",
            responseElements={"ConsoleLogin": "Success" if ok else "Failure"},
            additionalEventData=extra,
            **({} if ok else {"errorMessage": "Failed authentication"}),
        )

    sso = session("AWSReservedSSO_Admin_abc", "carol", "ASIASSO")
    trail = load(
        tmp_path,
        [
            login(1, ALICE, "Yes"),
            login(2, ALICE, "no"),  # the case varies
            login(3, user("bob", ""), "NO", ok=False),
            login(4, sso, "No"),  # federated: MFA happened at the identity provider
            login(5, ALICE, None),  # not said: not counted as without
        ],
    )
    assert found(trail, "console-no-mfa") == ["e2", "e3"]


def test_denied_bursts_need_three_close_together(tmp_path: Path) -> None:
    bob = user("bob", "AKIABOB")
    deny = {"errorCode": "AccessDenied"}
    records = [
        call(1, 0, "ListUsers", ALICE, **deny),
        call(2, 5, "ListRoles", ALICE, errorCode="Client.UnauthorizedOperation"),
        call(3, 14, "ListGroups", ALICE, **deny),
        # Far from the others (more than 10 minutes): a burst of one, not reported.
        call(4, 40, "ListPolicies", ALICE, **deny),
        call(5, 1, "ListUsers", bob, **deny),
        call(6, 2, "ListUsers", bob, **deny),
        call(7, 3, "ListUsers", bob),  # allowed: not part of it
    ]
    trail = load(tmp_path, records)
    answer = ask(trail, "denied-bursts").get("denied-bursts")
    assert sorted(answer.event_ids) == ["e1", "e2", "e3"]
    assert [(r.count, r.fields["principal"]) for r in answer.rows] == [
        (3, "arn:aws:iam::111122223333:user/alice")
    ]
    assert trail.view(answer.rows[0].door).height == 3


def test_recon_is_a_whoami_then_a_fast_sweep_or_a_tool(tmp_path: Path) -> None:
    bob = user("bob", "AKIABOB")
    carol = user("carol", "AKIACAROL")
    sweep = ["ListUsers", "ListRoles", "ListBuckets", "DescribeInstances", "GetBucketAcl"]
    records = [call(1, 0, "GetCallerIdentity", ALICE, second=0)]
    records += [call(10 + i, 0, n, ALICE, second=5 + 5 * i) for i, n in enumerate(sweep)]
    # The same calls over 40 minutes: a person at work, not a sweep.
    records += [call(20, 0, "GetCallerIdentity", bob)]
    records += [call(21 + i, 4 * (i + 1), n, bob) for i, n in enumerate(sweep)]
    # One call from a known tool's agent is enough.
    records += [call(30, 50, "ListBuckets", carol, userAgent="Pacu/1.5 (kali)")]
    # What the console calls for a person browsing it is left out.
    console = {"sourceIPAddress": "AWS Internal", "userAgent": "AWS Internal"}
    records += [call(40 + i, 60, n, carol, second=i, **console) for i, n in enumerate(sweep)]
    trail = load(tmp_path, records)
    assert found(trail, "recon") == ["e1", "e10", "e11", "e12", "e13", "e14", "e30"]


def test_cross_account_calls_raise_the_role_question(tmp_path: Path) -> None:
    share = {
        "createVolumePermission": {"add": {"items": [{"userId": OTHER}]}},
        "snapshotId": "snap-1",
    }
    records = [
        call(1, 1, "AssumeRole", ALICE, eventSource="sts.amazonaws.com"),
        call(2, 2, "ModifySnapshotAttribute", ALICE, requestParameters=share),
        call(3, 3, "ListUsers", ALICE),
    ]
    trail = load(tmp_path, records)
    answers = ask(trail, "role-chains", "data-exposure")
    assert sorted(answers.get("role-chains").event_ids) == ["e1", "e2"]
    assert answers.get("role-chains").severity == "high"
    exposure = answers.get("data-exposure")
    assert exposure.event_ids == ("e2",)
    assert exposure.severity == "critical"
    assert exposure.rows[0].fields["accounts"] == OTHER


def test_new_regions_after_the_baseline(tmp_path: Path) -> None:
    records = [
        call(1, 0, "ListUsers", ALICE),
        call(2, 30, "ListUsers", ALICE, awsRegion="eu-west-1"),
        call(3, 100, "RunInstances", ALICE, awsRegion="ap-southeast-2"),
        call(4, 110, "RunInstances", ALICE, awsRegion="ap-southeast-2"),
        call(5, 120, "ListUsers", ALICE),
    ]
    trail = load(tmp_path, records)
    assert found(trail, "new-regions") == ["e3", "e4"]


def test_coverage_gaps_and_data_events(tmp_path: Path) -> None:
    records = [
        call(1, 0, "ListUsers", ALICE),
        call(2, 300, "ListUsers", ALICE),
        call(3, 301, "GetObject", ALICE, eventCategory="Data"),
    ]
    trail = load(tmp_path, records)
    answer = ask(trail, "coverage").get("coverage")
    assert answer.count == 1  # the five hours of silence
    assert answer.severity == "medium"
    assert [
        (r.fields["region"], r.fields["data_events"], r.fields["gaps"]) for r in answer.rows
    ] == [("us-east-1", 1, 1)]
    assert answer.note is None  # data events are there


def test_an_empty_view_answers_nothing(tmp_path: Path) -> None:
    trail = load(tmp_path, [call(1, 0, "ListUsers", ALICE)])
    answers = triage(trail.frame.clear(), texts=trail.texts)
    assert [a.count for a in answers.answers] == [0] * len(questions())
    assert {a.severity for a in answers.answers} == {"none"}


def test_the_registry_is_well_formed() -> None:
    ids = [q.id for q in questions()]
    assert ids == [
        "root-activity",
        "console-no-mfa",
        "new-credentials",
        "permission-grants",
        "session-chains",
        "first-seen",
        "denied-bursts",
        "recon",
        "role-chains",
        "logging-tampering",
        "data-exposure",
        "compute-abuse",
        "new-regions",
        "destruction",
        "coverage",
    ]
    with pytest.raises(KeyError):
        question("nope")
