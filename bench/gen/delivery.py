"""Trail delivery: S3 keys of delivery files, and the sample's records grouped into them."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from bench.gen.identities import ACCOUNT
from bench.gen.ids import alnum, parse_time
from bench.gen.record import Record

#: How many trail records are delivered twice (in two files), to exercise dedup.
TRAIL_DUPLICATES = 3


class Delivery(NamedTuple):
    """One delivery file: its S3 key, its records (unordered) and when it was delivered.

    ``redelivered`` holds the records of ``records`` that an earlier file delivered already.
    """

    key: str
    records: list[Record]
    delivered: datetime
    redelivered: list[Record]


def trail_key(
    region: str,
    delivered: datetime,
    suffix: str,
    kind: str = "CloudTrail",
    account: str = ACCOUNT,
) -> str:
    """Return the S3 key of a delivery file."""
    return (
        f"AWSLogs/{account}/{kind}/{region}/{delivered:%Y/%m/%d}/"
        f"{account}_{kind}_{region}_{delivered:%Y%m%dT%H%MZ}_{suffix}.json.gz"
    )


def deliver(rng: random.Random, records: list[Record]) -> list[Delivery]:
    """Group records into delivery files: one per region per 5 minutes, delivered late."""
    groups: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for rec in records:
        slot = int(parse_time(rec["eventTime"]).timestamp()) // 300
        if rng.random() < 0.03:
            slot += 1  # a straggler delivered with the next batch
        groups[(rec["awsRegion"], slot)].append(rec)
    files = []
    for (region, slot), recs in sorted(groups.items()):
        rng.shuffle(recs)
        delivered = datetime.fromtimestamp((slot + 1) * 300, UTC) + timedelta(
            minutes=rng.choice((0, 5))
        )
        key = trail_key(region, delivered, alnum(rng, 16))
        files.append(Delivery(key, recs, delivered, []))
    # Duplicate delivery: a few records appear again in a later file of the same region.
    for i in range(TRAIL_DUPLICATES):
        src = files[(i + 1) * len(files) // (TRAIL_DUPLICATES + 2)]
        region = src.records[0]["awsRegion"]
        later = next(
            f for f in files if f.delivered > src.delivered and f.records[0]["awsRegion"] == region
        )
        later.records.append(src.records[0])
        later.redelivered.append(src.records[0])
    return files
