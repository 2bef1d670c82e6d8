"""The benchmark set: 1,000-record delivery files over 14 days, written by one process per core."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.gen import benchworld
from bench.gen.benchworld import BENCH_DAYS, BENCH_REGIONS, BENCH_START
from bench.gen.delivery import trail_key
from bench.gen.ids import alnum
from bench.gen.output import SIGNATURE, check_out_dir, compress_fast, write_bytes


def bench_file(job: tuple[Path, int, int, int, str, int]) -> tuple[int, int]:
    """Build, compress and write one benchmark delivery file; return (records, bytes)."""
    out, seed, index, n, region, t0 = job
    world = benchworld.world(seed)
    rng = random.Random(seed * 1_000_003 + index)
    recs = world.records(rng, n, region, t0)
    body = compress_fast(orjson.dumps({"Records": recs}))
    delivered = datetime.fromtimestamp(t0 + 300, UTC)
    write_bytes(out, trail_key(region, delivered, alnum(rng, 16)), body)
    return n, len(body)


def write_bench(
    out: Path, events: int, seed: int, force: bool, workers: int | None = None
) -> dict[str, Any]:
    """Write the benchmark set and return its manifest."""
    check_out_dir(out, force, {"README.md", "AWSLogs"})
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    nfiles = max(1, round(events / 1000))
    rng = random.Random(seed)
    regions = [r for r, _ in BENCH_REGIONS]
    weights = [w for _, w in BENCH_REGIONS]
    span = BENCH_DAYS * 86400 // 300
    jobs = []
    for i in range(nfiles):
        n = events // nfiles + (1 if i < events % nfiles else 0)
        slot = int(BENCH_START.timestamp()) // 300 + i * span // nfiles + 1
        jobs.append((out, seed, i, n, rng.choices(regions, weights)[0], slot * 300))
    workers = workers or os.cpu_count() or 1
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(bench_file, jobs, chunksize=8)
    written = sum(r[0] for r in results)
    size = sum(r[1] for r in results)
    elapsed = time.perf_counter() - started
    manifest = {
        "events": written,
        "files": nfiles,
        "bytes": size,
        "seed": seed,
        "principals": len(benchworld.world(seed).principals),
        "seconds": round(elapsed, 1),
    }
    (out / "README.md").write_text(
        f"{SIGNATURE}\n# Benchmark data\n\n```json\n{orjson.dumps(manifest).decode()}\n```\n",
        encoding="utf-8",
    )
    print(
        f"wrote {out}: {written:,} events in {nfiles:,} files, {size / 1e6:,.1f} MB gzip, "
        f"{elapsed:.1f} s ({written / elapsed:,.0f} events/s)"
    )
    return manifest
