"""Hand-made trails for the analyses' tests: records at given minutes, loaded as ctir loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.session import Session
from tests.factory import ACCOUNT, record, write_s3

OTHER = "444455556666"


def at(minute: int, second: int = 0, day: int = 1) -> str:
    """2026-03-0DAY at 10:00 plus ``minute`` minutes."""
    hours, minutes = divmod(minute, 60)
    return f"2026-03-{day:02d}T{10 + hours:02d}:{minutes:02d}:{second:02d}Z"


def user(name: str, key: str, account: str = ACCOUNT) -> dict[str, Any]:
    """An IAM user's userIdentity."""
    return {
        "type": "IAMUser",
        "principalId": f"AIDA{name.upper()}",
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": key,
        "userName": name,
    }


def session(
    role: str, name: str, key: str, account: str = ACCOUNT, **context: Any
) -> dict[str, Any]:
    """A role session's userIdentity."""
    ctx: dict[str, Any] = {
        "sessionIssuer": {
            "type": "Role",
            "arn": f"arn:aws:iam::{account}:role/{role}",
            "accountId": account,
            "userName": role,
        },
        "attributes": {"mfaAuthenticated": "false"},
    }
    ctx.update(context)
    return {
        "type": "AssumedRole",
        "principalId": f"AROA{role.upper()}:{name}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{name}",
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": ctx,
    }


def call(n: int, minute: int, name: str, identity: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Record ``n`` (eventID ``e<n>``) at ``minute``, made by ``identity``."""
    second = fields.pop("second", 0)
    given: dict[str, Any] = {
        "eventID": f"e{n}",
        "requestID": f"r{n}",
        "eventTime": at(minute, second),
        "eventName": name,
        "userIdentity": identity,
    }
    given.update(fields)
    return record(n, **given)


def load(tmp_path: Path, records: list[dict[str, Any]], name: str = "t") -> Session:
    """The records as one delivery file, loaded without a cache."""
    write_s3(tmp_path / name / "trail.json.gz", records)
    return Session.open([tmp_path / name], LoadOptions(use_cache=False))


def ids(frame: Any) -> list[str]:
    """The event IDs of a frame, sorted."""
    return sorted(str(v) for v in frame.get_column("event_id").to_list())
