"""Ten million events on this machine: cold and warm load, filters and paging, peak memory.

Usage::

    python bench/generate.py trail --preset 10m      # 10M events in 39,897 files (~1 min)
    python bench/bench_10m.py                         # bench/data/trail-10m
    python bench/bench_10m.py --data DIR --repeat 5

Each load runs in a fresh process and reports its own peak RSS and its workers'; filters
are the explorer's (``Session.view``) on the loaded frame, median of ``--repeat``; paging
formats one screen of rows (48) at ten places of the frame, as the event list does.
Targets (issue 13): filters <= 500 ms, paging <= 16 ms, peak RSS <= 8 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_load import child_env

HERE = Path(__file__).resolve().parent
FILTERS = {
    "ip ==": "ip {ip}",
    "cidr": "ip 10.0.0.0/8",
    "principal contains": "principal {principal}",
    "event glob": "event Describe*",
    "errors": "errors",
    "time window (6h)": "since 6h",
    "tactic": "tactic Discovery",
}


def child(logs: Path, cache: Path, repeat: int, measure_views: bool) -> dict[str, Any]:
    from ctir_tui.engine.pipeline.load import LoadOptions
    from ctir_tui.engine.query.filters import Filters
    from ctir_tui.engine.query.language import parse_filter
    from ctir_tui.engine.session import Session

    start = time.perf_counter()
    session = Session.open([logs], LoadOptions(cache_dir=cache))
    out: dict[str, Any] = {
        "events": session.frame.height,
        "load_s": round(time.perf_counter() - start, 2),
        "from_cache": session.report.from_cache,
        "frame_mb": round(session.frame.estimated_size("mb")),
    }
    if measure_views:
        frame = session.frame
        sample = frame.filter(frame["source_ip"].is_not_null()).row(len(frame) // 2, named=True)
        values = {"ip": sample["source_ip"], "principal": str(sample["principal"])[-12:]}
        views: dict[str, Any] = {}
        for name, text in FILTERS.items():
            filters = Filters((parse_filter(text.format(**values)),))
            runs, rows = [], 0
            for _ in range(repeat):
                t = time.perf_counter()
                rows = session.view(filters).height
                runs.append((time.perf_counter() - t) * 1000)
            views[name] = {"median_ms": round(statistics.median(runs), 1), "rows": rows}
        out["filters_ms"] = views
        from ctir_tui.ui.widgets._list_format import format_rows

        pages = []
        for k in range(10):
            t = time.perf_counter()
            format_rows(frame.slice(k * (len(frame) // 10), 48), frozenset())
            pages.append((time.perf_counter() - t) * 1000)
        out["page_ms"] = round(statistics.median(pages), 2)
    out["self_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["workers_peak_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return out


def run(logs: Path, cache: Path, repeat: int, views: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--data", str(logs)]
    cmd += ["--cache", str(cache), "--repeat", str(repeat)] + (["--views"] if views else [])
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=child_env())
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - start, 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=HERE / "data" / "trail-10m" / "AWSLogs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--views", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.data, args.cache, args.repeat, args.views)))
        return 0
    if not args.data.is_dir():
        sys.exit(f"{args.data} is missing: python bench/generate.py trail --preset 10m")
    with tempfile.TemporaryDirectory(prefix="ctir-10m-") as tmp:
        cache = Path(tmp)
        cold = run(args.data, cache, args.repeat, views=False)
        warm = run(args.data, cache, args.repeat, views=True)
    for name, r in (("cold", cold), ("warm", warm)):
        peak = max(r["self_peak_mb"], r["workers_peak_mb"])
        print(
            f"{name:<5} {r['events']:,} events  load {r['load_s']:.1f} s"
            f" (process {r['wall_s']:.1f} s)"
            f"  peak RSS {r['self_peak_mb']:,} MB (workers {r['workers_peak_mb']:,} MB)"
            f"  frame {r['frame_mb']:,} MB  from cache {r['from_cache']:,}"
        )
        assert peak > 0
    for name, f in warm["filters_ms"].items():
        print(f"  filter {name:<22} {f['median_ms']:>8.1f} ms  {f['rows']:>10,} rows")
    print(f"  page of 48 rows (format_rows), median of 10 places: {warm['page_ms']:.2f} ms")
    out = HERE / "out" / "bench-10m.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cold": cold, "warm": warm, "cpus": os.cpu_count()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
