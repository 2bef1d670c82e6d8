"""First-seen over a hand-made trail: what is new, to whom, and in what order."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ctir_tui.engine.analyses.first_seen import first_seen
from ctir_tui.engine.session import Session
from tests.analyses.build import call, load, session, user

CLI = "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux md/command#{}"


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Session:
    alice = user("alice", "AKIAALICE")
    # Role sessions: one actor, the role, whatever the session's name.
    s1 = session("app", "i-0aaa", "ASIA1")
    s2 = session("app", "i-0bbb", "ASIA2")
    service = {"type": "AWSService", "invokedBy": "config.amazonaws.com"}
    ip = "198.51.100.7"
    records = [
        # Baseline (before minute 60).
        call(1, 0, "ListUsers", alice, sourceIPAddress=ip, userAgent=CLI.format("iam.list-users")),
        call(2, 10, "GetObject", s1, sourceIPAddress="10.0.0.1"),
        call(3, 20, "Describe", service, sourceIPAddress="config.amazonaws.com"),
        # After.
        call(
            4,
            70,
            "ListUsers",
            alice,
            sourceIPAddress="203.0.113.66",
            userAgent=CLI.format("iam.list-users"),
        ),
        # Another command of the same aws-cli: not a new agent.
        call(5, 71, "ListRoles", alice, sourceIPAddress=ip, userAgent=CLI.format("iam.list-roles")),
        call(6, 72, "GetObject", s2, sourceIPAddress="10.0.0.1"),
        call(7, 73, "PutObject", s2, sourceIPAddress="10.0.0.1", awsRegion="ap-south-1"),
        call(8, 74, "ListUsers", user("eve", "AKIAEVE"), sourceIPAddress="203.0.113.66"),
        call(
            9,
            80,
            "Describe",
            service,
            sourceIPAddress="config.amazonaws.com",
            awsRegion="sa-east-1",
        ),
    ]
    return load(tmp_path_factory.mktemp("seen"), records)


def new(trail: Session, **kw) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    found = first_seen(trail.frame, **kw)
    return {(r.actor.rsplit("/", 1)[-1], r.kind, r.value) for r in found.rows(None)}


def test_values_new_after_the_baseline(trail: Session) -> None:
    baseline = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert new(trail, baseline_until=baseline) == {
        ("alice", "ip", "203.0.113.66"),
        ("alice", "event", "ListRoles"),
        ("app", "event", "PutObject"),
        ("app", "region", "ap-south-1"),
        ("eve", "ip", "203.0.113.66"),
        ("eve", "event", "ListUsers"),
        ("eve", "region", "us-east-1"),
        ("eve", "agent", "aws-cli/2.15.0"),
    }


def test_ranking_and_doors(trail: Session) -> None:
    found = first_seen(trail.frame, baseline_until=datetime(2026, 3, 1, 11, 0, tzinfo=UTC))
    rows = found.rows(None)
    # An established actor's new region or address, never seen before: the most telling;
    # the region, used by no one else, before the address that eve uses too.
    assert [(r.actor.rsplit("/", 1)[-1], r.kind, r.value, r.score) for r in rows[:2]] == [
        ("app", "region", "ap-south-1", 4.0),
        ("alice", "ip", "203.0.113.66", 3.5),
    ]
    second = rows[1]
    assert second.new_to_all
    assert not second.new_actor
    assert second.users == 2
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    eve = [r for r in rows if "eve" in r.actor]
    assert eve
    assert all(r.new_actor for r in eve)
    # New to eve, not to everyone: the app role's sessions used that agent and that call
    # before the baseline; nobody had used the address.
    novel = {(r.kind, r.value): r.new_to_all for r in eve}
    assert novel == {
        ("ip", "203.0.113.66"): True,
        ("event", "ListUsers"): False,
        ("region", "us-east-1"): False,
        ("agent", "aws-cli/2.15.0"): False,
    }
    for row in rows:
        assert trail.view(row.door).height == row.count, row
    assert found.first_keys() == ["e4", "e5", "e7", "e8"]
    assert (found.actors, found.new_actors) == (3, 1)


def test_the_default_baseline_is_the_first_half(trail: Session) -> None:
    found = first_seen(trail.frame)
    assert found.baseline == datetime(2026, 3, 1, 10, 40, tzinfo=UTC)
    # The service's new region is not reported: services are left out.
    assert not any("config" in r.actor for r in found.rows(None))


def test_nothing_new_and_nothing_timed(tmp_path: Path) -> None:
    alice = user("alice", "AKIAALICE")
    same = load(tmp_path, [call(1, 0, "ListUsers", alice), call(2, 90, "ListUsers", alice)])
    assert first_seen(same.frame).rows(None) == ()
    bare = {k: v for k, v in call(3, 0, "ListUsers", alice).items() if k != "eventTime"}
    timeless = load(tmp_path, [bare], "timeless")
    found = first_seen(timeless.frame)
    assert found.baseline is None
    assert found.total == 0


def test_one_principal_judged_against_everyone(trail: Session) -> None:
    baseline = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    found = first_seen(trail.frame, baseline_until=baseline, principal="ALICE")
    assert {(r.kind, r.value) for r in found.rows(None)} == {
        ("ip", "203.0.113.66"),
        ("event", "ListRoles"),
    }
    # eve uses the address too: counted, though eve's own rows are not shown.
    assert next(r for r in found.rows(None) if r.kind == "ip").users == 2
    assert found.baseline == baseline
