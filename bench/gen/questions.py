"""Which events each triage question must find in the sample: the story's own account.

The triage questions (DOMAIN.md §4, ``ctir triage``) are answered by the explorer; what they
must answer is said here, by the generator, from the steps of the incident it wrote and
from what it knows its background does (nothing of it tampers with logging, shares data or
launches compute; the nightly backup deletes old snapshots). Nothing here reads ctir.

For each question the facts give ``event_ids`` (the events that must be among the answer's)
and ``exact`` (whether they are the whole answer: the story and the background hold no
other such event), or ``applies: false`` with the reason the sample cannot light it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bench.gen.facts import event_name, event_time
from bench.gen.incident import IncidentFacts
from bench.gen.record import Record

#: Picks records of one step of the story (its records, in the order made).
Pick = Callable[[list[Record]], list[Record]]


def named(*names: str) -> Pick:
    """The step's calls with these names."""
    return lambda recs: [r for r in recs if event_name(r) in names]


def every(recs: list[Record]) -> list[Record]:
    """Every call of the step."""
    return list(recs)


def first(recs: list[Record]) -> list[Record]:
    """The step's first call (the first time its actor, address or region appears)."""
    return sorted(recs, key=lambda r: str(event_time(r)))[:1]


def denied(recs: list[Record]) -> list[Record]:
    """The step's calls refused with AccessDenied."""
    return [r for r in recs if r.get("errorCode") == "AccessDenied"]


def but(*names: str) -> Pick:
    """Every call of the step but those named."""
    return lambda recs: [r for r in recs if event_name(r) not in names]


@dataclass(frozen=True)
class Expected:
    """What one question must find: picks per step, and background calls by name."""

    picks: tuple[tuple[str, Pick], ...] = ()
    #: Background calls that answer the question too (the nightly job's DeleteSnapshot).
    background: tuple[str, ...] = ()
    #: The picks are the whole answer.
    exact: bool = False
    #: Why the question cannot light on the sample (then nothing must be found).
    not_applicable: str | None = None
    #: What it finds, for the sample's README.
    says: str = ""


#: Question id -> what it must find (the ids are ctir's, DOMAIN.md §4 in order).
EXPECTED: dict[str, Expected] = {
    "root-activity": Expected(
        exact=True, not_applicable="no root user acts in the sample", says="nothing"
    ),
    # The unknown user's, the wrong password's and the real one's, none with MFA.
    "console-no-mfa": Expected(
        (("console", named("ConsoleLogin")),),
        exact=True,
        says="step 2's three console logins (two failed), none with MFA",
    ),
    "new-credentials": Expected(
        (("persistence", named("CreateUser", "CreateAccessKey", "CreateLoginProfile")),),
        exact=True,
        says="step 3's CreateUser, CreateAccessKey (for backup-sync) and CreateLoginProfile",
    ),
    "permission-grants": Expected(
        (("persistence", named("AttachUserPolicy", "PutUserPolicy", "AddUserToGroup")),),
        exact=True,
        says="step 3's AttachUserPolicy, PutUserPolicy and AddUserToGroup",
    ),
    # The leaked key made backup-sync's key, which assumed the role: all of the session's
    # calls are in the chain (the leaked key's own calls are too, not listed here).
    "session-chains": Expected(
        (
            ("persistence", named("CreateAccessKey")),
            ("role hop", every),
            ("defence evasion", every),
            ("exfiltration", every),
            ("impact", every),
        ),
        says="the leaked key -> backup-sync's key -> the ops-break-glass session, and all "
        "the session did (steps 3 to 7); the CI role's web-identity sessions are chains too",
    ),
    # First uses: the Tor address and Kali agent for svc-backup, backup-sync itself and its
    # IPv6 address, the role session's address, the new region.
    "first-seen": Expected(
        (
            ("recon", first),
            ("role hop", first),
            ("defence evasion", first),
            ("impact", first),
        ),
        says="the first use of the Tor address and Kali agent by svc-backup, of backup-sync "
        "and its IPv6 address, of the role session, of ap-southeast-2 (and alice's new "
        "Terraform agent, background)",
    ),
    # Bob's own AccessDenied bursts (background) are there too.
    "denied-bursts": Expected(
        (("recon", denied),), says="step 1's four AccessDenied (and bob's, background)"
    ),
    "recon": Expected(
        (("recon", every),),
        says="step 1's GetCallerIdentity and the sweep after it, from a Kali agent",
    ),
    "role-chains": Expected(
        (("role hop", named("AssumeRole")), ("exfiltration", named("ModifySnapshotAttribute"))),
        says="step 4's AssumeRole and step 6's share with 444455556666 (and the background's "
        "role assumptions)",
    ),
    "logging-tampering": Expected(
        (("defence evasion", but("GetCallerIdentity")),),
        exact=True,
        says="step 5: the trail stopped, narrowed and deleted, detectors, flow logs, Config",
    ),
    "data-exposure": Expected(
        (("exfiltration", but("CreateSnapshot")),),
        exact=True,
        says="step 6: the snapshot shared, the public-access blocks removed, the bucket policy",
    ),
    # The security group opened to the world is exposure of a network, not compute abuse.
    "compute-abuse": Expected(
        (("impact", named("CreateKeyPair", "RunInstances")),),
        exact=True,
        says="step 7's key pair and the two RunInstances (p5.48xlarge failed, p4d.24xlarge)",
    ),
    # ap-southeast-2: only the attacker ever works there.
    "new-regions": Expected((("impact", every),), exact=True, says="step 7, all in ap-southeast-2"),
    "destruction": Expected(
        background=("DeleteSnapshot",),
        exact=True,
        says="no incident event: the nightly backup's DeleteSnapshot of old snapshots",
    ),
    "coverage": Expected(
        says="three regions of one account, no gap, no data events (a zero for S3 object "
        "calls means not recorded)"
    ),
}


def _spans(events: Iterable[Record]) -> list[dict[str, Any]]:
    """Each account and region's first and last event time, events and data events."""
    times: dict[tuple[str, str], list[str]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    data: Counter[tuple[str, str]] = Counter()
    for rec in events:
        key = (str(rec.get("recipientAccountId")), str(rec.get("awsRegion")))
        counts[key] += 1
        data[key] += rec.get("eventCategory") == "Data"
        when = event_time(rec)
        times.setdefault(key, [])
        if when is not None:
            times[key].append(when)
    return [
        {
            "account": account,
            "region": region,
            "first": min(times[key]) if times[key] else None,
            "last": max(times[key]) if times[key] else None,
            "events": counts[key],
            "data_events": data[key],
        }
        for key in sorted(counts)
        for account, region in [key]
    ]


def readme_lines(events: list[Record], facts: IncidentFacts) -> list[str]:
    """The table of the sample's README: each question, whether it lights, what it finds."""
    found = question_facts(events, facts)
    lines = []
    for qid, expected in EXPECTED.items():
        entry = found[qid]
        if not entry["applies"]:
            lights = f"no: {expected.not_applicable}"
        elif qid == "coverage":
            lights = "yes"
        else:
            count = len(entry["event_ids"])
            lights = f"yes: {count} events" + (" exactly" if expected.exact else " at least")
        lines.append(f"| `{qid}` | {lights} | {expected.says} |")
    return lines


def question_facts(events: list[Record], facts: IncidentFacts) -> dict[str, Any]:
    """Per question id: ``applies``, ``exact``, ``event_ids`` (and ``why`` or ``spans``)."""
    by_id = {r["eventID"]: r for r in events if r.get("eventID")}
    steps = {name: [by_id[i] for i in ids] for name, ids in facts.steps}
    out: dict[str, Any] = {}
    for qid, expected in EXPECTED.items():
        picked: list[Record] = []
        for step, pick in expected.picks:
            picked += pick(steps[step])
        picked += [r for r in events if event_name(r) in expected.background]
        ids = list(dict.fromkeys(r["eventID"] for r in picked))
        entry: dict[str, Any] = {
            "applies": expected.not_applicable is None,
            "exact": expected.exact,
            "event_ids": ids,
        }
        if expected.not_applicable is not None:
            entry["why"] = expected.not_applicable
        if qid == "coverage":
            entry["spans"] = _spans(events)
        out[qid] = entry
    return out
