"""Correlation rules: sliding windows, groups, aliases, and what is reported instead of run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.detections.helpers import eid, hits_by_title, rec, rule_text, run

HEAD = "id: {id}\nauthor: ctir tests\nlevel: high\n"


def at(n: int, seconds: int, **fields: Any) -> dict[str, Any]:
    """Record ``n`` at 10:00:00 plus ``seconds``."""
    minutes, secs = divmod(seconds, 60)
    return rec(
        n, eventTime=f"2026-03-01T{10 + minutes // 60:02d}:{minutes % 60:02d}:{secs:02d}Z", **fields
    )


def failed_login(n: int, seconds: int, ip: str) -> dict[str, Any]:
    return at(n, seconds, eventSource="signin.amazonaws.com", eventName="ConsoleLogin",
              sourceIPAddress=ip, responseElements={"ConsoleLogin": "Failure"})  # fmt: skip


BASE = rule_text("failed login", "sel:\n  eventName: ConsoleLogin\n"
                 "  responseElements.ConsoleLogin: Failure\ncondition: sel").replace(
    "author:", "name: failed_login\nauthor:")  # fmt: skip


def correlation(title: str, body: str, number: int) -> str:
    return f"title: {title}\n" + HEAD.format(id=f"00000000-0000-4000-8000-{number:012d}") + body


def test_event_count_in_a_sliding_window(tmp_path: Path) -> None:
    records = [failed_login(n, 10 * n, "203.0.113.9") for n in range(1, 7)]  # 6 within 60 s
    records += [failed_login(n, 10 * n, "192.0.2.1") for n in range(7, 11)]  # 4: too few
    records += [failed_login(11, 2000, "203.0.113.9")]  # alone, 30 min later
    burst = correlation(
        "burst",
        "correlation:\n  type: event_count\n  rules: [failed_login]\n"
        "  group-by: [sourceIPAddress]\n  timespan: 10m\n  condition: {gte: 5}\n",
        1,
    )
    result, _ = run(tmp_path, records, {"base.yml": BASE, "burst.yml": burst})
    assert hits_by_title(result) == {"burst": {eid(n) for n in range(1, 7)}}  # base hidden


def test_a_window_excludes_its_start(tmp_path: Path) -> None:
    # 5 events 150 s apart: any 10-minute window (t - 600 s, t] holds 4 of them.
    records = [failed_login(n, 150 * (n - 1), "203.0.113.9") for n in range(1, 6)]
    burst = correlation(
        "burst",
        "correlation:\n  type: event_count\n  rules: [failed_login]\n"
        "  group-by: [sourceIPAddress]\n  timespan: 10m\n  condition: {gte: 5}\n",
        2,
    )
    result, _ = run(tmp_path, records, {"base.yml": BASE, "burst.yml": burst})
    assert hits_by_title(result) == {}


def test_generate_keeps_the_base_rule(tmp_path: Path) -> None:
    records = [failed_login(1, 0, "203.0.113.9")]
    burst = correlation(
        "burst",
        "correlation:\n  type: event_count\n  rules: [failed_login]\n"
        "  generate: true\n  timespan: 10m\n  condition: {gte: 5}\n",
        3,
    )
    result, _ = run(tmp_path, records, {"base.yml": BASE, "burst.yml": burst})
    assert hits_by_title(result) == {"failed login": {eid(1)}}


def test_value_count(tmp_path: Path) -> None:
    x = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/x", "userName": "x"}
    y = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/y", "userName": "y"}
    records = [at(1, 0, eventName="ListUsers", userIdentity=x),
               at(2, 30, eventName="ListRoles", userIdentity=x),
               at(3, 60, eventName="ListUsers", userIdentity=x),
               at(4, 90, eventName="ListGroups", userIdentity=x)]  # fmt: skip
    records += [at(n, 10 * n, eventName="ListUsers", userIdentity=y) for n in range(5, 10)]
    base = rule_text("lists", "sel:\n  eventName|startswith: List\ncondition: sel").replace(
        "author:", "name: lists\nauthor:"
    )
    spread = correlation(
        "spread",
        "correlation:\n  type: value_count\n  rules: [lists]\n"
        "  group-by: [userIdentity.arn]\n  timespan: 5m\n"
        "  condition: {field: eventName, gte: 3}\n",
        4,
    )
    result, _ = run(tmp_path, records, {"base.yml": base, "spread.yml": spread})
    assert hits_by_title(result) == {"spread": {eid(1), eid(2), eid(3), eid(4)}}


def test_temporal_with_an_alias_into_the_response(tmp_path: Path) -> None:
    creates = [
        at(
            1,
            10,
            eventName="CreateAccessKey",
            responseElements={"accessKey": {"accessKeyId": "AKIANEW"}},
        ),
        at(
            2,
            20,
            eventName="CreateAccessKey",
            responseElements={"accessKey": {"accessKeyId": "AKIAOTHER"}},
        ),
    ]
    new_key = {
        "type": "IAMUser",
        "arn": "arn:aws:iam::111122223333:user/bob",
        "accessKeyId": "AKIANEW",
    }
    uses = [at(3, 100, eventName="ListBuckets", userIdentity=new_key),
            at(4, 5000, eventName="ListBuckets", userIdentity=new_key)]  # fmt: skip
    created = rule_text("created", "sel:\n  eventName: CreateAccessKey\ncondition: sel").replace(
        "author:", "name: created\nauthor:"
    )
    used = rule_text("used", "sel:\n  eventName: ListBuckets\ncondition: sel").replace(
        "author:", "name: used\nauthor:"
    )
    chain = correlation(
        "new key used",
        "correlation:\n  type: temporal\n  rules: [created, used]\n"
        "  aliases:\n    key:\n      created: responseElements.accessKey.accessKeyId\n"
        "      used: userIdentity.accessKeyId\n"
        "  group-by: [key]\n  timespan: 10m\n",
        5,
    )
    result, _ = run(tmp_path, creates + uses,
                    {"created.yml": created, "used.yml": used, "chain.yml": chain})  # fmt: skip
    assert hits_by_title(result) == {"new key used": {eid(1), eid(3)}}


def test_what_is_not_evaluated_is_reported(tmp_path: Path) -> None:
    ordered = correlation(
        "ordered",
        "correlation:\n  type: temporal_ordered\n  rules: [failed_login]\n  timespan: 10m\n",
        6,
    )
    summed = correlation(
        "summed",
        "correlation:\n  type: value_sum\n  rules: [failed_login]\n"
        "  timespan: 10m\n  condition: {field: x, gte: 3}\n",
        7,
    )
    orphan = correlation(
        "orphan",
        "correlation:\n  type: event_count\n  rules: [nowhere]\n"
        "  timespan: 10m\n  condition: {gte: 3}\n",
        8,
    )
    broken = rule_text("broken", "sel:\n  eventName|wide: x\ncondition: sel").replace(
        "author:", "name: broken\nauthor:"
    )
    on_broken = correlation(
        "on broken",
        "correlation:\n  type: event_count\n  rules: [broken]\n"
        "  timespan: 10m\n  condition: {gte: 3}\n",
        9,
    )
    result, ruleset = run(tmp_path, [failed_login(1, 0, "192.0.2.1")], {
        "base.yml": BASE, "ordered.yml": ordered, "summed.yml": summed, "orphan.yml": orphan,
        "broken.yml": broken, "on_broken.yml": on_broken})  # fmt: skip
    reasons = {n.rule.split(" [")[0]: n.reason for n in ruleset.not_compiled}
    assert "temporal_ordered is not evaluated" in reasons["ordered"]
    assert "value_sum is not evaluated" in reasons["summed"]
    assert "'nowhere', which is not loaded" in reasons["orphan"]
    assert "not compiled: modifier 'wide'" in reasons["on broken"]
    assert result.compiled == 1  # the base rule
