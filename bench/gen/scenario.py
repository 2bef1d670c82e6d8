"""The sample's world: the account's cast and addresses, and the Scenario that records calls."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from bench.gen.api import ReadCall, read_call
from bench.gen.identities import ACCOUNT, Actor, iam_user
from bench.gen.ids import hexid, key_id, unique_id, uuid4
from bench.gen.record import Record, event

START = datetime(2025, 3, 10, tzinfo=UTC)
DAYS = 3
OFFICE_IP = "198.51.100.23"
BOB_IP = "203.0.113.77"
CAROL_IP = "198.51.100.40"
BACKUP_SERVER_IP = "198.51.100.24"
GHA_IPS = ("20.57.130.61", "4.227.184.17", "172.183.51.40", "20.42.11.197")
BUCKETS = (
    "acme-prod-assets",
    "acme-terraform-state",
    "acme-app-logs-111122223333",
    "acme-customer-exports",
    "acme-ci-artifacts",
)
SSO_ROLE = "AWSReservedSSO_AdministratorAccess_4f1e2d3c2b1a0f9e"
SSO_PATH = "aws-reserved/sso.amazonaws.com/eu-west-1/"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
GHA_SUBJECT = "repo:acme/shop:ref:refs/heads/main"
#: The attacker's addresses: API calls, console sign-in, and the new user's IPv6.
ATTACKER_IP = "185.220.101.47"
ATTACKER_CONSOLE_IP = "185.220.101.53"
ATTACKER_IPV6 = "2a0b:f4c2:2::1"


class Scenario:
    """The account's state and the calls recorded so far; the story's modules make the calls.

    Every call draws from ``rng`` in the order the story makes it: the same seed gives the same
    records, byte for byte.
    """

    def __init__(self, seed: int) -> None:
        self.rng = r = random.Random(seed)
        self.out: list[Record] = []
        self.pids = {n: unique_id(r, "AIDA") for n in ("alice", "bob", "svc-backup", "backup-sync")}
        self.keys = {n: key_id(r, "AKIA") for n in ("alice", "bob", "svc-backup", "backup-sync")}
        self.role_pids = {
            n: unique_id(r, "AROA")
            for n in (
                SSO_ROLE,
                "github-actions-deploy",
                "app-server-role",
                "AWSServiceRoleForConfig",
                "ops-break-glass",
            )
        }
        self.instances = {"eu-west-1": "i-0abc1234def567890", "us-east-1": "i-0abc5678fed123450"}
        self.eips = {"eu-west-1": "3.248.112.45", "us-east-1": "54.210.17.3"}
        self.volumes = [f"vol-{hexid(r)}" for _ in range(4)]
        self.kms_key = uuid4(r)
        #: region -> (ASIA key, issue time) of the instance role's current session.
        self.instance_keys: dict[str, tuple[str, datetime]] = {}

    def emit(
        self, t: datetime, actor: Actor, source: str, name: str, region: str, **kw: Any
    ) -> Record:
        """Record one call (see :func:`bench.gen.record.event` for ``kw``)."""
        rec = event(self.rng, t=t, actor=actor, source=source, name=name, region=region, **kw)
        self.out.append(rec)
        return rec

    def user(self, name: str, ip: str, ua: str, **kw: Any) -> Actor:
        """Return the Actor of IAM user ``name`` with its long-term key."""
        return Actor(iam_user(name, self.pids[name], self.keys[name], **kw), ip, ua)

    def console_login(
        self, t: datetime, name: str, ip: str, ua: str, *, mfa: bool, ok: bool = True
    ) -> Record:
        """Record a console sign-in of ``name``, with or without MFA, succeeded or not."""
        ident = iam_user(name, self.pids.get(name, ""), None)
        if name == "HIDDEN_DUE_TO_SECURITY_REASONS":
            ident = {"type": "IAMUser", "accountId": ACCOUNT, "accessKeyId": "", "userName": name}
        extra: dict[str, Any] = {
            "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
            "MobileVersion": "No",
        }
        if mfa:
            extra["MFAIdentifier"] = f"arn:aws:iam::{ACCOUNT}:mfa/{name}-phone"
        extra["MFAUsed"] = "Yes" if mfa else "No"
        err = None if ok else "Failed authentication"
        if not ok and name == "HIDDEN_DUE_TO_SECURITY_REASONS":
            err = "No username found in supplied account"
        return self.emit(
            t,
            Actor(ident, ip, ua),
            "signin.amazonaws.com",
            "ConsoleLogin",
            "us-east-1",
            resp={"ConsoleLogin": "Success" if ok else "Failure"},
            error=err,
            error_message=err,
            additional=extra,
            event_type="AwsConsoleSignIn",
            read_only=False,
        )

    def reads(
        self, times: list[datetime], actor: Actor, sources: list[str], regions: list[str], **kw: Any
    ) -> None:
        """Record one read call among ``sources`` at each of ``times``."""
        for t in times:
            region = self.rng.choice(regions)
            self.emit_read(t, actor, region, read_call(self.rng, sources, region), **kw)

    def emit_read(
        self, t: datetime, actor: Actor, region: str, call: ReadCall, **kw: Any
    ) -> Record:
        """Record a read call picked by :func:`bench.gen.api.read_call`."""
        source, name, (req, resp) = call
        return self.emit(t, actor, source, name, region, req=req, resp=resp, **kw)
