"""Hostile evidence at the sizes that broke earlier versions: per class, time, memory, records.

Usage::

    python bench/bench_hostile.py            # full sizes (a 4 GiB gzip bomb, a 1.1 GB line...)
    python bench/bench_hostile.py --quick    # every class at its test size
    python bench/bench_hostile.py --only gzip-bomb,huge-line

Each class (``bench/gen/hostile.py``) is written into its own folder beside a good delivery
file, then loaded by ``ctir summary --json --no-cache`` in a fresh process. Printed per
class: the bytes on disk, the wall time, the peak RSS of the biggest ctir process (the
command or one of its parsing workers), the events loaded against what the writer put
there, and what the report says about the bad file. The goal is a peak under 1.5 GB for
any single input, whatever it holds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen.hostile import CASES, Case

#: The size each class is written at (a multiple of its test size), chosen to match what
#: stopped or exhausted earlier versions.
FULL_SCALE = {
    "gzip-bomb": 16,  # 4 GiB of spaces, and a 4 GiB string
    "zip-bomb": 16,  # a 4 GiB member
    "huge-line": 60,  # a 1.1 GB delivery on one line
    "zeros-array": 100,  # 10,000,000 zeros in Records (a 19 KB gzip)
    "big-numbers": 20,  # an integer of 100,000 digits
}
#: The child prints its own peak and its workers' (ru_maxrss is in KiB on Linux).
CHILD = """
import resource, sys, orjson
from ctir_tui.cli import main
code = main(["summary", sys.argv[1], "--json", "--no-cache"])
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(orjson.dumps({"code": code, "self_kib": me, "workers_kib": kids}).decode(), file=sys.stderr)
"""


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def run_case(case: Case, scale: int, base: Path) -> dict[str, object]:
    folder = base / case.name
    folder.mkdir(parents=True)
    started = time.perf_counter()
    expect = case.write(folder, scale, base / f"{case.name}-outside")
    written = time.perf_counter() - started
    env = {**os.environ, "XDG_CACHE_HOME": str(base / "cache")}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)], capture_output=True, env=env, check=False
    )
    seconds = time.perf_counter() - started
    figures = orjson.loads(proc.stderr.strip().splitlines()[-1])
    summary = orjson.loads(proc.stdout) if proc.returncode == 0 and proc.stdout else {}
    problems = [
        f"{Path(p['path']).name}: {p['reason']}"
        for p in summary.get("failed", []) + summary.get("skipped", [])
    ]
    problems += [f"{Path(p['path']).name}: {p['salvage']}" for p in summary.get("salvaged", [])]
    wanted = len(expect.loaded) + expect.unnamed + sum(n - 1 for n in expect.copies.values())
    return {
        "case": case.name,
        "bytes": folder_bytes(folder),
        "write_s": round(written, 1),
        "load_s": round(seconds, 2),
        "peak_mb": round(max(figures["self_kib"], figures["workers_kib"]) / 1024),
        "loaded": summary.get("events"),
        "expected": wanted,
        "rejected": summary.get("rejected"),
        "exit": proc.returncode,
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every class at its test size")
    parser.add_argument("--only", help="comma-separated class names")
    parser.add_argument("--keep", action="store_true", help="keep the written folders")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    ns = parser.parse_args()
    wanted = set(ns.only.split(",")) if ns.only else None
    base = Path(tempfile.mkdtemp(prefix="ctir-hostile-"))
    rows = []
    try:
        for case in CASES:
            if wanted is not None and case.name not in wanted:
                continue
            scale = 1 if ns.quick else FULL_SCALE.get(case.name, 1)
            row = run_case(case, scale, base)
            rows.append(row)
            if not ns.json:
                ok = "ok" if row["loaded"] == row["expected"] and row["exit"] == 0 else "WRONG"
                print(
                    f"{row['case']:<20} {int(row['bytes']) / 1e6:>9.1f} MB on disk"  # type: ignore[call-overload]
                    f"  {row['load_s']:>7.2f} s  peak {row['peak_mb']:>6,} MB"
                    f"  events {row['loaded']}/{row['expected']} {ok}"
                    f"  rejected {row['rejected']}",
                    flush=True,
                )
                for problem in row["problems"]:  # type: ignore[attr-defined]
                    print(f"{'':<22}{problem[:110]}")
    finally:
        if not ns.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"kept in {base}")
    if ns.json:
        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    return 0 if all(r["loaded"] == r["expected"] and r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
