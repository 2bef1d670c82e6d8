"""ctir's shipped rules on real attack data (Stratus Red Team, ../shared/datasets) and the sample.

The expected eventIDs were read off the dataset's JSON files (python's json, by event name and
parameters), not computed by ctir.
"""

from __future__ import annotations

import json

import pytest

from ctir_tui.engine.detections import SigmaResult, evaluate, load_rules
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.session import Session
from tests import facts
from tests.conftest import DATASETS, SAMPLE_LOGS

STRATUS = DATASETS / "invictus-stratus"

#: Shipped rule title -> the eventIDs it must match, exactly.
EXPECTED = {
    "CloudTrail logging stopped, deleted or narrowed": {
        "f6e10706-705c-47f2-94d4-112a9527ab8b",  # StopLogging (x3, TrailNotFoundException)
        "9790ee84-ed2b-4866-83d1-f32af0dd4cd2",
        "b4610d54-efe9-40b0-b9f9-71156081d520",
        "b7e19efd-92be-4182-bbbc-b6468296710b",  # DeleteTrail (x3)
        "fcec2e46-3cc3-4ac2-8144-3674f06990e4",
        "c0057a42-1625-4b1d-9db5-352f931f790a",
        "076e96d5-2983-473f-920a-2fc2d7e02777",  # PutEventSelectors (x2)
        "3d6df238-f83c-4a34-bea8-45cf80a2050b",
    },
    "VPC flow logs deleted": {"de58d903-38d7-4f30-a84b-b79d858e8376"},
    # MFAUsed "No"; the other ConsoleLogin (8feee4c2-...) used MFA.
    "Console sign-in without MFA": {"70e5932e-9022-4b38-837e-ca10dad94eb7"},
    "AdministratorAccess attached": {
        "493e08b7-63e4-49a4-832a-1a7598ce78e5",  # AttachRolePolicy
        "f4923a37-92d5-4dfd-9786-6caef2b5f33c",  # AttachUserPolicy
    },
    "Access key created for another user": {
        "64b7de64-bf53-47ae-b7e3-d30cb1b5136e",  # bert-jan -> stratus-red-team-backdoor-u-user
        "8c282c0b-00d1-4369-95b7-cb50b6eee620",  # bert-jan -> malicious-iam-user
    },
    # The "add" calls only; the "remove" calls (8d96ddae, 3ad01b1d, d1bc9379) undo them.
    "Snapshot or image shared with another account": {
        "8fe3095f-909c-41f5-a769-00b9ec6e95df",  # ModifyImageAttribute launchPermission.add
        "741616fd-4713-426d-8861-3ccae4ba994e",  # ModifySnapshotAttribute ...add
        "2d19ab1e-82e9-4302-ad10-a405b50c8d49",  # ModifyDBSnapshotAttribute valuesToAdd
    },
    # Principal.AWS arn:aws:iam::193672423079:root; the other two name cloudtrail's service.
    "Bucket policy grants another account or everyone": {"d58cf935-0194-41d0-baa0-9efc030ce2e6"},
    "Account left its organization": {"be7f89b5-d456-4423-b3e6-0fb0b19bad7c"},
    # p2.xlarge with maxCount 10; the t3.micro launches are not.
    "GPU instances or many instances launched": {
        "8e865acb-b1e1-41d1-bdf3-47462f79d24c",
        "2f4876ba-b0fc-4a24-b406-bef4dcc9656f",
    },
    "Command or session started on an instance": {
        "99b46479-d5c7-4384-b342-006ece8c36a0",
        "22d1e206-17fd-4a52-9923-e86605f3dd7f",
    },
    "Role trust policy changed": {
        "059cf0ed-af91-40a6-9c89-a8a4fb81dc65",
        "d96d75c7-e715-44ff-9735-9dc51afbd774",
    },
    "Console password created or changed for a user": {
        "f0d7bb15-75c8-4770-a500-92d1f71b948c",
        "1170c908-ce8d-4c6f-bc65-cf43aae5235b",
    },
}


def _stratus_ids(name: str) -> set[str]:
    """eventIDs of the dataset's records named ``name``, read with json alone."""
    found = set()
    for path in STRATUS.glob("*.json"):
        for record in json.loads(path.read_bytes())["Records"]:
            if record["eventName"] == name:
                found.add(record["eventID"])
    return found


@pytest.fixture(scope="module")
def stratus(tmp_path_factory: pytest.TempPathFactory) -> SigmaResult:
    if not STRATUS.is_dir():
        pytest.skip("../shared/datasets not present")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        session = Session.open([STRATUS], LoadOptions(use_cache=False))
    return evaluate(session, load_rules())


def test_shipped_rules_all_compile(stratus: SigmaResult) -> None:
    assert stratus.not_compiled == []


@pytest.mark.parametrize("title", list(EXPECTED))
def test_stratus_hits(stratus: SigmaResult, title: str) -> None:
    found = {h.rule.title: set(h.event_ids) for h in stratus.hits}
    assert found.get(title) == EXPECTED[title]


def test_stratus_bursts(stratus: SigmaResult) -> None:
    found = {h.rule.title: set(h.event_ids) for h in stratus.hits}
    # 29 GetPasswordData calls refused within 4 s to one role session.
    password_data = _stratus_ids("GetPasswordData")
    assert len(password_data) == 29
    assert password_data <= found["Access denied burst"]
    # 60 GetSecretValue calls by one user within a minute.
    secrets = _stratus_ids("GetSecretValue")
    assert len(secrets) == 60
    assert secrets <= found["Secrets read in bulk"]


def test_hits_carry_the_author_and_v19_tactics(stratus: SigmaResult) -> None:
    hit = next(h for h in stratus.hits if h.rule.title == "VPC flow logs deleted")
    assert hit.rule.author == "ctir project"
    assert hit.rule.tags == ("attack.defense-impairment", "attack.t1685.002")
    assert hit.rule.tactics == ("Defense Impairment",)


def test_sample_incident_tampering() -> None:
    session = Session.open([SAMPLE_LOGS], LoadOptions(use_cache=False))
    result = evaluate(session, load_rules())
    found = {h.rule.title: set(h.event_ids) for h in result.hits}
    tampering = ("StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors")
    incident = {e["id"] for e in facts.incident_events(lambda e: e["name"] in tampering)}
    assert len(incident) == facts.counts_of("by_event_name", tampering)  # none outside it
    assert found["CloudTrail logging stopped, deleted or narrowed"] == incident
    flow = {e["id"] for e in facts.incident_events(lambda e: e["name"] == "DeleteFlowLogs")}
    assert found["VPC flow logs deleted"] == flow
