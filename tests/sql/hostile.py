"""Hand-made records that try to break SQL: quotes, backslashes, comment marks, unicode,
IPv6 in every spelling, things that are no address, missing and odd times, nulls, copies.

Each record is named by its ``requestID`` (``req-NAME``); tests state the names they
expect literally, so a mistake shared by ctir's view and the SQL is caught.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

ACCOUNT = "111122223333"
SESSION_KEY = "ASIAEXAMPLEKEY00001"


def _rec(name: str, time: str | None = "2025-03-11T10:00:00Z", **fields: Any) -> dict[str, Any]:
    identity = {
        "type": "IAMUser",
        "principalId": f"AIDA{name.upper().replace('-', '')[:12]}",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLE" + name.upper().replace("-", "")[:9],
        "userName": name,
    }
    identity.update(fields.pop("identity", {}))
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventSource": "iam.amazonaws.com",
        "eventName": "ListUsers",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"maxItems": 100},
        "responseElements": None,
        "requestID": f"req-{name}",
        "eventID": f"id-{name}",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if time is not None:
        record["eventTime"] = time
    record.update(fields)
    return record


def _user(name: str) -> dict[str, Any]:
    return {"userName": name, "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}"}


#: (delivery day, record): the day is the S3 folder the record was delivered under.
RECORDS: list[tuple[str, dict[str, Any]]] = [
    (
        "2025/03/11",
        _rec(
            "alice",
            "2025-03-11T09:00:00Z",
            eventName="ConsoleLogin",
            eventSource="signin.amazonaws.com",
            eventType="AwsConsoleSignIn",
            sourceIPAddress="203.0.113.7",
            responseElements={"ConsoleLogin": "Success"},
            additionalEventData={"MFAUsed": "Yes"},
            readOnly=False,
        ),
    ),
    (
        "2025/03/11",
        # A failed console login as CloudTrail writes it: no errorCode, only the message.
        _rec(
            "badlogin",
            "2025-03-11T09:05:00Z",
            eventName="ConsoleLogin",
            eventSource="signin.amazonaws.com",
            eventType="AwsConsoleSignIn",
            sourceIPAddress="203.0.113.9",
            responseElements={"ConsoleLogin": "Failure"},
            additionalEventData={"MFAUsed": "No"},
            errorMessage="Failed authentication",
            readOnly=False,
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "obrien",
            identity=_user("o'brien"),
            sourceIPAddress="198.51.100.1",
            userAgent="aws-cli'; DROP TABLE cloudtrail_logs; --",
        ),
    ),
    (
        "2025/03/11",
        _rec("backslash", identity=_user("back\\slash\\"), sourceIPAddress="2001:db8::1"),
    ),
    (
        "2025/03/11",
        _rec(
            "comment",
            identity=_user("evil*/name"),
            sourceIPAddress="2001:DB8:0:0::2",
            userAgent="ua */ -- \n SELECT 1 /*",
            eventName="GetObject",
            eventSource="s3.amazonaws.com",
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "newline",
            identity=_user("line\nbreak"),
            sourceIPAddress="::ffff:10.1.2.3",
            eventName="CreateUser",
            errorCode="AccessDenied",
            errorMessage="User: x is not authorized",
            readOnly=False,
        ),
    ),
    ("2025/03/11", _rec("percent", identity=_user("100%_admin"), sourceIPAddress="10.20.30.40")),
    ("2025/03/11", _rec("decoy", identity=_user("100xyadmin"), sourceIPAddress="AWS Internal")),
    (
        "2025/03/11",
        _rec("unicode", identity=_user("ÅSA-Łukasz-日本"), sourceIPAddress="ec2.amazonaws.com"),
    ),
    (
        "2025/03/11",
        _rec(
            "service",
            identity={
                "type": "AWSService",
                "invokedBy": "ec2.amazonaws.com",
                "arn": None,
                "userName": None,
                "principalId": None,
                "accessKeyId": None,
                "accountId": None,
            },
            sourceIPAddress="ec2.amazonaws.com",
            eventName="AssumeRole",
            eventSource="sts.amazonaws.com",
            readOnly=None,
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "sso",
            identity={
                "type": "IdentityCenterUser",
                "onBehalfOf": {"userId": "9067-sso-user"},
                "arn": None,
                "userName": None,
                "principalId": None,
                "accessKeyId": "",
            },
            sourceIPAddress="fe80::1",
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "root",
            identity={"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "userName": None},
            sourceIPAddress=" 10.0.0.5 ",
            eventName="DeleteTrail",
            eventSource="cloudtrail.amazonaws.com",
            errorCode="",
            readOnly="TRUE",
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "assumed",
            identity={
                "type": "AssumedRole",
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ops-break-glass/maint-0312",
                "userName": None,
                "accessKeyId": SESSION_KEY,
                "sessionContext": {
                    "attributes": {"mfaAuthenticated": "true"},
                    "sessionIssuer": {
                        "type": "Role",
                        "arn": f"arn:aws:iam::{ACCOUNT}:role/ops-break-glass",
                    },
                },
            },
            eventName="StopLogging",
            eventSource="cloudtrail.amazonaws.com",
            sourceIPAddress="2001:db9::1",
            readOnly="false",
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "issuer",
            eventName="AssumeRole",
            eventSource="sts.amazonaws.com",
            responseElements={"credentials": {"accessKeyId": SESSION_KEY}},
            sourceIPAddress="::1",
        ),
    ),
    ("2025/03/11", _rec("no-time", None, eventName="CreateUser", sourceIPAddress="10.9.9.9")),
    ("2025/03/11", _rec("bad-time", "yesterday", sourceIPAddress="192.0.2.1")),
    ("2025/03/11", _rec("fraction", "2025-03-11T12:00:00.500Z")),
    ("2025/03/11", _rec("offset", "2025-03-11T14:00:00+02:00")),
    # Written late in the day, delivered under the next day's prefix.
    ("2025/03/12", _rec("midnight", "2025-03-11T23:58:00Z", eventName="DeleteTrail")),
    ("2025/03/12", _rec("next-day", "2025-03-12T08:00:00Z", sourceIPAddress="10.0.0.1")),
    (
        "2025/03/11",
        _rec(
            "lambda",
            eventName="UpdateFunctionCode20150331v2",
            eventSource="lambda.amazonaws.com",
        ),
    ),
    (
        "2025/03/11",
        _rec(
            "lambda-decoy",
            eventName="UpdateFunctionCode20150331v2x",
            eventSource="lambda.amazonaws.com",
        ),
    ),
    ("2025/03/11", _rec("weird", eventName="Weird.Name+(x)")),
    ("2025/03/11", _rec("weird-decoy", eventName="WeirdXName+(x)")),
    ("2025/03/11", _rec("no-ip", sourceIPAddress=None, userIdentity=None)),
    # A proxy chain: one value, two addresses (neither the whole text is one).
    ("2025/03/11", _rec("proxy", sourceIPAddress="203.0.113.50, 10.77.0.1")),
    ("2025/03/11", _rec("no-id-a", eventID=None)),
    ("2025/03/11", _rec("no-id-b", eventID=None)),
    ("2025/03/11", _rec("blank-id", eventID="")),
]

#: A re-delivered copy of alice's login, in the next day's folder (another file).
COPIES: list[tuple[str, dict[str, Any]]] = [("2025/03/12", RECORDS[0][1])]


def every_row() -> list[tuple[str, dict[str, Any]]]:
    """What Athena reads: every delivered record, copies included."""
    return RECORDS + COPIES


def names() -> set[str]:
    """Every distinct record's name."""
    return {str(r["requestID"]).removeprefix("req-") for _, r in RECORDS}


def write_trail(root: Path) -> Path:
    """The records as S3 delivery files, one per day (the copy in a file of its own)."""
    base = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1"
    by_day: dict[str, list[dict[str, Any]]] = {}
    for day, record in RECORDS:
        by_day.setdefault(day, []).append(record)
    for day, records in by_day.items():
        folder = base / day
        folder.mkdir(parents=True, exist_ok=True)
        stamp = day.replace("/", "")
        name = f"{ACCOUNT}_CloudTrail_us-east-1_{stamp}T2355Z_a.json"
        (folder / name).write_bytes(orjson.dumps({"Records": records}))
    for n, (day, record) in enumerate(COPIES):
        folder = base / day
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{ACCOUNT}_CloudTrail_us-east-1_{day.replace('/', '')}T0005Z_copy{n}.json"
        (folder / name).write_bytes(orjson.dumps({"Records": [record]}))
    return root
