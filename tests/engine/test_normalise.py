"""The record normalised: principals, MFA, issued keys, odd types, time forms."""

from __future__ import annotations

from pathlib import Path

from tests.factory import (
    load,
    record,
    write_jsonl,
    write_s3,
)

# --- the record -------------------------------------------------------------------------


def test_principal_normalisation_per_identity_type(tmp_path: Path) -> None:
    assumed = {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:session-1",
        "arn": "arn:aws:sts::111122223333:assumed-role/Admin/session-1",
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE000000001",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/Admin"},
            "attributes": {"mfaAuthenticated": "true", "creationDate": "x"},
            "sourceIdentity": "alice@example.com",
        },
    }
    records = [
        record(
            1,
            userIdentity={
                "type": "Root",
                "arn": "arn:aws:iam::111122223333:root",
                "accountId": "111122223333",
                "principalId": "111122223333",
            },
        ),
        record(2, userIdentity=assumed),
        record(3, userIdentity={"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}),
        record(
            4,
            userIdentity={
                "type": "IdentityCenterUser",
                "accountId": "111122223333",
                "onBehalfOf": {"userId": "9067-user"},
            },
        ),
        record(
            5,
            userIdentity={
                "type": "IAMUser",
                "accountId": "111122223333",
                "accessKeyId": "",
                "userName": "HIDDEN_DUE_TO_SECURITY_REASONS",
            },
        ),
    ]
    write_s3(tmp_path / "a.json.gz", records)
    rows = load(tmp_path).frame.to_dicts()
    assert [r["principal"] for r in rows] == [
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::111122223333:assumed-role/Admin/session-1",
        "ec2.amazonaws.com",
        "9067-user",
        "HIDDEN_DUE_TO_SECURITY_REASONS",
    ]
    assert rows[1]["session_issuer_arn"] == "arn:aws:iam::111122223333:role/Admin"
    assert rows[1]["source_identity"] == "alice@example.com"
    assert rows[1]["mfa"] is True
    assert rows[4]["access_key_id"] is None  # "" is no key


def test_console_login_mfa_and_assume_role_issued_key(tmp_path: Path) -> None:
    login = record(
        1,
        eventName="ConsoleLogin",
        eventType="AwsConsoleSignIn",
        eventSource="signin.amazonaws.com",
        responseElements={"ConsoleLogin": "Success"},
        additionalEventData={"MFAUsed": "NO", "LoginTo": "https://console.aws.amazon.com"},
    )
    assume = record(
        2,
        eventName="AssumeRole",
        eventSource="sts.amazonaws.com",
        responseElements={
            "credentials": {
                "accessKeyId": "ASIANEWKEY0000000001",
                "expiration": "x",
                "sessionToken": "y",
            }
        },
    )
    write_s3(tmp_path / "a.json.gz", [login, assume])
    rows = load(tmp_path).frame.to_dicts()
    assert rows[0]["console_login"] == "Success"
    assert rows[0]["mfa_used"] is False  # MFAUsed "NO": the login's own flag, any case
    assert rows[0]["mfa"] is None  # no session context: the session flag is unknown
    assert rows[1]["mfa_used"] is None  # only console logins say
    assert rows[1]["issued_access_key_id"] == "ASIANEWKEY0000000001"


def test_odd_types_do_not_break_a_file(tmp_path: Path) -> None:
    # readOnly as a string, a numeric region and a userIdentity that is a string:
    # the file falls back to the tolerant parser, and every record still loads.
    records = [
        record(1, readOnly="true"),
        record(2, awsRegion=7),
        record(3, userIdentity="weird"),
        record(4, responseElements={"credentials": "redacted"}),
    ]
    write_s3(tmp_path / "a.json.gz", records)
    result = load(tmp_path)
    assert result.frame.height == 4
    assert result.frame.get_column("read_only").to_list() == [True, True, True, True]
    assert result.frame.get_column("region").to_list()[1] == "7"


def test_time_forms(tmp_path: Path) -> None:
    forms = [
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:00:00.250Z",
        "2026-03-01T12:00:00+02:00",
        "2026-03-01 21:00:00+11:00",
        "2026-03-01T10:00:00",
        "not a time",
    ]
    write_jsonl(tmp_path / "t.jsonl", [record(i, eventTime=f) for i, f in enumerate(forms)])
    frame = load(tmp_path).frame
    got = frame.sort("event_id").get_column("time").dt.strftime("%H:%M:%S%.3f").to_list()
    assert got == [
        "10:00:00.000",
        "10:00:00.250",
        "10:00:00.000",
        "10:00:00.000",
        "10:00:00.000",
        None,
    ]
