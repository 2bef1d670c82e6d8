"""The measured child of ``bench_ui.py``: one process, one measurement, JSON on stdout.

Run by ``bench_ui.py`` (which documents the benchmark); never on its own but for debugging:
``python bench/ui_child.py engine|ui --data DIR --cache DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_load import probes

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


async def child_cold_async(logs: Path, cache: Path, spawn: float) -> Any:
    """Launch the app on an empty cache: when the first rows read are on screen, how often
    the screen is refreshed with more while parsing, and when every event is."""
    from ctir_tui.engine.pipeline.load import LoadOptions
    from ctir_tui.ui.app import CtirApp
    from ctir_tui.ui.config import ExplorerConfig
    from ctir_tui.ui.screens.main import MainScreen

    epoch0, t0 = time.time(), time.perf_counter()
    app = CtirApp(ExplorerConfig([str(logs)], load=LoadOptions(use_cache=True, cache_dir=cache)))
    shown: list[tuple[float, int, bool]] = []  # (time, events on screen, complete)
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if (
            isinstance(screen, MainScreen)
            and screen.session is not None
            and screen.view is not None
        ):
            row = (time.perf_counter(), screen.view.height, screen.session.complete)
            if not shown or shown[-1][1:] != row[1:]:
                shown.append(row)

    setattr(app, "_display", display)  # noqa: B010 - instance override on purpose
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    offset = (epoch0 - spawn) * 1000 if spawn else 0.0
    partial = [r for r in shown if not r[2]]
    # The complete session's own view: the last change of what the screen showed.
    final = shown[-1] if shown and shown[-1][2] else None
    return {
        "process_to_app_ms": round(offset, 1),
        "first_rows_ms": round((partial[0][0] - t0) * 1000 + offset, 1) if partial else None,
        "first_rows_events": partial[0][1] if partial else None,
        "refreshes_while_parsing": len(partial),
        "all_rows_ms": round((final[0] - t0) * 1000 + offset, 1) if final else None,
        "events": final[1] if final else None,
    }


def child_main(args: argparse.Namespace) -> int:
    """Run one measured child and print its JSON result."""
    logs, cache = Path(args.data), Path(args.cache)
    if args.child == "engine":
        result = child_engine(logs, cache)
    elif args.child == "cold":
        result = asyncio.run(child_cold_async(logs, cache, args.spawn))
    else:
        result = asyncio.run(child_ui_async(logs, cache, args.repeat, args.pages, args.spawn))
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the child's arguments and run it."""
    parser = argparse.ArgumentParser(description="one measured child of bench_ui.py")
    parser.add_argument("child", choices=["engine", "ui", "cold"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--spawn", type=float, default=0.0)
    return child_main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
