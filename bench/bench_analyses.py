"""Analysis speed on a large trail: each analysis, each triage question, the whole triage.

Usage::

    python bench/bench_analyses.py                          # bench/data/trail-1m
    python bench/bench_analyses.py --data bench/data/20k --repeat 3

The trail is loaded once (a second load is timed too: the warm cache), then every analysis
runs ``--repeat`` times on the whole frame and the median is kept. Each triage question is
timed alone (nothing shared with the others), then the whole triage (work shared between
questions). The named alternatives run in the same process over the same frame: the same
question as SQL in DuckDB (over the frame handed to it as Arrow, the conversion not timed),
and the Polars floor (the bare group-by the analysis is built on). Nothing is asserted; the
table is printed and written to ``bench/out/analyses_results.json``. The data is never
written to: the trail must exist (``python bench/generate.py trail ...``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl

from bench.bench_load import machine
from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.answers import answer
from ctir_tui.engine.analyses.chain import chain
from ctir_tui.engine.analyses.first_seen import baseline_of, first_seen
from ctir_tui.engine.analyses.questions import question, questions
from ctir_tui.engine.analyses.scope import Scope
from ctir_tui.engine.analyses.timeline import timeline
from ctir_tui.engine.analyses.top import top
from ctir_tui.engine.analyses.triage import triage
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import parse_filter
from ctir_tui.engine.session import Session

HERE = Path(__file__).resolve().parent
TARGET_ANALYSIS_MS = 200.0
TARGET_QUESTION_MS = 100.0
TARGET_TRIAGE_MS = 2000.0


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``run`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def duckdb_alternatives(frame: pl.DataFrame) -> dict[str, Callable[[], object]]:
    """The same questions in DuckDB over the same events (None when DuckDB is missing)."""
    try:
        import duckdb
    except ImportError:
        return {}
    con = duckdb.connect()
    columns = [
        c.TIME,
        c.EVENT_NAME,
        c.PRINCIPAL,
        c.SOURCE_IP,
        c.REGION,
        c.OUTCOME,
        c.EVENT_ID,
        c.IDENTITY_TYPE,
        c.SESSION_ISSUER_ARN,
    ]
    # Handed over as Parquet in a scratch file (no pyarrow here), loaded into a table: the
    # queries below then run on DuckDB's own columns, the hand-over not timed.
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "ev.parquet"
        frame.select(columns).write_parquet(path)
        con.execute("CREATE TABLE ev AS SELECT * FROM read_parquet(?)", [str(path)])
    baseline = baseline_of(frame, None)
    tampering = question("logging-tampering").events
    names = ", ".join("'" + n.replace("'", "''") + "'" for n in tampering if "*" not in n)

    def sql(text: str, *args: Any) -> Callable[[], object]:
        return lambda: con.execute(text, list(args)).fetchall()

    return {
        "top principal": sql(
            "SELECT principal, count(*) n, min(time), max(time) FROM ev "
            "WHERE principal IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10"
        ),
        "timeline": sql(
            "SELECT time_bucket(INTERVAL 1 hour, time) b, outcome, count(*) FROM ev "
            "WHERE time IS NOT NULL GROUP BY 1, 2 ORDER BY 1"
        ),
        "first-seen": sql(
            "WITH a AS (SELECT CASE WHEN identity_type = 'AssumedRole' AND session_issuer_arn "
            "IS NOT NULL THEN session_issuer_arn ELSE principal END actor, source_ip, event_name, "
            "region, time FROM ev WHERE time IS NOT NULL AND identity_type IS DISTINCT FROM "
            "'AWSService'), p AS (SELECT actor, 'ip' k, source_ip v, min(time) f FROM a "
            "GROUP BY 1, 3 UNION ALL SELECT actor, 'event', event_name, min(time) FROM a "
            "GROUP BY 1, 3 UNION ALL SELECT actor, 'region', region, min(time) FROM a "
            "GROUP BY 1, 3) SELECT count(*) FROM p WHERE f > ?",
            baseline,
        ),
        "question logging-tampering": sql(
            f"SELECT event_id FROM ev WHERE event_name IN ({names}) ORDER BY time"
        ),
    }


def polars_floor(frame: pl.DataFrame) -> dict[str, Callable[[], object]]:
    """The bare Polars work each analysis stands on."""
    return {
        "top principal": lambda: frame.group_by(c.PRINCIPAL).len(),
        "timeline": lambda: frame.group_by(pl.col(c.TIME).dt.truncate("1h"), c.OUTCOME).len(),
        "first-seen": lambda: [
            frame.group_by(c.PRINCIPAL, col).agg(pl.col(c.TIME).min())
            for col in (c.SOURCE_IP, c.USER_AGENT, c.REGION, c.EVENT_NAME)
        ],
    }


def busiest_principal(frame: pl.DataFrame) -> tuple[str, str]:
    """A principal and a key with many events (a chain that has work to do)."""
    keyed = frame.filter(pl.col(c.ACCESS_KEY_ID).is_not_null())
    row = keyed.group_by(c.PRINCIPAL, c.ACCESS_KEY_ID).len().sort("len", descending=True).row(0)
    return str(row[0]), str(row[1])


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=HERE / "data" / "trail-1m")
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args(argv)
    if not ns.data.exists():
        print(f"no trail at {ns.data}: python bench/generate.py trail ... (see bench/README.md)")
        return 1
    started = time.perf_counter()
    session = Session.open([ns.data])
    first_load = time.perf_counter() - started
    del session  # one frame in memory at a time: the peak is one session's
    started = time.perf_counter()
    session = Session.open([ns.data])
    warm_load = time.perf_counter() - started
    loaded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    frame = session.frame
    principal, key = busiest_principal(frame)
    repeat = ns.repeat

    analyses: dict[str, Callable[[], object]] = {
        "top principal": lambda: top(frame, c.PRINCIPAL),
        "top ip": lambda: top(frame, c.SOURCE_IP),
        "top event": lambda: top(frame, c.EVENT_NAME),
        "timeline": lambda: timeline(frame),
        "first-seen": lambda: first_seen(frame).rows(50),
        "chain from a key": lambda: chain(frame, key=key, texts=session.texts),
        "chain from a principal": lambda: chain(frame, principal=principal, texts=session.texts),
        # The first search of a word scans the text store; later ones are remembered.
        "text search (first)": lambda: session.view(
            Filters((parse_filter(f"text p4d-{time.perf_counter_ns()}"),))
        ),
        "text search (again)": lambda: session.view(Filters((parse_filter("text p4d"),))),
    }
    alternatives = duckdb_alternatives(frame)
    floors = polars_floor(frame)
    rows: list[dict[str, Any]] = []

    def measure(name: str, run: Callable[[], object], target: float) -> None:
        ms = median_ms(run, repeat)
        alt = alternatives.get(name)
        duck = median_ms(alt, repeat) if alt is not None else None
        floor = floors.get(name)
        bare = median_ms(floor, repeat) if floor is not None else None
        rows.append(
            {
                "name": name,
                "ms": ms,
                "target_ms": target,
                "duckdb_ms": duck,
                "polars_floor_ms": bare,
            }
        )

    for name, run in analyses.items():
        measure(name, run, TARGET_ANALYSIS_MS)
    for q in questions():
        measure(
            f"question {q.id}",
            lambda q=q: answer(q, Scope(frame, session.texts)),  # type: ignore[misc]
            TARGET_QUESTION_MS,
        )
    measure("whole triage", lambda: triage(frame, texts=session.texts), TARGET_TRIAGE_MS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"{frame.height:,} events from {ns.data}; first load {first_load:.2f} s, "
        f"warm reopen {warm_load:.2f} s; medians of {repeat}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus"
    )
    print(f"{'':34}{'ms':>9}{'target':>9}{'DuckDB':>9}{'ratio':>8}{'floor':>9}")
    for r in rows:
        duck = f"{r['duckdb_ms']:9.1f}" if r["duckdb_ms"] is not None else f"{'':>9}"
        ratio = f"{r['duckdb_ms'] / r['ms']:7.2f}x" if r["duckdb_ms"] else f"{'':>8}"
        floor = f"{r['polars_floor_ms']:9.1f}" if r["polars_floor_ms"] is not None else ""
        mark = "" if r["ms"] <= r["target_ms"] else "  (over target)"
        print(f"{r['name']:34}{r['ms']:9.1f}{r['target_ms']:9.0f}{duck}{ratio}{floor}{mark}")
    print(
        f"peak RSS {loaded_rss:,.0f} MB after the loads, {peak:,.0f} MB at the end "
        "(DuckDB's copy of the columns included); ratio: DuckDB's time / ctir's; floor: the "
        "bare Polars query"
    )
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    result = {
        "data": str(ns.data),
        "events": frame.height,
        "first_load_s": first_load,
        "warm_reopen_s": warm_load,
        "repeat": repeat,
        "load_average": os.getloadavg()[0],
        "peak_rss_mb": peak,
        "loaded_rss_mb": loaded_rss,
        "machine": machine(),
        "rows": rows,
    }
    (out / "analyses_results.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
