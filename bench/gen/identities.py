"""userIdentity builders: IAM users, assumed-role sessions, AWS services, and the Actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.gen.ids import iso

ACCOUNT = "111122223333"
#: The attacker's own account, which receives the shared snapshot.
ATTACKER_ACCOUNT = "444455556666"


def iam_user(
    name: str,
    pid: str,
    akid: str | None,
    *,
    session_created: datetime | None = None,
    mfa: bool = False,
    account: str = ACCOUNT,
) -> dict[str, Any]:
    """Return the userIdentity of an IAM user, with a sessionContext for console sessions."""
    ident: dict[str, Any] = {
        "type": "IAMUser",
        "principalId": pid,
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
    }
    if akid is not None:
        ident["accessKeyId"] = akid
    ident["userName"] = name
    if session_created is not None:
        ident["sessionContext"] = {
            "sessionIssuer": {},
            "webIdFederationData": {},
            "attributes": {
                "creationDate": iso(session_created),
                "mfaAuthenticated": "true" if mfa else "false",
            },
        }
    return ident


def role_session(
    role: str,
    role_pid: str,
    session: str,
    akid: str,
    created: datetime,
    *,
    path: str = "",
    mfa: bool = False,
    ec2: bool = False,
    web_identity: dict[str, Any] | None = None,
    source_identity: str | None = None,
    account: str = ACCOUNT,
) -> dict[str, Any]:
    """Return the userIdentity of an assumed-role session (SSO, CI, instance or plain)."""
    context: dict[str, Any] = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": role_pid,
            "arn": f"arn:aws:iam::{account}:role/{path}{role}",
            "accountId": account,
            "userName": role,
        },
        "webIdFederationData": web_identity or {},
        "attributes": {"creationDate": iso(created), "mfaAuthenticated": str(mfa).lower()},
    }
    if source_identity is not None:
        context["sourceIdentity"] = source_identity
    if ec2:
        context["ec2RoleDelivery"] = "2.0"
    return {
        "type": "AssumedRole",
        "principalId": f"{role_pid}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": akid,
        "sessionContext": context,
    }


def service_identity(invoked_by: str) -> dict[str, Any]:
    """Return the userIdentity of a call made by an AWS service on the account's behalf."""
    return {"type": "AWSService", "invokedBy": invoked_by}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a call: identity plus the address and agent they usually call from."""

    identity: dict[str, Any]
    ip: str
    user_agent: str
