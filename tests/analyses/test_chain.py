"""Session chains over a hand-made trail: every hop kind, both ways, across accounts.

The trail (event ``eN`` at minute N unless said):

* alice (AKIAALICE) e1 GetCallerIdentity, e2 AssumeRole -> ops/alice-s with ASIAOPS1;
  ops/alice-s e3 ListBuckets, e4 AssumeRole into account 444455556666 -> deploy/x with
  ASIADEP1; deploy/x (logged in the other account) e5 PutObject, carrying source identity
  alice@corp; audit/y (ASIAAUD) e7 GetObject with the same source identity.
* bob (AKIABOB) e9 ListUsers; console SwitchRole e8 (SwitchFrom bob) by admin/bob
  (ASIABOBADM), which then e10 DescribeInstances.
* carol (AKIACAROL) e11 ListRoles, e15 AssumeRole whose response has no key, only the
  session (ro/carol-s); ro/carol-s e16 GetObject (ASIARO1) 1 minute later, e17 13 hours
  later with another key (another session of the same name: not linked).
* ec2.amazonaws.com e12/e13 AssumeRole for two instances (ASIAI1, ASIAI2), which e18/e19
  DescribeTags: never linked to each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ctir_tui.engine.analyses.chain import chain
from ctir_tui.engine.analyses.chain_graph import graph
from ctir_tui.engine.analyses.triage import triage
from ctir_tui.engine.session import Session
from tests.analyses.build import OTHER, call, ids, load, session, user
from tests.factory import ACCOUNT


def assume(
    n: int,
    minute: int,
    who: dict[str, Any],
    role: str,
    name: str,
    key: str | None,
    account: str = ACCOUNT,
    **fields: Any,
) -> dict[str, Any]:
    creds = {"credentials": {"accessKeyId": key}} if key else {}
    response = {
        **creds,
        "assumedRoleUser": {"arn": f"arn:aws:sts::{account}:assumed-role/{role}/{name}"},
    }
    return call(
        n,
        minute,
        "AssumeRole",
        who,
        eventSource="sts.amazonaws.com",
        requestParameters={
            "roleArn": f"arn:aws:iam::{account}:role/{role}",
            "roleSessionName": name,
        },
        responseElements=response,
        **fields,
    )


SERVICE = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}


def records() -> list[dict[str, Any]]:
    alice = user("alice", "AKIAALICE")
    ops = session("ops", "alice-s", "ASIAOPS1")
    deploy = session("deploy", "x", "ASIADEP1", OTHER, sourceIdentity="alice@corp")
    audit = session("audit", "y", "ASIAAUD", sourceIdentity="alice@corp")
    bob = user("bob", "AKIABOB")
    admin = session("admin", "bob", "ASIABOBADM")
    carol = user("carol", "AKIACAROL")
    ro1 = session("ro", "carol-s", "ASIARO1")
    ro2 = session("ro", "carol-s", "ASIARO2")
    return [
        call(1, 1, "GetCallerIdentity", alice),
        assume(2, 2, alice, "ops", "alice-s", "ASIAOPS1"),
        call(3, 3, "ListBuckets", ops),
        assume(4, 4, ops, "deploy", "x", "ASIADEP1", OTHER),
        call(5, 5, "PutObject", deploy, recipientAccountId=OTHER),
        call(7, 7, "GetObject", audit),
        call(
            8,
            8,
            "SwitchRole",
            admin,
            eventSource="signin.amazonaws.com",
            responseElements={"SwitchRole": "Success"},
            additionalEventData={"SwitchFrom": "arn:aws:iam::111122223333:user/bob"},
        ),
        call(9, 6, "ListUsers", bob),
        call(10, 9, "DescribeInstances", admin),
        call(11, 11, "ListRoles", carol),
        assume(15, 15, carol, "ro", "carol-s", None),
        call(16, 16, "GetObject", ro1),
        call(17, 16 + 13 * 60, "GetObject", ro2),
        assume(12, 12, SERVICE, "i-role", "i-1", "ASIAI1"),
        assume(13, 13, SERVICE, "i-role", "i-2", "ASIAI2"),
        call(18, 18, "DescribeTags", session("i-role", "i-1", "ASIAI1")),
        call(19, 19, "DescribeTags", session("i-role", "i-2", "ASIAI2")),
    ]


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return load(tmp_path_factory.mktemp("chain"), records())


def test_a_key_leads_back_to_its_issuer_and_on_across_accounts(trail: Session) -> None:
    found = chain(trail.frame, key="ASIAOPS1", texts=trail.texts)
    shape = [(n.depth, n.hop, n.key, n.start) for n in found.nodes]
    assert shape == [
        (0, "", "AKIAALICE", False),
        (1, "AssumeRole", "ASIAOPS1", True),
        (2, "AssumeRole", "ASIADEP1", False),
        (3, "sourceIdentity", "ASIAAUD", False),
    ]
    assert sorted(found.event_ids) == ["e1", "e2", "e3", "e4", "e5", "e7"]
    assert found.accounts == (ACCOUNT, OTHER)
    assert found.hops == 3
    assert [n.parent for n in found.nodes] == [None, 0, 1, 2]
    assert found.nodes[1].via == "e2"
    assert ids(trail.view(found.door)) == sorted(found.event_ids)
    for node in found.nodes:
        assert trail.view(node.door).height == node.count


def test_the_same_chain_from_either_end(trail: Session) -> None:
    from_start = chain(trail.frame, principal="alice", texts=trail.texts)
    from_end = chain(trail.frame, key="ASIAAUD", texts=trail.texts)
    assert sorted(from_start.event_ids) == sorted(from_end.event_ids)
    assert [n.key for n in from_start.nodes] == [n.key for n in from_end.nodes]


def test_switch_role_links_the_console_user_to_the_role(trail: Session) -> None:
    found = chain(trail.frame, principal="user/bob", texts=trail.texts)
    assert [(n.hop, n.key) for n in found.nodes] == [("", "AKIABOB"), ("SwitchRole", "ASIABOBADM")]
    assert sorted(found.event_ids) == ["e10", "e8", "e9"]
    # Without the text store there is no SwitchFrom to read: bob stays alone.
    alone = chain(trail.frame, principal="user/bob")
    assert [n.key for n in alone.nodes] == ["AKIABOB"]


def test_a_role_session_without_a_key_is_followed_for_twelve_hours(trail: Session) -> None:
    found = chain(trail.frame, principal="user/carol", texts=trail.texts)
    assert [(n.hop, n.key) for n in found.nodes] == [("", "AKIACAROL"), ("role session", "ASIARO1")]
    assert "e17" not in found.event_ids


def test_service_issued_sessions_never_join(trail: Session) -> None:
    found = chain(trail.frame, key="ASIAI1", texts=trail.texts)
    assert [n.key for n in found.nodes] == ["ASIAI1"]
    assert found.event_ids == ("e18",)


def test_a_key_never_used_starts_at_its_issuer(tmp_path: Path) -> None:
    alice = user("alice", "AKIAALICE")
    trail = load(tmp_path, [assume(1, 1, alice, "ops", "s", "ASIAUNUSED")])
    found = chain(trail.frame, key="ASIAUNUSED", texts=trail.texts)
    assert [(n.key, n.start) for n in found.nodes] == [("AKIAALICE", True)]


def test_a_users_console_session_and_access_key_are_one_identity(tmp_path: Path) -> None:
    # dave works with his access key, then signs in to the console (no key) and the console
    # acts with a session key of its own; erin, another user, never joins him.
    dave, erin = user("dave", "AKIADAVE"), user("erin", "AKIAERIN")
    console = {k: v for k, v in dave.items() if k != "accessKeyId"}
    records = [
        call(1, 1, "ListUsers", dave),
        call(2, 2, "ConsoleLogin", console, eventSource="signin.amazonaws.com"),
        call(3, 3, "GetAccountSummary", {**dave, "accessKeyId": "ASIADAVECONSOLE"}),
        call(4, 4, "ListRoles", erin),
    ]
    trail = load(tmp_path, records)
    found = chain(trail.frame, key="ASIADAVECONSOLE", texts=trail.texts)
    assert sorted(found.event_ids) == ["e1", "e2", "e3"]
    assert {n.key for n in found.nodes} == {"AKIADAVE", None, "ASIADAVECONSOLE"}
    assert ids(trail.view(found.door)) == ["e1", "e2", "e3"]


def test_an_unknown_start_is_an_empty_chain(trail: Session) -> None:
    found = chain(trail.frame, key="AKIANOBODY", texts=trail.texts)
    assert found.nodes == ()
    assert found.event_ids == ()
    assert trail.view(found.door).height == 0


def test_the_session_chains_question_lists_each_chain(trail: Session) -> None:
    answer = triage(trail.frame, texts=trail.texts, only=["session-chains"]).get("session-chains")
    roots = sorted(str(r.fields["root"]) for r in answer.rows)
    assert roots == [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:user/bob",
        "arn:aws:iam::111122223333:user/carol",
    ]
    alice = next(r for r in answer.rows if "alice" in str(r.fields["root"]))
    assert alice.fields["sessions"] == 4
    assert alice.fields["accounts"] == f"{ACCOUNT}, {OTHER}"
    assert answer.severity == "high"  # a chain across two accounts
    assert set(answer.event_ids) == {f"e{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 15, 16)}


def test_a_cycle_of_keys_ends(tmp_path: Path) -> None:
    a = user("a", "AKIAA")
    b = session("r", "b", "ASIAB")
    looped = [
        assume(1, 1, a, "r", "b", "ASIAB"),
        # Hostile: the session hands out the key that made it.
        call(
            2, 2, "GetSessionToken", b, responseElements={"credentials": {"accessKeyId": "AKIAA"}}
        ),
    ]
    trail = load(tmp_path, looped)
    found = chain(trail.frame, key="AKIAA", texts=trail.texts)
    assert sorted(n.key or "" for n in found.nodes) == ["AKIAA", "ASIAB"]
    assert sorted(found.event_ids) == ["e1", "e2"]


def test_graph_of_an_empty_view(trail: Session) -> None:
    empty = trail.frame.clear()
    built = graph(empty, trail.texts)
    assert built.nodes.height == 0
    assert built.edges.height == 0
    assert chain(empty, principal="alice").nodes == ()
