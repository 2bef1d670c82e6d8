"""Hostile and broken input for every analysis: nulls, nothing, huge values, odd unicode,
missing times. Nothing may crash, and every answer stays JSON and inert text."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from ctir_tui.cli import main
from ctir_tui.engine.analyses.chain import chain
from ctir_tui.engine.analyses.first_seen import first_seen
from ctir_tui.engine.analyses.timeline import timeline
from ctir_tui.engine.analyses.top import COLUMN_NAMES, top
from ctir_tui.engine.analyses.triage import triage
from ctir_tui.engine.session import Session
from tests.analyses.build import call, load, session, user

EVIL = "\x1b]52;c;ZXZpbA==\x07\x1b[31mred\u202egnp.exe\u200b\x00"
HUGE = "A" * 100_000
#: What must never reach a terminal: C0 (but newline), DEL, C1, bidi overrides, zero-width.
LIVE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u200b-\u200f\u2066-\u2069]")


def hostile() -> list[dict[str, Any]]:
    evil = user(f"mallory{EVIL}", f"AKIA{EVIL}")
    records: list[dict[str, Any]] = [
        call(1, 0, f"ListUsers{EVIL}", evil, userAgent=HUGE, sourceIPAddress=EVIL),
        call(
            2,
            1,
            "ConsoleLogin",
            evil,
            responseElements={"ConsoleLogin": "Failure"},
            additionalEventData={"MFAUsed": EVIL},
        ),
        call(
            3,
            2,
            "AssumeRole",
            evil,
            responseElements={"credentials": {"accessKeyId": EVIL}},
            requestParameters={"roleArn": EVIL, "roleSessionName": HUGE},
        ),
        call(4, 3, "GetObject", session(EVIL, "s", EVIL), awsRegion=EVIL, userAgent="日本語🙂"),
        call(5, 4, "StopLogging", evil, requestParameters={"name": EVIL}),
        call(6, 5, "DeleteBucket", evil, requestParameters={"bucketName": HUGE}),
    ]
    # No identity, no region, no time, no eventID, no address (a record without a name is
    # no CloudTrail record: the load rejects it).
    bare = call(7, 6, "ListUsers", evil)
    for key in ("userIdentity", "awsRegion", "eventTime", "eventID", "sourceIPAddress"):
        bare.pop(key)
    records.append(bare)
    records.append(call(8, 7, "ListRoles", evil, eventTime="yesterday"))
    return records


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return load(tmp_path_factory.mktemp("hostile"), hostile())


def test_every_analysis_survives(trail: Session) -> None:
    frame = trail.frame
    for column in set(COLUMN_NAMES.values()):
        orjson.dumps(top(frame, column).to_json())
    orjson.dumps(timeline(frame).to_json())
    orjson.dumps(timeline(frame, timedelta(seconds=1)).to_json())
    orjson.dumps(first_seen(frame).to_json(None))
    for start in (EVIL, HUGE[:500], "", "mallory"):
        orjson.dumps(chain(frame, principal=start, texts=trail.texts).to_json())
        orjson.dumps(chain(frame, key=start, texts=trail.texts).to_json())
    answers = triage(frame, texts=trail.texts)
    data = answers.to_json()
    orjson.dumps(data)
    # Events without a time or an eventID are still counted where they belong.
    assert timeline(frame).no_time == 2
    assert answers.get("logging-tampering").count == 1
    assert answers.get("destruction").count == 1


def test_every_door_opens_on_its_events(trail: Session) -> None:
    answers = triage(trail.frame, texts=trail.texts)
    for answer in answers.answers:
        if answer.question.id != "coverage":
            assert trail.view(answer.door).height == answer.count, answer.question.id
        for row in answer.rows:
            assert trail.view(row.door).height == row.count, (answer.question.id, row.fields)


@pytest.mark.parametrize(
    "args",
    [
        ["triage", "--rows", "50"],
        ["top", "--by", "agent"],
        ["top", "--by", "principal"],
        ["top", "--by", "ip"],
        ["timeline", "--bucket", "1m"],
        ["first-seen"],
        ["chain", "--principal", "mallory"],
    ],
)
def test_text_output_is_inert_and_fits(
    trail: Session,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    folder = tmp_path_factory.mktemp("out")
    from tests.factory import write_s3

    write_s3(folder / "t.json.gz", hostile())
    monkeypatch.setenv("COLUMNS", "80")
    code = main([args[0], str(folder), *args[1:], "--no-cache"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip()
    for text in out.splitlines():
        assert not LIVE.search(text), repr(text)
        assert len(text) <= 80, repr(text)
    # JSON too: what a terminal would act on is escaped.
    assert main([args[0], str(folder), *args[1:], "--no-cache", "--json"]) == 0
    raw = capsys.readouterr().out
    assert not LIVE.search(raw.replace("\n", ""))
    orjson.loads(raw)


def test_a_view_of_nothing(tmp_path: Path) -> None:
    trail = load(tmp_path, hostile())
    empty = trail.frame.clear()
    assert top(empty, "principal").rows == ()
    assert timeline(empty).buckets == ()
    assert first_seen(empty).total == 0
    assert chain(empty, key="x").nodes == ()
    assert all(a.count == 0 for a in triage(empty).answers)
