"""Load-speed comparison: ctir against DuckDB and ``zcat | jq`` on the same S3-layout trail.

Usage::

    python bench/bench_load.py                  # 1,000,000 events (generated when missing)
    python bench/bench_load.py --events 100000  # a quick run
    python bench/bench_load.py --skip-jq --data bench/data/1m

Every tool runs in a fresh subprocess, so wall time includes interpreter start-up and imports,
and peak RSS (from ``wait4``) belongs to that tool alone. Results are printed as a table and
written to ``bench/out/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import write_bench

HERE = Path(__file__).resolve().parent
SEED = 20250312
FILTER_RUNS = 5

#: The core columns DuckDB is asked for: what ctir's frame holds, give or take.
DUCK_TYPE = (
    "STRUCT(eventTime VARCHAR, eventName VARCHAR, eventSource VARCHAR, awsRegion VARCHAR, "
    "sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, eventID VARCHAR, "
    "readOnly BOOLEAN, userIdentity STRUCT(type VARCHAR, arn VARCHAR, accessKeyId VARCHAR, "
    "userName VARCHAR, principalId VARCHAR))[]"
)
DUCK_QUERY = """
CREATE TABLE ev AS
SELECT r.eventTime::TIMESTAMPTZ AS time, r.eventName AS event_name,
       r.eventSource AS event_source, r.awsRegion AS region, r.sourceIPAddress AS source_ip,
       r.userAgent AS user_agent, r.errorCode AS error_code, r.eventID AS event_id,
       r.readOnly AS read_only, r.userIdentity.type AS identity_type,
       r.userIdentity.arn AS principal_arn, r.userIdentity.accessKeyId AS access_key_id
FROM (
    SELECT unnest(Records) AS r
    FROM read_json(?, columns = {'Records': 'RECORD_TYPE'}, format = 'auto',
                   maximum_object_size = 67108864)
)
""".replace("RECORD_TYPE", DUCK_TYPE)


@dataclass(slots=True)
class Run:
    """One measured subprocess."""

    tool: str
    wall_s: float | None = None
    events: int | None = None
    peak_rss_mb: float | None = None
    ok: bool = False
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def events_per_s(self) -> float | None:
        """Events per wall second, when the run succeeded."""
        if not self.ok or not self.wall_s or not self.events:
            return None
        return self.events / self.wall_s


def run_child(cmd: list[str], timeout: float) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (wall seconds, peak RSS MB, exit status, stdout).

    ``wait4`` gives the rusage of this child (and the descendants it waited for) alone, unlike
    ``RUSAGE_CHILDREN``, which accumulates over every child so far.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, start_new_session=True)
        assert proc.stderr is not None
        os.set_blocking(proc.stderr.fileno(), False)
        err = b""
        status = None
        rusage = None
        while status is None:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, rusage = st, ru
                break
            chunk = proc.stderr.read()
            if chunk:
                err = (err + chunk)[-4000:]
            if time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err += proc.stderr.read() or b""
        proc.stderr.close()
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0 and err:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    timed_out = wall > timeout
    assert rusage is not None
    return wall, rusage.ru_maxrss / 1024, -999 if timed_out else proc.returncode, text


def measure(tool: str, cmd: list[str], timeout: float) -> Run:
    """Run one tool and parse the JSON line it prints last."""
    print(f"  running {tool} ...", flush=True)
    wall, rss, code, text = run_child(cmd, timeout)
    run = Run(tool, round(wall, 2), peak_rss_mb=round(rss, 1))
    if code == -999:
        run.note = f"timed out after {timeout:.0f} s"
        return run
    if code != 0:
        run.note = f"exit status {code}"
        return run
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    if not lines:
        run.note = "printed no result"
        return run
    run.detail = json.loads(lines[-1])
    run.events = run.detail.get("events")
    run.ok = not run.detail.get("error")
    run.note = run.detail.get("error", "")
    return run


# --- children -------------------------------------------------------------------------------


def probes(logs: Path) -> dict[str, str]:
    """Pick filter values that exist in the data: an IP, a principal part, a CIDR, a window."""
    first = next(iter(sorted(logs.rglob("*.json.gz"))))
    import gzip

    recs = orjson.loads(gzip.decompress(first.read_bytes()))["Records"]
    ip = next(r["sourceIPAddress"] for r in recs if r["sourceIPAddress"][0].isdigit())
    t = datetime.strptime(recs[0]["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return {
        "ip": ip,
        "principal": "app-role-1",
        "cidr": ip.split(".")[0] + ".0.0.0/8",
        "event": "Describe*",
        "since": (t - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ"),
        "until": (t + timedelta(hours=11)).strftime("%Y-%m-%dT%H:%MZ"),
    }


def child_ctir(logs: Path, cache: Path, with_filters: bool) -> dict[str, Any]:
    """Load with ctir (cold or from cache), then optionally time filters on the frame."""
    from ctir_tui.engine.pipeline.load import LoadOptions, load_paths

    start = time.perf_counter()
    result = load_paths([logs], LoadOptions(use_cache=True, cache_dir=cache))
    out: dict[str, Any] = {
        "events": result.report.loaded,
        "load_s": round(time.perf_counter() - start, 3),
        "from_cache": result.report.from_cache,
    }
    if with_filters:
        out["filters_ms"] = ctir_filters(result.frame, probes(logs))
    return out


def ctir_filters(frame: Any, p: dict[str, str]) -> dict[str, Any]:
    """Median milliseconds of representative filters, through ctir's filter module if present."""

    def timed(build: Any) -> dict[str, Any]:
        runs, rows = [], 0
        for _ in range(FILTER_RUNS):
            t = time.perf_counter()
            rows = build().height
            runs.append((time.perf_counter() - t) * 1000)
        return {"median_ms": round(statistics.median(runs), 2), "rows": rows}

    from ctir_tui.engine.query.filters import Filters
    from ctir_tui.engine.query.language import make

    specs = {
        "ip ==": [("ip", p["ip"])],
        "principal contains": [("principal", p["principal"])],
        "cidr": [("ip", p["cidr"])],
        "event glob": [("event", p["event"])],
        "time window": [("since", p["since"]), ("until", p["until"])],
    }
    out: dict[str, Any] = {}
    for name, clauses in specs.items():
        filters = Filters()
        for word, value in clauses:
            filters = filters.add(make(word, value))
        out[name] = timed(lambda f=filters: f.apply(frame))
    out["via"] = "ctir_tui.engine.query"
    return out


def child_duckdb(logs: Path) -> dict[str, Any]:
    """Build a DuckDB table of the core columns, then time the same IP filter."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute(DUCK_QUERY, [str(logs / "**" / "*.json.gz")])
    row = con.execute("SELECT count(*) FROM ev").fetchone()
    load_s = time.perf_counter() - start
    ip = probes(logs)["ip"]
    runs, rows = [], 0
    for _ in range(FILTER_RUNS):
        t = time.perf_counter()
        # Materialise the matching rows as a table, as a Polars filter builds a new frame.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE hit AS SELECT * FROM ev WHERE source_ip = ?", [ip]
        )
        runs.append((time.perf_counter() - t) * 1000)
        found = con.execute("SELECT count(*) FROM hit").fetchone()
        rows = found[0] if found else 0
    return {
        "events": row[0] if row else 0,
        "load_s": round(load_s, 3),
        "filters_ms": {"ip ==": {"median_ms": round(statistics.median(runs), 2), "rows": rows}},
    }


def child_main(args: argparse.Namespace) -> int:
    """Run one measured tool inside this (child) process and print its JSON result."""
    logs = Path(args.data)
    try:
        if args.child == "duckdb":
            result = child_duckdb(logs)
        else:
            result = child_ctir(logs, Path(args.cache), with_filters=args.child == "ctir-filter")
    except ImportError as exc:
        result = {"error": f"not importable: {exc}"}
    print(json.dumps(result))
    return 0


# --- the parent -----------------------------------------------------------------------------


def ensure_data(data: Path, events: int) -> Path:
    """Generate the benchmark set unless ``data`` already holds one of ``events`` events."""
    readme = data / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        body = text[text.find("{") : text.rfind("}") + 1]
        if body and json.loads(body).get("events") == events:
            return data / "AWSLogs"
    write_bench(data, events, SEED, force=False)
    return data / "AWSLogs"


def ratio(a: float | None, b: float | None) -> str:
    """Return ``b / a`` as 'N.Nx' (how many times faster a is), or '-'."""
    if not a or not b:
        return "-"
    return f"{b / a:.1f}x"


def machine() -> dict[str, Any]:
    """Where the figures were measured, for the results file."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the whole comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=None, help="benchmark folder to use/create")
    parser.add_argument("--skip-jq", action="store_true")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per tool")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "results.json")
    parser.add_argument(
        "--child", choices=["ctir", "ctir-filter", "duckdb"], help=argparse.SUPPRESS
    )
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)

    label = f"{args.events // 1_000_000}m" if args.events % 1_000_000 == 0 else f"{args.events}"
    data = args.data or HERE / "data" / label
    logs = ensure_data(data, args.events)
    p = probes(logs)
    me = [sys.executable, str(Path(__file__).resolve())]
    runs: list[Run] = []
    print(f"benchmark: {args.events:,} events in {logs}")
    with tempfile.TemporaryDirectory(prefix="ctir-bench-cache-") as cache:
        common = ["--data", str(logs), "--cache", cache]
        runs.append(measure("ctir cold", [*me, "--child", "ctir", *common], args.timeout))
        runs.append(measure("ctir cached", [*me, "--child", "ctir", *common], args.timeout))
        runs.append(
            measure("ctir + filters", [*me, "--child", "ctir-filter", *common], args.timeout)
        )
    runs.append(
        measure("duckdb read_json", [*me, "--child", "duckdb", "--data", str(logs)], args.timeout)
    )
    jq = shutil.which("jq")
    if args.skip_jq or jq is None:
        runs.append(Run("zcat | jq", note="skipped" if args.skip_jq else "jq not found"))
    else:
        pipeline = (
            f"find '{logs}' -name '*.json.gz' -print0 | xargs -0 zcat | "
            f"{jq} -c '.Records[] | select(.sourceIPAddress==\"{p['ip']}\")' | wc -l"
        )
        print("  running zcat | jq ...", flush=True)
        wall, rss, code, text = run_child(["bash", "-c", pipeline], args.timeout)
        run = Run("zcat | jq", round(wall, 2), args.events, round(rss, 1), ok=code == 0)
        run.note = (
            f"one IP filter, {text.strip()} rows"
            if code == 0
            else (f"timed out after {args.timeout:.0f} s" if code == -999 else f"exit {code}")
        )
        runs.append(run)
    report(runs, args, p, logs)
    return 0


def report(runs: list[Run], args: argparse.Namespace, p: dict[str, str], logs: Path) -> None:
    """Print the table and write the JSON results."""
    by = {r.tool: r for r in runs}
    print()
    print(f"{'tool':<18} {'wall s':>8} {'events/s':>12} {'peak RSS MB':>12}  note")
    for r in runs:
        eps = f"{r.events_per_s:,.0f}" if r.events_per_s else "-"
        wall = f"{r.wall_s:.2f}" if r.wall_s is not None else "-"
        rss = f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb is not None else "-"
        print(f"{r.tool:<18} {wall:>8} {eps:>12} {rss:>12}  {r.note}")
    cold, cached = by["ctir cold"], by["ctir cached"]
    duck, jq = by["duckdb read_json"], by["zcat | jq"]
    ratios = {
        "ctir cold vs duckdb (wall)": ratio(
            cold.wall_s if cold.ok else None, duck.wall_s if duck.ok else None
        ),
        "ctir cached vs duckdb (wall)": ratio(
            cached.wall_s if cached.ok else None, duck.wall_s if duck.ok else None
        ),
        "ctir cold vs jq (wall)": ratio(
            cold.wall_s if cold.ok else None, jq.wall_s if jq.ok else None
        ),
        "duckdb vs jq (wall)": ratio(
            duck.wall_s if duck.ok else None, jq.wall_s if jq.ok else None
        ),
    }
    print()
    for name, value in ratios.items():
        print(f"{name:<32} {value}  (x = times faster)")
    for r in runs:
        filters = r.detail.get("filters_ms")
        if filters:
            print(f"\nfilters, {r.tool} (median of {FILTER_RUNS} runs):")
            for name, f in filters.items():
                if isinstance(f, dict):
                    print(f"  {name:<20} {f['median_ms']:>9.2f} ms  {f['rows']:>8,} rows")
                else:
                    print(f"  via {f}")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "events": args.events,
        "data": str(logs),
        "probes": p,
        "runs": [asdict(r) | {"events_per_s": r.events_per_s} for r in runs],
        "ratios": ratios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"\nresults written to {args.out}")


if __name__ == "__main__":
    raise SystemExit(main())
