"""The attacker gets in: recon with the leaked key, the console, a new user, the role hop.

Steps 1 to 4 of the story in ``incident``; each emits its calls into the Scenario.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bench.gen.agents import SERVICE_PREFIX, UA_FIREFOX, UA_KALI_BOTO, UA_KALI_CLI, cli_agent
from bench.gen.api import (
    assume_role_response,
    denied_message,
    role_resources,
    s3_additional,
    s3_req,
)
from bench.gen.identities import ACCOUNT, Actor, iam_user, role_session
from bench.gen.ids import aws_date, key_id, walk
from bench.gen.scenario import ATTACKER_CONSOLE_IP, ATTACKER_IP, ATTACKER_IPV6, Scenario

#: The IAM user whose key and console password leaked.
LEAKED = "svc-backup"
#: The user the attacker creates, the role it assumes and the session's name.
NEW_USER = "backup-sync"
ROLE = "ops-break-glass"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
SESSION = "maint-0312"


def recon(s: Scenario, t0: datetime) -> None:
    """1. The leaked key is tried, then the account is mapped (four calls denied)."""
    r = s.rng
    leaked = LEAKED
    arn = f"arn:aws:iam::{ACCOUNT}:user/{leaked}"

    def kali(ip: str = ATTACKER_IP, user: str = leaked) -> Actor:
        return s.user(user, ip, UA_KALI_BOTO)

    times = iter(walk(r, t0, 40, 3, 25))
    s.emit(t0, kali(), "sts.amazonaws.com", "GetCallerIdentity", "us-east-1")
    denied = "AccessDenied"
    recon: list[tuple[str, str, str, dict[str, Any] | None, str | None]] = [
        ("iam", "ListUsers", "us-east-1", {"maxItems": 1000}, None),
        ("iam", "ListRoles", "us-east-1", {"maxItems": 1000}, None),
        ("iam", "ListGroups", "us-east-1", None, None),
        ("s3", "ListBuckets", "us-east-1", {"Host": "s3.amazonaws.com"}, None),
        (
            "iam",
            "GetAccountAuthorizationDetails",
            "us-east-1",
            {"filter": ["User", "Role", "Group", "LocalManagedPolicy"]},
            denied,
        ),
        ("iam", "ListAccessKeys", "us-east-1", {"userName": leaked}, None),
        ("iam", "ListAccessKeys", "us-east-1", {"userName": "alice"}, denied),
        ("iam", "ListAttachedUserPolicies", "us-east-1", {"userName": leaked}, None),
        ("ec2", "DescribeInstances", "us-east-1", {"instancesSet": {}, "filterSet": {}}, None),
        ("ec2", "DescribeInstances", "eu-west-1", {"instancesSet": {}, "filterSet": {}}, None),
        ("secretsmanager", "ListSecrets", "us-east-1", None, denied),
        ("rds", "DescribeDBInstances", "us-east-1", None, denied),
        (
            "s3",
            "GetBucketAcl",
            "us-east-1",
            s3_req("acme-customer-exports", "us-east-1", acl=""),
            None,
        ),
        ("cloudtrail", "DescribeTrails", "us-east-1", {"includeShadowTrails": True}, None),
        ("guardduty", "ListDetectors", "us-east-1", None, None),
    ]
    for svc, name, region, req, err in recon:
        msg = None
        if err:
            action = f"{SERVICE_PREFIX.get(svc, svc)}:{name}"
            msg = denied_message(
                arn, action, f"arn:aws:{svc}:{region if svc != 'iam' else ''}:{ACCOUNT}:*"
            )
        s.emit(
            next(times),
            kali(),
            f"{svc}.amazonaws.com",
            name,
            region,
            req=req,
            error=err,
            error_message=msg,
            additional=s3_additional(r, 2048) if svc == "s3" else None,
        )


def console(s: Scenario, t0: datetime) -> None:
    """2. Console: a guessed user name, a wrong password, then the real one, no MFA."""
    r = s.rng
    leaked = LEAKED
    t = t0 + timedelta(minutes=16)
    s.console_login(
        t,
        "HIDDEN_DUE_TO_SECURITY_REASONS",
        ATTACKER_CONSOLE_IP,
        UA_FIREFOX,
        mfa=False,
        ok=False,
    )
    t += timedelta(seconds=31)
    s.console_login(t, leaked, ATTACKER_CONSOLE_IP, UA_FIREFOX, mfa=False, ok=False)
    t += timedelta(seconds=24)
    s.console_login(t, leaked, ATTACKER_CONSOLE_IP, UA_FIREFOX, mfa=False)
    console = Actor(
        iam_user(leaked, s.pids[leaked], key_id(r, "ASIA"), session_created=t),
        ATTACKER_CONSOLE_IP,
        UA_FIREFOX,
    )
    s.emit(
        t + timedelta(seconds=9),
        console,
        "iam.amazonaws.com",
        "GetAccountSummary",
        "us-east-1",
        from_console=True,
    )
    s.emit(
        t + timedelta(seconds=12),
        console,
        "iam.amazonaws.com",
        "ListAccountAliases",
        "us-east-1",
        from_console=True,
    )


def persistence(s: Scenario, t0: datetime) -> None:
    """3. A new user with a key and a password, then made an administrator."""
    r = s.rng
    leaked, new = LEAKED, NEW_USER

    def cli(name: str) -> Actor:
        return s.user(leaked, ATTACKER_IP, cli_agent("iam", name, UA_KALI_CLI))

    times = iter(walk(r, t0 + timedelta(minutes=22), 12, 15, 30))
    t = next(times)
    s.emit(
        t,
        cli("CreateUser"),
        "iam.amazonaws.com",
        "CreateUser",
        "us-east-1",
        req={"userName": new},
        resp={
            "user": {
                "path": "/",
                "userName": new,
                "userId": s.pids[new],
                "arn": f"arn:aws:iam::{ACCOUNT}:user/{new}",
                "createDate": aws_date(t),
            }
        },
    )
    t = next(times)
    s.emit(
        t,
        cli("CreateAccessKey"),
        "iam.amazonaws.com",
        "CreateAccessKey",
        "us-east-1",
        req={"userName": new},
        resp={
            "accessKey": {
                "accessKeyId": s.keys[new],
                "status": "Active",
                "userName": new,
                "createDate": aws_date(t),
            }
        },
    )
    t = next(times)
    s.emit(
        t,
        cli("CreateLoginProfile"),
        "iam.amazonaws.com",
        "CreateLoginProfile",
        "us-east-1",
        req={"userName": new, "passwordResetRequired": False},
        resp={
            "loginProfile": {
                "userName": new,
                "createDate": aws_date(t),
                "passwordResetRequired": False,
            }
        },
    )

    # 4. Privilege escalation of the new user.
    s.emit(
        next(times),
        cli("AttachUserPolicy"),
        "iam.amazonaws.com",
        "AttachUserPolicy",
        "us-east-1",
        req={"userName": new, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    s.emit(
        next(times),
        cli("PutUserPolicy"),
        "iam.amazonaws.com",
        "PutUserPolicy",
        "us-east-1",
        req={"userName": new, "policyName": "sync-access", "policyDocument": doc},
    )
    s.emit(
        next(times),
        cli("AddUserToGroup"),
        "iam.amazonaws.com",
        "AddUserToGroup",
        "us-east-1",
        req={"groupName": "Admins", "userName": new},
    )


def role_hop(s: Scenario, t0: datetime) -> tuple[dict[str, Any], str, datetime]:
    """4. The new user's key, from IPv6, hops into a privileged role.

    Return the session's userIdentity, its ASIA key and the time of the AssumeRole.
    """
    r = s.rng
    new, role, role_arn, session = NEW_USER, ROLE, ROLE_ARN, SESSION
    t = t0 + timedelta(minutes=27, seconds=2)
    v6 = s.user(new, ATTACKER_IPV6, cli_agent("sts", "GetCallerIdentity", UA_KALI_CLI))
    s.emit(t, v6, "sts.amazonaws.com", "GetCallerIdentity", "us-east-1")
    asia = key_id(r, "ASIA")
    t += timedelta(seconds=28)
    s.emit(
        t,
        Actor(v6.identity, ATTACKER_IPV6, cli_agent("sts", "AssumeRole", UA_KALI_CLI)),
        "sts.amazonaws.com",
        "AssumeRole",
        "us-east-1",
        req={"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600},
        resp=assume_role_response(r, t, role, s.role_pids[role], session, asia),
        resources=role_resources(role_arn),
        read_only=True,
    )
    hop = role_session(role, s.role_pids[role], session, asia, t)
    return hop, asia, t
