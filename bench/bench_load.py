"""Load speed on trails laid out as CloudTrail delivers them: ctir, DuckDB and the floor, one run.

Usage::

    python bench/bench_load.py                       # trail-1m and trail-300k (made if missing)
    python bench/bench_load.py --preset 1m           # one layout
    python bench/bench_load.py --preset tiny100k     # 100,000 tiny files
    python bench/bench_load.py --data DIR            # any folder of .json.gz deliveries

For each trail, in one run and each in a fresh process (wall time includes start-up and
imports; peak RSS from ``wait4`` is that process's, or its biggest worker's):

- **ctir cold**: the explorer's load (``Session.open``) with an empty cache, which it fills;
- **ctir warm summary**: ``ctir summary --json`` again, from that cache;
- **DuckDB**: ``read_json`` of the same files into a table of the core columns;
- **floor**: what any loader must do at least: read every file, inflate it (isal) and
  ``orjson.loads`` it, in two processes with the garbage collector off.

The ratios printed are ctir's cold wall time over DuckDB's and over the floor's. The data
layouts come from ``bench/gen/trailset.py`` (one file per account, region and ~5 minutes,
sizes as CloudTrail writes them). Results also go to ``bench/out/load-<name>.json``.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import write_bench

HERE = Path(__file__).resolve().parent
SEED = 20250312
DEFAULT_PRESETS = ("1m", "300k")

#: The core columns DuckDB is asked for: what ctir's frame holds, give or take.
DUCK_TYPE = (
    "STRUCT(eventTime VARCHAR, eventName VARCHAR, eventSource VARCHAR, awsRegion VARCHAR, "
    "sourceIPAddress VARCHAR, userAgent VARCHAR, errorCode VARCHAR, errorMessage VARCHAR, "
    "eventID VARCHAR, requestID VARCHAR, readOnly VARCHAR, eventType VARCHAR, "
    "recipientAccountId VARCHAR, userIdentity STRUCT(type VARCHAR, arn VARCHAR, "
    "accountId VARCHAR, accessKeyId VARCHAR, userName VARCHAR, principalId VARCHAR))[]"
)
DUCK_QUERY = """
CREATE TABLE ev AS
SELECT TRY_CAST(r.eventTime AS TIMESTAMPTZ) AS time, r.eventName AS event_name,
       r.eventSource AS event_source, r.awsRegion AS region, r.sourceIPAddress AS source_ip,
       r.userAgent AS user_agent, r.errorCode AS error_code, r.errorMessage AS error_message,
       r.eventID AS event_id, r.requestID AS request_id, r.readOnly AS read_only,
       r.eventType AS event_type, r.recipientAccountId AS recipient_account_id,
       r.userIdentity.type AS identity_type, r.userIdentity.arn AS principal_arn,
       r.userIdentity.accountId AS account_id, r.userIdentity.accessKeyId AS access_key_id,
       r.userIdentity.userName AS user_name, r.userIdentity.principalId AS principal_id
FROM (
    SELECT unnest(Records) AS r
    FROM read_json(?, columns = {'Records': 'RECORD_TYPE'}, format = 'auto',
                   maximum_object_size = 268435456)
)
""".replace("RECORD_TYPE", DUCK_TYPE)


@dataclass(slots=True)
class Run:
    """One measured process."""

    tool: str
    wall_s: float | None = None
    events: int | None = None
    peak_rss_mb: float | None = None
    note: str = ""


# --- what each child process does -----------------------------------------------------------


def _children_peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def child_ctir_cold(logs: Path, cache: Path) -> dict[str, Any]:
    """The explorer's load: ``Session.open`` (tactic columns included), filling the cache."""
    from ctir_tui.engine.pipeline.load import LoadOptions
    from ctir_tui.engine.session import Session

    session = Session.open([logs], LoadOptions(cache_dir=cache))
    return {"events": session.report.loaded, "workers_peak_kib": _children_peak_kib()}


def _floor_part(files: list[str]) -> int:
    gc.disable()
    import orjson
    from isal import isal_zlib

    count = 0
    for name in files:
        with open(name, "rb") as handle:
            data = isal_zlib.decompress(handle.read(), wbits=31)
        count += len(orjson.loads(data).get("Records", ()))
    return count


def child_floor(logs: Path) -> dict[str, Any]:
    """Read, inflate and parse every file in two processes: the least any loader does."""
    import multiprocessing as mp

    files = sorted(str(p) for p in logs.rglob("*.json.gz"))
    with mp.get_context("spawn").Pool(2) as pool:
        counts = pool.map(_floor_part, [files[0::2], files[1::2]])
    return {"events": sum(counts), "workers_peak_kib": _children_peak_kib()}


def child_duckdb(logs: Path) -> dict[str, Any]:
    """DuckDB's table of the core columns from the same files."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(DUCK_QUERY, [str(logs / "**" / "*.json.gz")])
    row = con.execute("SELECT count(*) FROM ev").fetchone()
    return {"events": row[0] if row else 0}


# --- the parent -------------------------------------------------------------------------------


def _measure_child(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, peak RSS MB of it or its biggest worker, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env or child_env())
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {out[-500:]}")
    peak = usage.ru_maxrss
    lines = [line for line in out.splitlines() if line.startswith("{") and line.endswith("}")]
    if lines:  # a bench child says how big its workers got
        peak = max(peak, json.loads(lines[-1]).get("workers_peak_kib", 0))
    return wall, peak / 1024, out


def last_json(text: str) -> dict[str, Any]:
    for line in text.splitlines()[::-1]:
        if line.startswith("{"):
            data: dict[str, Any] = json.loads(line)
            return data
    return json.loads(text)  # type: ignore[no-any-return]  # summary --json is indented


def _median_run(tool: str, repeat: int, once: Any, events_of: Any = None) -> Run:
    """``once()`` -> (wall, peak, stdout) ``repeat`` times: the median wall, the largest peak."""
    walls, peaks, out = [], [], ""
    for _ in range(repeat):
        wall, peak, out = once()
        walls.append(wall)
        peaks.append(peak)
    events = (events_of or (lambda text: last_json(text)["events"]))(out)
    note = f"median of {repeat}: " + ", ".join(f"{w:.2f}" for w in walls) if repeat > 1 else ""
    return Run(tool, round(statistics.median(walls), 2), events, round(max(peaks)), note)


def measure(name: str, logs: Path, repeat: int = 1) -> list[Run]:
    """Every tool on one trail, in this order: floor, DuckDB, ctir cold, ctir warm.

    The floor and ctir run ``repeat`` times each (the median is kept: this machine's figures
    move by 10-20 % from run to run); DuckDB, at 15 to 90 s a run, once.
    """
    me = [sys.executable, str(Path(__file__).resolve())]
    runs: list[Run] = []
    print(f"\n{name}: {logs}", flush=True)
    print("  floor (read+isal+orjson, 2 procs) ...", flush=True)
    floor = [*me, "--child", "floor", "--data", str(logs)]
    runs.append(
        _median_run("floor (read+isal+orjson, 2 procs)", repeat, lambda: _measure_child(floor))
    )
    print("  DuckDB read_json ...", flush=True)
    runs.append(
        _median_run(
            "DuckDB read_json",
            1,
            lambda: _measure_child([*me, "--child", "duckdb", "--data", str(logs)]),
        )
    )
    with tempfile.TemporaryDirectory(prefix="ctir-bench-") as tmp:

        def cold() -> tuple[float, float, str]:
            cache = Path(tempfile.mkdtemp(dir=tmp))  # empty each time
            return _measure_child(
                [*me, "--child", "ctir", "--data", str(logs), "--cache", str(cache)]
            )

        print("  ctir cold ...", flush=True)
        runs.append(_median_run("ctir cold (Session.open)", repeat, cold))
        env = child_env({"XDG_CACHE_HOME": str(Path(tmp) / "xdg")})
        summary = [sys.executable, "-m", "ctir_tui", "summary", str(logs), "--json"]
        # The CLI's cache lives under XDG_CACHE_HOME: fill it once, then time the warm run.
        _measure_child(summary, env)
        print("  ctir warm summary ...", flush=True)
        runs.append(
            _median_run(
                "ctir warm summary",
                repeat,
                lambda: _measure_child(summary, env),
                lambda text: json.loads(text)["events"],
            )
        )
    return runs


def report(name: str, logs: Path, runs: list[Run]) -> dict[str, Any]:
    files = sum(1 for _ in logs.rglob("*.json.gz"))
    print(f"\n{name}: {files:,} files")
    print(f"  {'tool':<36}{'wall s':>8}{'events':>12}{'events/s':>12}{'peak MB':>9}")
    for r in runs:
        rate = f"{r.events / r.wall_s:,.0f}" if r.events and r.wall_s else "-"
        print(f"  {r.tool:<36}{r.wall_s:>8.2f}{r.events or 0:>12,}{rate:>12}{r.peak_rss_mb:>9,.0f}")
        if r.note:
            print(f"    {r.note}")
    by = {r.tool.split(" (")[0]: r for r in runs}
    cold = by["ctir cold"].wall_s or 0
    ratios = {
        "ctir cold / DuckDB": round(cold / (by["DuckDB read_json"].wall_s or 1), 2),
        "ctir cold / floor": round(cold / (by["floor"].wall_s or 1), 2),
    }
    for label, value in ratios.items():
        print(f"  {label:<36}{value:>8.2f}x")
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "data": str(logs),
        "files": files,
        "runs": [asdict(r) for r in runs],
        "ratios": ratios,
    }


def ensure(preset: str) -> Path:
    """The trail of a preset, generated when missing."""
    out = HERE / "data" / f"trail-{preset}"
    if not (out / "AWSLogs").is_dir():
        print(f"generating {out} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                "trail",
                "--preset",
                preset,
                "--out",
                str(out),
            ],
            check=True,
        )
    return out / "AWSLogs"


# --- shared with bench_ui.py, ui_child.py and bench_analyses.py ------------------------------


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured child: as a user's, with ctir's bytecode compiled.

    An installed ctir has its ``.pyc`` files; a shell with ``PYTHONDONTWRITEBYTECODE`` (this
    project's sandbox sets it) would make every child compile ctir's sources again, about
    0.2 s of each start. The sources are compiled once here, and children may use them.
    """
    global _COMPILED
    if not _COMPILED:
        compileall.compile_dir(str(HERE.parent / "ctir_tui"), quiet=1)
        _COMPILED = True
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


_COMPILED = False


def run_child(cmd: list[str], timeout: float) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (wall seconds, peak RSS MB, exit status, stdout).

    ``wait4`` gives the rusage of this child (and the descendants it waited for) alone, unlike
    ``RUSAGE_CHILDREN``, which accumulates over every child so far.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.PIPE, start_new_session=True, env=child_env()
        )
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


def machine() -> dict[str, Any]:
    """Where the figures were measured, for the results file."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--preset", action="append", help="1m, 300k, tiny100k, 10m (repeatable)")
    parser.add_argument("--data", type=Path, help="a folder of .json.gz deliveries instead")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the floor and of ctir (median; 3)"
    )
    parser.add_argument("--child", choices=["ctir", "duckdb", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        logs = Path(args.data)
        if args.child == "ctir":
            result = child_ctir_cold(logs, args.cache)
        elif args.child == "duckdb":
            result = child_duckdb(logs)
        else:
            result = child_floor(logs)
        print(json.dumps(result))
        return 0
    trails = (
        [(args.data.name, args.data)]
        if args.data
        else [(f"trail-{p}", ensure(p)) for p in (args.preset or DEFAULT_PRESETS)]
    )
    for name, logs in trails:
        result = report(name, logs, measure(name, logs, args.repeat))
        out = HERE / "out" / f"load-{name}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
