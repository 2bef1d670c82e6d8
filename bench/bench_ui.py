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
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_load import ensure_data, machine, probes, run_child

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from ctir_tui.engine.query.filters import Filters
    from ctir_tui.ui.app import CtirApp
    from ctir_tui.ui.screens.main import MainScreen

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)
CIDR = "10.0.0.0/8"
GLOB = "Describe*"
#: Rounds of "wait for the workers, then let the app go idle" before giving up on a view.
SETTLE_ROUNDS = 400


# --- what the child records --------------------------------------------------------------


@dataclass(slots=True)
class Frame:
    """One frame handed to the driver, with what the user would read on it."""

    t: float
    main: bool
    loading: bool = False
    loaded: bool = False
    view_id: int = 0
    list_top: int = -1


@dataclass(slots=True)
class Recorder:
    """Collects a :class:`Frame` for every ``App._display`` call of the app."""

    app: CtirApp
    frames: list[Frame] = field(default_factory=list)
    encode_ms: list[float] = field(default_factory=list)

    def install(self) -> None:
        """Wrap ``app._display`` (headless it only discards the frame) to time every frame."""
        original: Callable[..., None] = self.app._display
        console = self.app.console

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            # What the driver would do with a real terminal: encode the update to bytes.
            encode = getattr(renderable, "render_segments", None)
            if callable(encode):
                start = time.perf_counter()
                encode(console)
                self.encode_ms.append((time.perf_counter() - start) * 1000)
            self.frames.append(self._describe(screen))

        setattr(self.app, "_display", display)  # noqa: B010 - instance override on purpose

    def _describe(self, screen: Any) -> Frame:
        from ctir_tui.ui.screens.main import MainScreen
        from ctir_tui.ui.widgets.event_list import EventList
        from ctir_tui.ui.widgets.status import LoadPanel, StatusLine

        now = time.perf_counter()
        if not isinstance(screen, MainScreen):
            return Frame(now, main=False)
        return Frame(
            now,
            main=True,
            loading=bool(screen.query_one(LoadPanel).display) and screen.session is None,
            loaded=screen.view is not None and bool(screen.query_one(StatusLine).plain),
            view_id=id(screen.view) if screen.view is not None else 0,
            list_top=screen.query_one(EventList).scroll_offset.y,
        )

    def first(self, since: int, test: Callable[[Frame], bool]) -> Frame | None:
        """The first frame from index ``since`` on that passes ``test``."""
        return next((f for f in self.frames[since:] if test(f)), None)


def median_ms(values: list[float]) -> float | None:
    """Median rounded to 0.01 ms, or None for no values."""
    return round(statistics.median(values), 2) if values else None


def timed_ms(call: Callable[[], object], repeat: int) -> float | None:
    """Median milliseconds of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append((time.perf_counter() - start) * 1000)
    return median_ms(runs)


def rss_now_mb() -> float | None:
    """This process's current resident size (Linux ``/proc``), or None elsewhere."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), None)
    return round(int(line.split()[1]) / 1024, 1) if line else None


def peak_self_mb() -> float:
    """This process's peak resident size so far (``ru_maxrss``, KB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- children -------------------------------------------------------------------------------


def child_engine(logs: Path, cache: Path) -> dict[str, Any]:
    """Open the session with the engine alone (the cache fill, or the warm-cache reference)."""
    from ctir_tui.engine.pipeline.load import LoadOptions
    from ctir_tui.engine.session import Session

    start = time.perf_counter()
    session = Session.open([logs], LoadOptions(use_cache=True, cache_dir=cache))
    return {
        "events": session.frame.height,
        "open_s": round(time.perf_counter() - start, 3),
        "from_cache": session.report.from_cache,
        "rss_loaded_mb": rss_now_mb(),
    }


async def settle(pilot: Pilot[int]) -> None:
    """Wait for every worker (load, view, detail) and the messages they post."""
    app = pilot.app
    for _ in range(SETTLE_ROUNDS):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            return
    raise RuntimeError("the app did not settle")


@dataclass(slots=True)
class Action:
    """One measured interaction: the UI's figures and the engine's for the same filters."""

    name: str
    runs_ms: list[float] = field(default_factory=list)
    rows: int | None = None
    filters: Filters | None = None
    fallback: int = 0

    def summary(self) -> dict[str, Any]:
        """The JSON form (without the filters)."""
        return {
            "ui_ms": median_ms(self.runs_ms),
            "runs_ms": [round(r, 2) for r in self.runs_ms],
            "rows": self.rows,
            "frames_missed": self.fallback,
        }


async def child_ui_async(logs: Path, cache: Path, repeat: int, pages: int, spawn: float) -> Any:
    """Run the app to its loaded view and through the interactions; return the figures."""
    from ctir_tui.engine.pipeline.load import LoadOptions
    from ctir_tui.engine.query.filters import Filters
    from ctir_tui.engine.query.language import make
    from ctir_tui.engine.tactics.matrix import matrix_counts
    from ctir_tui.ui.app import CtirApp
    from ctir_tui.ui.config import ExplorerConfig
    from ctir_tui.ui.screens.main import MainScreen
    from ctir_tui.ui.widgets.event_list import EventList
    from ctir_tui.ui.widgets.status import StatusLine
    from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix

    out: dict[str, Any] = {"notes": []}
    notes: list[str] = out["notes"]
    epoch0, t0 = time.time(), time.perf_counter()
    app = CtirApp(ExplorerConfig([str(logs)], load=LoadOptions(use_cache=True, cache_dir=cache)))
    rec = Recorder(app)
    rec.install()
    async with app.run_test(size=SIZE) as pilot:
        out["run_test_entered_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        main: MainScreen = screen
        events = main.query_one(EventList)
        matrix = main.query_one(TacticMatrix)
        session = main.session
        assert session is not None
        assert main.view is not None
        assert matrix.matrix is not None
        out["events"] = session.frame.height
        out["status"] = main.query_one(StatusLine).plain
        out["rss_loaded_mb"] = rss_now_mb()

        first = rec.first(0, lambda f: f.main)
        loaded = rec.first(0, lambda f: f.loaded)
        start_offset = (epoch0 - spawn) * 1000 if spawn else None
        if first is not None:
            out["first_screen_ms"] = round((first.t - t0) * 1000, 1)
            if not first.loading:
                notes.append("the first frame of the main screen did not show the load panel")
        if loaded is not None:
            out["loaded_view_ms"] = round((loaded.t - t0) * 1000, 1)
        if start_offset is not None:
            out["process_to_app_ms"] = round(start_offset, 1)

        async def measure(act: Action, trigger: Callable[[], Any]) -> None:
            """Time ``trigger`` up to the first frame showing the view it leads to."""
            old = main.view
            since = len(rec.frames)
            start = time.perf_counter()
            result = trigger()
            if asyncio.iscoroutine(result):
                await result
            await settle(pilot)
            end = time.perf_counter()
            assert main.view is not None
            if main.view is old:
                raise RuntimeError(f"{act.name}: the view did not change")
            frame = rec.first(since, lambda f: f.view_id == id(main.view))
            if frame is None:  # settle() repaints, so this should not happen
                act.fallback += 1
            else:
                end = frame.t
            act.runs_ms.append((end - start) * 1000)
            if act.filters is not None and act.filters != main.filters:
                notes.append(f"{act.name}: the runs did not all apply the same filters")
            act.rows = main.view.height
            act.filters = main.filters

        async def focus_list() -> None:
            events.focus()
            await settle(pilot)

        async def back() -> None:
            await focus_list()
            await pilot.press("left_square_bracket")
            await settle(pilot)

        pivot, back_act = Action("pivot: source IP (i)"), Action("back to all events ([)")
        cidr, glob = Action(f"filter: ip {CIDR}"), Action(f"filter: event {GLOB}")
        cell = Action("matrix cell (enter)")
        base = main.filters
        # Pivot from a fixed event (rows with equal times may come in any order): the first
        # with the IP that bench_load.py filters on.
        ip = probes(logs)["ip"]
        hits = events.frame.get_column("source_ip").eq(ip).arg_true()
        start_row = int(hits[0]) if hits.len() else 0
        out["pivot_ip"] = ip if hits.len() else None
        # The busiest cell of the busiest tactic: the one a responder's eye goes to.
        tactics = matrix.matrix.tactics
        col = max(range(len(tactics)), key=lambda i: tactics[i].count)
        tactic = tactics[col]
        hot = max(range(len(tactic.cells)), key=lambda i: tactic.cells[i].count)
        cell.name = f"matrix cell {tactic.cells[hot].event} (enter)"
        for _ in range(repeat):
            events.cursor_row = start_row  # the cell filter leaves it on another event
            await focus_list()
            await measure(pivot, lambda: pilot.press("i"))
            await measure(back_act, lambda: pilot.press("left_square_bracket"))
            await measure(cidr, lambda: main.set_filters(base.add(make("ip", CIDR))))
            await back()
            await measure(glob, lambda: main.set_filters(base.add(make("event", GLOB))))
            await back()
            matrix.focus()
            matrix.cursor = (col, hot)
            await settle(pilot)
            await measure(cell, lambda: pilot.press("enter"))
            await back()
        actions = [pivot, back_act, cidr, glob, cell]

        # Page moves on the full view, from the middle of the list.
        await focus_list()
        events.cursor_row = events.frame.height // 2
        await settle(pilot)
        lines = events.scrollable_content_region.height
        page = max(lines - 1, 1)
        render, cached, pressed = [], [], []
        for _ in range(pages):
            top = events.scroll_offset.y
            start = time.perf_counter()
            events.action_cursor_page_down()
            # The action defers its scroll to after the next refresh; apply it now so that the
            # lines rendered are the new page's, as the next frame would render them.
            events.scroll_to(y=top + page, animate=False, immediate=True)
            for y in range(lines):
                events.render_line(y)
            mid = time.perf_counter()
            for y in range(lines):
                events.render_line(y)
            end = time.perf_counter()
            render.append((mid - start) * 1000)
            cached.append((end - mid) * 1000)
            await settle(pilot)
            if events.scroll_offset.y != top + page:
                notes.append(f"page down scrolled to {events.scroll_offset.y}, not {top + page}")
        for _ in range(pages):
            top = events.scroll_offset.y
            since = len(rec.frames)
            start = time.perf_counter()
            await pilot.press("ctrl+d")
            await settle(pilot)
            frame = rec.first(since, lambda f, top=top: f.list_top > top)  # type: ignore[misc]
            pressed.append(((frame.t if frame else time.perf_counter()) - start) * 1000)
        out["page"] = {
            "lines": lines,
            "render_ms": median_ms(render),
            "cached_ms": median_ms(cached),
            "press_to_frame_ms": median_ms(pressed),
            "runs": pages,
        }

        out["rss_end_mb"] = rss_now_mb()
        out["peak_before_reference_mb"] = peak_self_mb()
        # The named alternative: the bare engine call for the same filters, same process.
        engine: dict[str, Any] = {}
        for act in actions:
            filters = act.filters if act.filters is not None else Filters()
            view_ms = timed_ms(lambda f=filters: session.view(f), repeat)  # type: ignore[misc]
            frame_ = session.view(filters)
            both_ms = timed_ms(
                lambda f=frame_: matrix_counts(f, session.mapping),  # type: ignore[misc]
                repeat,
            )
            engine[act.name] = {
                "view_ms": view_ms,
                "view_matrix_ms": round((view_ms or 0) + (both_ms or 0), 2),
                "filters": list(filters.labels()),
            }
        out["actions"] = {a.name: a.summary() | engine[a.name] for a in actions}
        out["frames"] = len(rec.frames)
        out["encode_ms_median"] = median_ms(rec.encode_ms)
        await pilot.press("ctrl+q")
    return out


def child_main(args: argparse.Namespace) -> int:
    """Run one measured child and print its JSON result."""
    logs, cache = Path(args.data), Path(args.cache)
    if args.child == "engine":
        result = child_engine(logs, cache)
    else:
        result = asyncio.run(child_ui_async(logs, cache, args.repeat, args.pages, args.spawn))
    print(json.dumps(result))
    return 0


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
    parser.add_argument("--child", choices=["engine", "ui"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--spawn", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)

    events = args.events or (readme_events(args.data) if args.data else None) or 1_000_000
    label = f"{events // 1_000_000}m" if events % 1_000_000 == 0 else f"{events}"
    data = args.data or HERE / "data" / label
    logs = ensure_data(data, events)
    me = [sys.executable, str(Path(__file__).resolve())]
    knobs = ["--repeat", str(args.repeat), "--pages", str(args.pages)]
    print(f"UI benchmark: {events:,} events in {logs}, terminal {SIZE[0]}x{SIZE[1]}")
    with tempfile.TemporaryDirectory(prefix="ctir-bench-ui-cache-") as tmp:
        cache = args.cache_dir or Path(tmp)
        common = ["--data", str(logs), "--cache", str(cache)]
        warm = measure_child("cache fill", [*me, "--child", "engine", *common], args.timeout)
        engine = measure_child("engine only", [*me, "--child", "engine", *common], args.timeout)
        ui = measure_child("app", [*me, "--child", "ui", *common, *knobs], args.timeout, stamp=True)
    report([warm, engine, ui], args, events, logs)
    return 0


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
