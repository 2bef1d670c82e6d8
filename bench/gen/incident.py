"""The sample's incident: its story, the order of its steps, and the facts to pivot on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bench.gen import damage, intrusion
from bench.gen.identities import ATTACKER_ACCOUNT
from bench.gen.ids import walk
from bench.gen.record import Record
from bench.gen.scenario import (
    ATTACKER_CONSOLE_IP,
    ATTACKER_IP,
    ATTACKER_IPV6,
    DAYS,
    START,
    Scenario,
)

#: The story as the sample's README tells it (account 111122223333, 2025-03-12 UTC, all times
#: approximate). Its numbers are those of ``STEPS``.
STORY = """
1. 01:47 The long-term access key of ``svc-backup`` (an on-prem backup job's IAM user whose
   key and console password leaked) is used from 185.220.101.47 with a Kali boto3 agent:
   ``GetCallerIdentity``, then a recon burst (ListUsers, ListRoles, ListGroups, ListBuckets,
   GetAccountAuthorizationDetails, ListAccessKeys, DescribeInstances...), four AccessDenied.
   An hour earlier the same key did its nightly snapshot job from the backup server.
2. 02:03 Console: a failed login as an unknown user (``HIDDEN_DUE_TO_SECURITY_REASONS``), a
   failed login as svc-backup, then a successful one without MFA, from 185.220.101.53.
3. 02:09 With the leaked key: CreateUser ``backup-sync``, CreateAccessKey for it (a new AKIA
   key), CreateLoginProfile; then AttachUserPolicy AdministratorAccess, PutUserPolicy
   (Allow */*), AddUserToGroup Admins.
4. 02:14 backup-sync's new key, from IPv6 2a0b:f4c2:2::1, calls GetCallerIdentity and
   AssumeRole into ``ops-break-glass`` (session ``maint-0312``); the ASIA key in
   ``responseElements.credentials`` is used for everything after.
5. 02:16 Defence evasion with the ASIA session: StopLogging, PutEventSelectors and UpdateTrail
   on acme-main-trail, DeleteTrail acme-legacy-trail, DeleteDetector (us-east-1, eu-west-1),
   DeleteFlowLogs, StopConfigurationRecorder. (These logs survive because they come from the
   organisation trail.)
6. Exfiltration: CreateSnapshot of a database volume, ModifySnapshotAttribute sharing it with
   account 444455556666; DeleteAccountPublicAccessBlock, PutBucketPublicAccessBlock (all off)
   and PutBucketPolicy with Principal "*" on acme-customer-exports.
7. Impact in ap-southeast-2, a region never used before: CreateKeyPair,
   AuthorizeSecurityGroupIngress 0.0.0.0/0:22, RunInstances p5.48xlarge x8 (fails,
   VcpuLimitExceeded), RunInstances p4d.24xlarge x8 (succeeds).
"""

#: The numbered steps of ``STORY``, in order.
STEPS = (
    "recon",
    "console",
    "persistence",
    "role hop",
    "defence evasion",
    "exfiltration",
    "impact",
)


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """The identifiers a responder pivots on, for the README and for tests."""

    leaked_user: str
    leaked_key: str
    attacker_ips: tuple[str, ...]
    new_user: str
    new_user_key: str
    role_arn: str
    session_name: str
    asia_key: str
    snapshot_id: str
    volume_id: str
    bucket: str
    compute_region: str
    external_account: str
    start: str
    end: str
    event_ids: tuple[str, ...]
    #: (step name, eventIDs of its calls) for each of ``STEPS``.
    steps: tuple[tuple[str, tuple[str, ...]], ...]


def incident(s: Scenario) -> tuple[list[Record], IncidentFacts]:
    """Return the attacker's records (in the order made) and the identifiers to pivot on."""
    saved, s.out = s.out, []
    t0 = START + timedelta(days=DAYS - 1, hours=1, minutes=47, seconds=12)
    marks = [0]
    intrusion.recon(s, t0)
    marks.append(len(s.out))
    intrusion.console(s, t0)
    marks.append(len(s.out))
    intrusion.persistence(s, t0)
    marks.append(len(s.out))
    hop, asia, hop_time = intrusion.role_hop(s, t0)
    marks.append(len(s.out))
    times = iter(walk(s.rng, hop_time + timedelta(minutes=2), 40, 8, 40))
    damage.defence_evasion(s, hop, times)
    marks.append(len(s.out))
    vol, snap = damage.exfiltration(s, hop, times)
    marks.append(len(s.out))
    damage.impact(s, hop, times)
    marks.append(len(s.out))
    records, s.out = s.out, saved
    times_all = sorted(rec["eventTime"] for rec in records)
    steps = tuple(
        (name, tuple(rec["eventID"] for rec in records[lo:hi]))
        for name, lo, hi in zip(STEPS, marks[:-1], marks[1:], strict=True)
    )
    facts = IncidentFacts(
        leaked_user=intrusion.LEAKED,
        leaked_key=s.keys[intrusion.LEAKED],
        attacker_ips=(ATTACKER_IP, ATTACKER_CONSOLE_IP, ATTACKER_IPV6),
        new_user=intrusion.NEW_USER,
        new_user_key=s.keys[intrusion.NEW_USER],
        role_arn=intrusion.ROLE_ARN,
        session_name=intrusion.SESSION,
        asia_key=asia,
        snapshot_id=snap,
        volume_id=vol,
        bucket=damage.BUCKET,
        compute_region=damage.COMPUTE_REGION,
        external_account=ATTACKER_ACCOUNT,
        start=times_all[0],
        end=times_all[-1],
        event_ids=tuple(rec["eventID"] for rec in records),
        steps=steps,
    )
    return records, facts
