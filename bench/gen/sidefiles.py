"""CloudTrail's own side files in the sample: Insights records and a digest file."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bench.gen.delivery import Delivery, trail_key
from bench.gen.identities import ACCOUNT
from bench.gen.ids import alnum, iso, uuid4
from bench.gen.ledger import loaded
from bench.gen.output import dumps, gz
from bench.gen.record import Record
from bench.gen.scenario import DAYS, START

if TYPE_CHECKING:
    from bench.gen.shapes import ShapeWriter

#: The bucket the organisation trail delivers to.
LOG_BUCKET = f"acme-cloudtrail-logs-{ACCOUNT}"


def insight_records(rng: random.Random, day: datetime) -> list[Record]:
    """Return Start/End Insights records for the recon burst (no userIdentity)."""
    out: list[Record] = []
    specs = (
        ("ListUsers", "ApiCallRateInsight", None, 0.0021, 1.0),
        ("GetAccountAuthorizationDetails", "ApiErrorRateInsight", "AccessDenied", 0.0, 1.0),
    )
    for name, kind, error, base, peak in specs:
        shared = uuid4(rng)
        for state, minute in (("Start", 48), ("End", 53)):
            stats: dict[str, Any] = {
                "baseline": {"average": base},
                "insight": {"average": peak},
                "baselineDuration": 10080,
            }
            if state == "End":
                stats["insightDuration"] = 5
            attribute = "errorCode" if error else "userIdentityArn"
            value = error or f"arn:aws:iam::{ACCOUNT}:user/svc-backup"
            out.append(
                {
                    "eventVersion": "1.08",
                    "eventTime": iso(day.replace(hour=1, minute=minute)),
                    "awsRegion": "us-east-1",
                    "eventID": uuid4(rng),
                    "eventType": "AwsCloudTrailInsight",
                    "recipientAccountId": ACCOUNT,
                    "sharedEventID": shared,
                    "insightDetails": {
                        "state": state,
                        "eventSource": "iam.amazonaws.com",
                        "eventName": name,
                        "insightType": kind,
                        "insightContext": {
                            "statistics": stats,
                            "attributions": [
                                {
                                    "attribute": attribute,
                                    "insight": [{"value": value, "average": peak}],
                                    "baseline": [{"value": value, "average": base}] if base else [],
                                }
                            ],
                        },
                    },
                    "eventCategory": "Insight",
                }
            )
    rng.shuffle(out)
    return out


def insights(w: ShapeWriter) -> None:
    """An Insights delivery file: Start and End of two insights on the incident's night."""
    day = START + timedelta(days=DAYS - 1)
    ins = insight_records(w.rng, day)
    ikey = trail_key(
        "us-east-1", day.replace(hour=2, minute=5), alnum(w.rng, 16), "CloudTrail-Insight"
    )
    w.write(
        ikey,
        gz(dumps({"Records": ins})),
        f"Insights, {len(ins)} records (Start/End of two insights)",
        "s3-delivery",
        loaded(ins),
    )


def digest(w: ShapeWriter, files: list[Delivery]) -> None:
    """A digest file listing the last day's first six delivery files (no Records)."""
    day = START + timedelta(days=DAYS - 1)
    listed = [f for f in files if f.delivered.date() == day.date()][:6]
    digest_time = listed[-1].delivered + timedelta(hours=1)
    log_files = []
    for f in listed:
        body = dumps({"Records": f.records})
        times = sorted(r["eventTime"] for r in f.records)
        log_files.append(
            {
                "s3Bucket": LOG_BUCKET,
                "s3Object": f.key,
                "hashValue": hashlib.sha256(body).hexdigest(),
                "hashAlgorithm": "SHA-256",
                "newestEventTime": times[-1],
                "oldestEventTime": times[0],
            }
        )
    dkey = (
        f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/{digest_time:%Y/%m/%d}/"
        f"{ACCOUNT}_CloudTrail-Digest_us-east-1_acme-org-trail_us-east-1_"
        f"{digest_time:%Y%m%dT%H%M%SZ}.json.gz"
    )
    content = {
        "awsAccountId": ACCOUNT,
        "digestStartTime": iso(digest_time - timedelta(hours=1)),
        "digestEndTime": iso(digest_time),
        "digestS3Bucket": LOG_BUCKET,
        "digestS3Object": dkey,
        "digestPublicKeyFingerprint": uuid4(w.rng).replace("-", ""),
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": max(f["newestEventTime"] for f in log_files),
        "oldestEventTime": min(f["oldestEventTime"] for f in log_files),
        "previousDigestS3Bucket": LOG_BUCKET,
        "previousDigestS3Object": None,
        "previousDigestHashValue": None,
        "previousDigestHashAlgorithm": "SHA-256",
        "previousDigestSignature": None,
        "logFiles": log_files,
    }
    w.write(
        dkey,
        gz(dumps(content)),
        f"digest, no Records ({len(log_files)} logFiles listed)",
        "digest",
        status="skipped",
        why="CloudTrail digest file (hashes of log files, no events)",
    )
