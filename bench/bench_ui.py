"""UI responsiveness on a large trail: first screen, filter/pivot repaint, page render, memory.

Usage::

    python bench/bench_ui.py                                      # 1,000,000 events
    python bench/bench_ui.py --data bench/data/20k                # a quick run
    python bench/bench_ui.py --data bench/data/1m --repeat 5 --pages 20

The explorer runs headless (``App.run_test(size=(160, 48))``, driven by a ``Pilot``) from a
warm cache. Every measurement that reads peak RSS runs in a fresh subprocess (``wait4``, as in
``bench_load.py``): a cache-filling load, the engine alone (``Session.open``), and the app
taken to its loaded view and through the interactions. A frame counts as "on screen" when
Textual hands it to the driver (``App._display``); headless, nothing is written, so the
harness encodes the frame to terminal bytes itself to keep that cost in the figure. Results
are printed as a table and written to ``bench/out/ui_results.json``. No figure is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_load import ensure_data, machine, run_child
from bench.ui_child import SIZE

HERE = Path(__file__).resolve().parent
CHILD = HERE / "ui_child.py"


# --- the parent -----------------------------------------------------------------------------


@dataclass(slots=True)
class Child:
    """One measured subprocess."""

    name: str
    wall_s: float | None = None
    peak_rss_mb: float | None = None
    ok: bool = False
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def measure_child(name: str, cmd: list[str], timeout: float, *, stamp: bool = False) -> Child:
    """Run one child (``wait4`` peak RSS) and parse the JSON line it prints last.

    With ``stamp``, the child is told the wall-clock time it was started at.
    """
    print(f"  running {name} ...", flush=True)
    spawn = ["--spawn", repr(time.time())] if stamp else []
    wall, rss, code, text = run_child([*cmd, *spawn], timeout)
    child = Child(name, round(wall, 2), round(rss, 1))
    if code == -999:
        child.note = f"timed out after {timeout:.0f} s"
    elif code != 0:
        child.note = f"exit status {code}"
    else:
        lines = [ln for ln in text.splitlines() if ln.startswith("{")]
        child.detail = json.loads(lines[-1]) if lines else {}
        child.ok = bool(lines)
        child.note = "" if lines else "printed no result"
    return child


def readme_events(data: Path) -> int | None:
    """The event count that ``bench/generate.py`` wrote into ``data/README.md``, if any."""
    readme = data / "README.md"
    if not readme.is_file():
        return None
    text = readme.read_text(encoding="utf-8")
    body = text[text.find("{") : text.rfind("}") + 1]
    events = json.loads(body).get("events") if body else None
    return events if isinstance(events, int) else None


def times(a: float | None, b: float | None) -> str:
    """Return ``a / b`` as 'N.Nx', or '-'."""
    if a is None or not b:
        return "-"
    return f"{a / b:.1f}x"


def plus(a: float | None, b: float | None) -> float | None:
    """``a + b``, or None when either is missing."""
    return None if a is None or b is None else a + b


def pct(a: float | None, b: float | None) -> str:
    """How much more ``a`` is than ``b``, as '+N %', or '-'."""
    return "-" if a is None or not b else f"{(a / b - 1) * 100:+.0f} %"


def fmt(value: float | None, unit: str = "ms") -> str:
    """A figure with its unit, or '-'."""
    if value is None:
        return "-"
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def main(argv: list[str] | None = None) -> int:
    """Run the whole measurement."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None, help="benchmark folder (bench/data/1m)")
    parser.add_argument("--events", type=int, default=None, help="events (from --data's README)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per interaction (median)")
    parser.add_argument("--pages", type=int, default=20, help="page renders (median)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="reuse this ctir cache")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per child")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "ui_results.json")
    args = parser.parse_args(argv)

    events = args.events or (readme_events(args.data) if args.data else None) or 1_000_000
    label = f"{events // 1_000_000}m" if events % 1_000_000 == 0 else f"{events}"
    data = args.data or HERE / "data" / label
    logs = ensure_data(data, events)
    me = [sys.executable, str(CHILD)]
    knobs = ["--repeat", str(args.repeat), "--pages", str(args.pages)]
    print(f"UI benchmark: {events:,} events in {logs}, terminal {SIZE[0]}x{SIZE[1]}")
    with tempfile.TemporaryDirectory(prefix="ctir-bench-ui-cache-") as tmp:
        cache = args.cache_dir or Path(tmp)
        common = ["--data", str(logs), "--cache", str(cache)]
        warm = measure_child("cache fill", [*me, "engine", *common], args.timeout)
        engine = measure_child("engine only", [*me, "engine", *common], args.timeout)
        ui = measure_child("app", [*me, "ui", *common, *knobs], args.timeout, stamp=True)
    with tempfile.TemporaryDirectory(prefix="ctir-bench-ui-cold-") as tmp:
        cold_args = ["--data", str(logs), "--cache", tmp]
        cold = measure_child("app, cold", [*me, "cold", *cold_args], args.timeout, stamp=True)
    report([warm, engine, ui], args, events, logs)
    report_cold(cold, warm)
    return 0


def report_cold(cold: Child, fill: Child) -> None:
    """The explorer on an empty cache: the rows read so far, then all of them."""
    d = cold.detail
    print()
    print("cold launch, empty cache (process start ->):")
    first_events, all_events = d.get("first_rows_events") or 0, d.get("events") or 0
    print(f"  first rows on screen      {fmt(d.get('first_rows_ms'))}  ({first_events:,} events)")
    print(f"  refreshes while parsing   {d.get('refreshes_while_parsing', '-')}")
    print(f"  every event on screen     {fmt(d.get('all_rows_ms'))}  ({all_events:,} events)")
    # The explorer holds the rows read so far (in order: a copy) while the load orders them
    # all at its end: its peak, beside the engine's alone.
    peaks = [f"{c.peak_rss_mb:,.0f} MB" if c.peak_rss_mb else "-" for c in (cold, fill)]
    print(f"  peak RSS                  {peaks[0]}  (engine alone, cold: {peaks[1]})")
    fill_ms = fill.wall_s * 1000 if fill.ok and fill.wall_s else None
    print(
        f"  engine alone, cold (no screen, process wall): {fmt(fill_ms)}"
        f"  -> app/engine {times(d.get('all_rows_ms'), fill_ms)}"
    )


def report(children: list[Child], args: argparse.Namespace, events: int, logs: Path) -> None:
    """Print the table and write the JSON results."""
    engine, ui = children[1:]
    print()
    print(f"{'child':<14} {'wall s':>8} {'peak RSS MB':>12}  note")
    for c in children:
        wall = f"{c.wall_s:.2f}" if c.wall_s is not None else "-"
        rss = f"{c.peak_rss_mb:,.0f}" if c.peak_rss_mb is not None else "-"
        extra = c.note or (
            f"Session.open {c.detail['open_s']:.2f} s, from cache: {c.detail['from_cache']}"
            if "open_s" in c.detail
            else ""
        )
        print(f"{c.name:<14} {wall:>8} {rss:>12}  {extra}")
    d = ui.detail
    rows: list[tuple[str, str, str, str]] = []
    open_ms = engine.detail["open_s"] * 1000 if "open_s" in engine.detail else None
    spawn_ms = d.get("process_to_app_ms")
    first_ms, loaded_ms = d.get("first_screen_ms"), d.get("loaded_view_ms")
    engine_wall = engine.wall_s * 1000 if engine.ok and engine.wall_s else None
    rows.append(("first screen: app created -> first frame", fmt(first_ms), "", ""))
    rows.append(
        ("first screen: process start -> first frame", fmt(plus(spawn_ms, first_ms)), "", "")
    )
    rows.append(
        (
            "loaded view: app created -> count on screen",
            fmt(loaded_ms),
            f"{fmt(open_ms)} (open)",
            times(loaded_ms, open_ms),
        )
    )
    rows.append(
        (
            "loaded view: process start -> count on screen",
            fmt(plus(spawn_ms, loaded_ms)),
            f"{fmt(engine_wall)} (process)",
            times(plus(spawn_ms, loaded_ms), engine_wall),
        )
    )
    for name, a in d.get("actions", {}).items():
        rows.append(
            (
                f"{name} [{a['rows']:,} rows]" if a.get("rows") is not None else name,
                fmt(a.get("ui_ms")),
                f"{fmt(a.get('view_ms'))} / {fmt(a.get('view_matrix_ms'))}",
                f"{times(a.get('ui_ms'), a.get('view_ms'))} / "
                f"{times(a.get('ui_ms'), a.get('view_matrix_ms'))}",
            )
        )
    page = d.get("page", {})
    lines = page.get("lines", "?")
    rows.append((f"page down + render {lines} lines", fmt(page.get("render_ms")), "", ""))
    rows.append(("same page again (cached strips)", fmt(page.get("cached_ms")), "", ""))
    rows.append(("ctrl+d via Pilot (press -> frame)", fmt(page.get("press_to_frame_ms")), "", ""))
    rows.append(("frame encode to terminal bytes", fmt(d.get("encode_ms_median")), "", ""))
    overhead = None
    if ui.ok and engine.ok and ui.peak_rss_mb and engine.peak_rss_mb:
        overhead = (ui.peak_rss_mb / engine.peak_rss_mb - 1) * 100
    rows.append(
        (
            "peak RSS: app + interactions",
            fmt(ui.peak_rss_mb, "MB"),
            fmt(engine.peak_rss_mb, "MB"),
            f"{times(ui.peak_rss_mb, engine.peak_rss_mb)} ({overhead:+.0f} %)"
            if overhead is not None
            else "-",
        )
    )
    before = d.get("peak_before_reference_mb")
    rows.append(
        (
            "peak RSS: app, before the reference timings",
            fmt(before, "MB"),
            fmt(engine.peak_rss_mb, "MB"),
            f"{times(before, engine.peak_rss_mb)} ({pct(before, engine.peak_rss_mb)})",
        )
    )
    loaded_rss, engine_rss = d.get("rss_loaded_mb"), engine.detail.get("rss_loaded_mb")
    rows.append(
        (
            "resident after load (current RSS)",
            fmt(loaded_rss, "MB"),
            fmt(engine_rss, "MB"),
            f"{times(loaded_rss, engine_rss)} ({pct(loaded_rss, engine_rss)})",
        )
    )
    rows.append(
        (
            "resident after the interactions",
            fmt(d.get("rss_end_mb"), "MB"),
            fmt(engine_rss, "MB"),
            f"{times(d.get('rss_end_mb'), engine_rss)} ({pct(d.get('rss_end_mb'), engine_rss)})",
        )
    )
    print()
    print(
        f"figure (median; {args.repeat} runs per action, {args.pages} pages)".ljust(52)
        + f"{'UI':>12}  {'engine (actions: view / +matrix)':>34}  UI / engine"
    )
    for name, value, ref, ratio in rows:
        print(f"{name:<52}{value:>12}  {ref:>34}  {ratio}")
    for note in d.get("notes", []):
        print(f"note: {note}")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "events": events,
        "data": str(logs),
        "size": list(SIZE),
        "repeat": args.repeat,
        "pages": args.pages,
        "children": [asdict(c) for c in children],
        "ui_rss_overhead_pct": round(overhead, 1) if overhead is not None else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    print(f"\nresults written to {args.out}")


if __name__ == "__main__":
    raise SystemExit(main())
