"""Benchmark trails laid out as CloudTrail delivers them: thousands of small files.

``layout.plan`` decides the files (account, region, 5 minutes, records); one process per core
writes them from the benchmark world of each account (``benchworld``), every file from its own
seeded generator, so the output is the same whatever the number of workers. The README holds a
JSON manifest (events, files, bytes, records per file) that ``bench_load.py`` and
``bench_ui.py`` read.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from bench.gen import benchworld
from bench.gen.delivery import trail_key
from bench.gen.ids import alnum, iso
from bench.gen.layout import TRAIL_REGIONS, Plan, PlannedFile, delivered, plan
from bench.gen.output import SIGNATURE, check_out_dir, compress_fast, write_bytes

#: Named layouts: the arguments of ``layout.plan`` (accounts, days, events, files, per_file).
PRESETS: dict[str, dict[str, Any]] = {
    "1m": {"accounts": 3, "days": 3, "events": 1_000_000, "files": 7_800},
    "300k": {"accounts": 8, "days": 3, "events": 300_000, "files": 12_400},
    "tiny100k": {"accounts": 25, "days": 3, "files": 100_000, "per_file": (1, 3)},
    # An organisation trail of a working week: the 10M case of bench/bench_10m.py.
    "10m": {"accounts": 6, "days": 5, "events": 10_000_000, "files": 40_000},
}
#: Records-per-file buckets of the README's table.
BUCKETS = (
    ("1", 1, 1),
    ("2-10", 2, 10),
    ("11-50", 11, 50),
    ("51-200", 51, 200),
    ("201-1,000", 201, 1000),
    ("1,001-5,000", 1001, 5000),
    ("over 5,000", 5001, None),
)

Job = tuple[str, int, tuple[str, ...], PlannedFile]


def account_seed(seed: int, account: int) -> int:
    """Return the seed of an account's world (the first account's is the benchmark set's)."""
    return seed if account == 0 else seed * 7919 + account


def trail_file(job: Job) -> tuple[int, int]:
    """Build, compress and write one delivery file; return (records, bytes)."""
    out, seed, accounts, f = job
    world = benchworld.world(account_seed(seed, f.account), accounts[f.account])
    rng = random.Random(seed * 1_000_003 + f.index)
    recs = world.records(rng, f.new, f.region, f.t0)
    if f.again is not None:
        # The first records of the stream's previous file, drawn again from its generator.
        index, t0, k = f.again
        recs += world.records(random.Random(seed * 1_000_003 + index), k, f.region, t0)
    body = compress_fast(orjson.dumps({"Records": recs}))
    key = trail_key(f.region, delivered(f.t0), alnum(rng, 16), account=accounts[f.account])
    write_bytes(Path(out), key, body)
    return len(recs), len(body)


def rank(sorted_values: Sequence[int], q: float) -> int:
    """Return the nearest-rank ``q`` quantile of ``sorted_values``."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def manifest(layout: Plan, size: int, seed: int, preset: str | None) -> dict[str, Any]:
    """Return the facts of a written trail: events, files, bytes, records per file."""
    ns = sorted(f.records for f in layout.files)
    times = sorted(f.t0 for f in layout.files)
    return {
        "layout": "trail",
        "preset": preset,
        "events": sum(f.new for f in layout.files),
        "records": sum(ns),
        "redelivered": sum(f.records - f.new for f in layout.files),
        "files": len(ns),
        "bytes": size,
        "accounts": len(layout.accounts),
        "streams": len({(f.account, f.region) for f in layout.files}),
        "regions": len(TRAIL_REGIONS),
        "first_delivery": iso(delivered(times[0])),
        "last_delivery": iso(delivered(times[-1])),
        "records_per_file": {
            "min": ns[0],
            "median": rank(ns, 0.5),
            "p90": rank(ns, 0.9),
            "max": ns[-1],
            "mean": round(sum(ns) / len(ns), 1),
        },
        "skew": round(layout.skew, 3),
        "seed": seed,
    }


def readme(facts: dict[str, Any], layout: Plan) -> str:
    """Return the README: a JSON manifest, then the records-per-file table."""
    ns = [f.records for f in layout.files]
    rows = []
    for label, lo, hi in BUCKETS:
        n = sum(1 for x in ns if x >= lo and (hi is None or x <= hi))
        rows.append(f"| {label} | {n:,} | {100 * n / len(ns):.1f} % |")
    table = "\n".join(rows)
    return f"""{SIGNATURE}
# Benchmark trail

CloudTrail's S3 layout: one `.json.gz` file per account, per region, per 5 minutes with
activity (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/...`), global services in
us-east-1, a few records delivered twice. `events` counts distinct eventIDs, `records` every
record in the files.

```json
{orjson.dumps(facts, option=orjson.OPT_INDENT_2).decode()}
```

| records per file | files | share |
|---|---|---|
{table}
"""


def write_trail(
    out: Path,
    seed: int,
    force: bool,
    *,
    preset: str | None = None,
    workers: int | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Write a benchmark trail (``options``: those of ``layout.plan``) and return its manifest."""
    check_out_dir(out, force, {"README.md", "AWSLogs"})
    started = time.perf_counter()
    layout = plan(seed, **options)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    jobs = [(str(out), seed, layout.accounts, f) for f in layout.files]
    workers = workers or os.cpu_count() or 1
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(trail_file, jobs, chunksize=64)
    size = sum(r[1] for r in results)
    facts = manifest(layout, size, seed, preset)
    facts["seconds"] = round(time.perf_counter() - started, 1)
    (out / "README.md").write_text(readme(facts, layout), encoding="utf-8")
    wanted = options.get("files")
    if wanted and abs(facts["files"] - wanted) > wanted / 10:
        print(f"note: {facts['files']:,} files, not about {wanted:,}: no skew gets nearer")
    print(
        f"wrote {out}: {facts['events']:,} events ({facts['records']:,} records) in "
        f"{facts['files']:,} files, {size / 1e6:,.1f} MB gzip, {facts['seconds']:.1f} s; "
        f"records per file min {facts['records_per_file']['min']} median "
        f"{facts['records_per_file']['median']} p90 {facts['records_per_file']['p90']} "
        f"max {facts['records_per_file']['max']}"
    )
    return facts
