"""How a trail is laid out in files, as CloudTrail delivers it: the plan of a benchmark trail.

CloudTrail writes one file per account, per region, about every 5 minutes in which there was
activity. Each (account, region) stream here has its own level: the account's home region and
us-east-1 (where the global services log) are busy, the other regions quiet, with a skew that
is solved for so that the trail has about the number of files asked for. Activity follows the
hour of day and the weekday, and bursts (a log-normal factor per 5 minutes), so records per
file are skewed as in real trails: many files of 1 to 50 records, a few of thousands.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import NormalDist

from bench.gen.benchworld import BENCH_REGIONS, BENCH_START
from bench.gen.identities import ACCOUNT

#: The regions enabled by default in every account.
TRAIL_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
)
SLOT = 300
#: Activity by hour of day (UTC), relative; weekends run at WEEKEND of a weekday.
HOURLY = (3, 3, 3, 3, 3, 4, 6, 9, 12, 14, 15, 15, 14, 15, 15, 14, 13, 11, 9, 7, 6, 5, 4, 4)
WEEKEND = 0.45
#: Spread of the per-5-minute burst factor (log-normal, mean 1).
BURST = 0.9
#: Quantiles of the burst factor's normal deviate, to compute expected file counts.
_Z = [NormalDist().inv_cdf((i + 0.5) / 8) for i in range(8)]

Count = tuple[int, str, int, int]
"""A planned file before numbering: (account, region, t0, records)."""


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One delivery file to write: its stream, its 5 minutes, its records."""

    index: int
    account: int
    region: str
    #: End of the 5 minutes its records come from (epoch seconds); delivered 5 minutes later.
    t0: int
    records: int
    #: (index, t0) of the stream's previous file, and how many of its first records this file
    #: delivers again (in place of as many new ones).
    again: tuple[int, int, int] | None = None

    @property
    def new(self) -> int:
        """How many of the file's records are events delivered nowhere else."""
        return self.records - (self.again[2] if self.again else 0)


@dataclass(frozen=True, slots=True)
class Plan:
    """The accounts and the files of a trail."""

    accounts: tuple[str, ...]
    files: tuple[PlannedFile, ...]
    skew: float


def diurnal(days: int, start: datetime = BENCH_START) -> list[float]:
    """Return each 5 minutes' activity factor over ``days`` (mean 1 on weekdays' average)."""
    mean = sum(HOURLY) / len(HOURLY)
    out = []
    for k in range(days * 86400 // SLOT):
        t = start + timedelta(seconds=k * SLOT)
        out.append(HOURLY[t.hour] / mean * (WEEKEND if t.weekday() >= 5 else 1.0))
    return out


def region_orders(rng: random.Random, accounts: int) -> list[list[str]]:
    """Return each account's regions by activity: its home region, us-east-1, then the rest."""
    homes = [r for r, _ in BENCH_REGIONS]
    home_w = [w for _, w in BENCH_REGIONS]
    orders = []
    for _ in range(accounts):
        home = rng.choices(homes, home_w)[0]
        rest = [r for r in TRAIL_REGIONS if r not in (home, "us-east-1")]
        rng.shuffle(rest)
        orders.append([home] + (["us-east-1"] if home != "us-east-1" else []) + rest)
    return orders


def weights(orders: list[list[str]], skew: float) -> dict[tuple[int, str], float]:
    """Return the relative activity of each (account, region) stream.

    ``(account + 1) ** (-skew / 2) * (rank + 1) ** (-skew)``: 0 is flat, 8 all but one stream
    nearly silent.
    """
    return {
        (a, region): (a + 1) ** (-skew / 2) * (rank + 1) ** (-skew)
        for a, order in enumerate(orders)
        for rank, region in enumerate(order)
    }


def expected_files(w: dict[tuple[int, str], float], scale: float, levels: Counter[float]) -> float:
    """Return how many (stream, 5 minutes) hold at least one record, on average."""
    bursts = [math.exp(BURST * z - BURST * BURST / 2) for z in _Z]
    total = 0.0
    for ws in w.values():
        for d, n in levels.items():
            mu = scale * ws * d
            total += n * sum(1 - math.exp(-mu * x) for x in bursts) / len(bursts)
    return total


def bisect(fn: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """Return x in [lo, hi] with fn(x) close to ``target``, ``fn`` decreasing."""
    for _ in range(40):
        mid = (lo + hi) / 2
        if fn(mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def poisson(rng: random.Random, mu: float) -> int:
    """Draw a Poisson count (normal approximation above 50)."""
    if mu > 50:
        return max(0, round(rng.gauss(mu, math.sqrt(mu))))
    limit, k, p = math.exp(-mu), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def plan(
    seed: int,
    accounts: int,
    days: int,
    *,
    events: int | None = None,
    files: int | None = None,
    per_file: tuple[int, int] | None = None,
    skew: float = 2.0,
) -> Plan:
    """Plan a trail of about ``files`` files holding ``events`` events.

    With ``per_file`` (lo, hi) every file holds lo..hi records and ``files`` sets the scale
    (``events`` follows); otherwise ``events`` is exact and the skew is solved for ``files``
    (kept at ``skew`` when ``files`` is None).
    """
    rng = random.Random(seed)
    ids = (ACCOUNT, *(f"{rng.randrange(10**11, 10**12)}" for _ in range(accounts - 1)))
    orders = region_orders(rng, accounts)
    level = diurnal(days)
    levels = Counter(level)

    def scale_for(s: float) -> float:
        return (events or 0) / (sum(weights(orders, s).values()) * sum(level))

    if per_file is not None:
        if files is None:
            raise ValueError("per_file needs a number of files")
        w = weights(orders, skew)
        # Aim a little high, then keep exactly ``files`` of the files drawn.
        scale = bisect(lambda c: -expected_files(w, c, levels), -files * 1.05, 0.0, 1e3)
    else:
        if events is None:
            raise ValueError("a trail needs a number of events")
        if files is not None:
            skew = bisect(
                lambda s: expected_files(weights(orders, s), scale_for(s), levels), files, 0, 8
            )
        w, scale = weights(orders, skew), scale_for(skew)
    counts: list[Count] = []
    start = int(BENCH_START.timestamp())
    bursts = [math.exp(BURST * rng.gauss(0, 1) - BURST * BURST / 2) for _ in range(4096)]
    for (a, region), ws in w.items():
        for k, d in enumerate(level):
            mu = scale * ws * d * bursts[rng.getrandbits(12)]
            n = poisson(rng, mu)
            if n and per_file is not None:
                n = rng.randint(*per_file)
            if n:
                counts.append((a, region, start + (k + 1) * SLOT, n))
    if per_file is not None and files is not None and len(counts) > files:
        counts = [counts[i] for i in sorted(rng.sample(range(len(counts)), files))]
    planned = redeliveries(rng, [PlannedFile(i, *c) for i, c in enumerate(counts)])
    if per_file is None and events is not None:
        planned = exact(planned, events)
    return Plan(ids, tuple(planned), skew)


def redeliveries(rng: random.Random, files: list[PlannedFile]) -> list[PlannedFile]:
    """Make a few files deliver again 1-5 records of their stream's previous file.

    A file's records stay as planned: the copies take the place of as many new records.
    """
    candidates = [
        i
        for i in range(1, len(files))
        if (files[i].account, files[i].region) == (files[i - 1].account, files[i - 1].region)
    ]
    taken: set[int] = set()
    out = list(files)
    for i in sorted(rng.sample(candidates, min(len(candidates), max(3, len(files) // 1000)))):
        if taken & {i - 1, i}:
            continue
        src, f = out[i - 1], out[i]
        k = min(src.records, f.records, rng.randint(1, 5))
        out[i] = dataclasses.replace(f, again=(src.index, src.t0, k))
        taken |= {i - 1, i}
    return out


def exact(files: list[PlannedFile], events: int) -> list[PlannedFile]:
    """Make the distinct events sum to ``events``: resize the 50 largest files in proportion.

    Files that deliver records again, or whose records are delivered again, keep their size.
    """
    fixed = {f.again[0] for f in files if f.again} | {f.index for f in files if f.again}
    diff = events - sum(f.new for f in files)
    largest = sorted((f for f in files if f.index not in fixed), key=lambda f: -f.records)[:50]
    room = sum(f.records for f in largest)
    shares = [diff * f.records // room for f in largest]
    shares[0] += diff - sum(shares)
    out = list(files)
    for f, share in zip(largest, shares, strict=True):
        out[f.index] = dataclasses.replace(f, records=max(1, f.records + share))
    return out


def delivered(t0: int) -> datetime:
    """Return the delivery time of the file of the 5 minutes ending at ``t0``."""
    return datetime.fromtimestamp(t0 + SLOT, UTC)
