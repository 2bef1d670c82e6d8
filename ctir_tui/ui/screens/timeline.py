"""The timeline (``H``): the view's events per time bucket, stacked by outcome, and its gaps.

Drawn with the list's own primitives rather than a plotting library: one line per bucket
(``=`` success, ``x`` failure, ``!`` denied, so that the stack reads the same without colour),
an overview line of the whole span above (block heights, ``·`` for an empty bucket, so a
silence shows at a glance), and the gaps (silences of an account and region) below.

Enter zooms: the main view is filtered to the bucket (or to the range marked with space, from
one bucket to another) and the timeline is drawn again over it, with finer buckets; ``-``
zooms back out. Enter on a gap shows the events on either side of it in the list. The
timeline is counted in a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, Final

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content, Span
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from ctir_tui.engine.analyses.doors import window
from ctir_tui.engine.analyses.timeline import Bucket, Gap, Timeline, timeline
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.times import format_duration, when
from ctir_tui.text import fit, inert
from ctir_tui.ui.screens import _cells as cells
from ctir_tui.ui.screens._investigate import view_title
from ctir_tui.ui.screens._pane import PaneScreen
from ctir_tui.ui.widgets.row_list import Part, Row, RowList

#: The bar's character for each outcome, and its style.
GLYPHS: Final = (
    ("success", "=", "row-list--success"),
    ("failure", "x", "row-list--failure"),
    ("denied", "!", "row-list--denied"),
)
#: Block heights of the overview line, lowest first.
BLOCKS: Final = "▁▂▃▄▅▆▇█"
EMPTY: Final = "·"


@dataclass(frozen=True, slots=True)
class BucketLine:
    """One bucket, and the largest count of the timeline (the bar's scale)."""

    bucket: Bucket
    size: timedelta
    peak: int
    label_width: int


def _label(line: BucketLine) -> str:
    return fit(when(line.bucket.start), line.label_width)


def bar(by_outcome: dict[str, int], peak: int, room: int) -> list[Part]:
    """The bar of one bucket in ``room`` cells, each outcome at least one cell when present."""
    total = sum(by_outcome.values())
    if not total or room <= 0 or not peak:
        return [(EMPTY, "row-list--dim")]
    length = max(1, round(total / peak * room))
    present = [(n, g, s) for name, g, s in GLYPHS if (n := by_outcome.get(name, 0))]
    widths = [max(1, round(n / total * length)) for n, _, _ in present]
    # Give back or take what rounding added, from the widest part.
    while sum(widths) > max(length, len(widths)):
        widths[widths.index(max(widths))] -= 1
    return [(g * w, s) for (_, g, s), w in zip(present, widths, strict=True)]


def render(data: object, width: int) -> Sequence[Part]:
    """A bucket's line (time, count, bar) or a gap's line."""
    if isinstance(data, BucketLine):
        head = f"{_label(data)} {cells.count(data.bucket.count)}  "
        return [(head, ""), *bar(data.bucket.by_outcome, data.peak, width - len(head) - 1)]
    if isinstance(data, Gap):
        where = f"{cells.value(data.account)} / {cells.value(data.region)}"
        length = cells.duration(data.length)
        return [
            (f"{length:>9}  ", "row-list--accent"),
            (f"{cells.span(data.start, data.end)}  ", ""),
            (where, "row-list--dim"),
        ]
    return [(str(data), "row-list--section")]


def overview(buckets: Sequence[Bucket], width: int, cursor: int | None) -> Content:
    """The whole span in one line: a block per bucket (several buckets a cell when they do
    not fit, several cells a bucket when they leave room), ``·`` where no event is; the
    cursor's bucket reversed."""
    if not buckets or width <= 0:
        return Content("")
    per = -(-len(buckets) // width)
    counts = [sum(b.count for b in buckets[i : i + per]) for i in range(0, len(buckets), per)]
    each = max(1, width // len(counts))
    peak = max(counts) or 1
    text = "".join(
        (EMPTY if n == 0 else BLOCKS[min(len(BLOCKS) - 1, (n * len(BLOCKS) - 1) // peak)]) * each
        for n in counts
    )
    spans = []
    if cursor is not None and 0 <= cursor < len(buckets):
        at = cursor // per * each
        spans.append(Span(at, at + each, "reverse"))
    return Content(text, spans=spans)


class TimelineScreen(PaneScreen):
    """Buckets of one view, zoomable, and its gaps."""

    HELP_TITLE: ClassVar[str] = "Timeline"
    KEYS: ClassVar[str] = "enter zoom (gap: its events) · space mark a range · - zoom out · q back"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("minus,backspace", "zoom_out", "Zoom out", id="timeline.zoom_out"),
    ]

    @dataclass
    class Counted(Message):
        """The timeline of the view of ``filters``."""

        filters: Filters
        found: Timeline

    def __init__(
        self, view: pl.DataFrame, filters: Filters, set_filters: Callable[[Filters], None]
    ) -> None:
        """Create the screen.

        Args:
            view: The events (the main screen's view).
            filters: Its filters.
            set_filters: Shows another view in the main screen (the zoom).
        """
        super().__init__(render, empty="no event with a time in this view", ranges=True)
        self.view = view
        self.filters = filters
        self.set_filters = set_filters
        self.found: Timeline | None = None
        #: The views zoomed from, to zoom back out to.
        self.zooms: list[Filters] = []

    def compose_extra(self) -> ComposeResult:
        """The overview line and its axis."""
        yield Static("", classes="pane--extra", id="overview")

    def on_mount(self) -> None:
        """Count the view."""
        super().on_mount()
        self._count()

    def view_changed(self, view: pl.DataFrame, filters: Filters) -> None:
        """The main screen shows a new view (a zoom): count it."""
        if filters != self.filters:
            self.view, self.filters = view, filters
            self._count()

    def _count(self) -> None:
        self.set_title(
            f"Timeline of {cells.counted(self.view.height, 'event')} · "
            f"{view_title(self.filters)}  computing…"
        )
        self._counter(self.view, self.filters)

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="timeline", description="timeline"
    )
    def _counter(self, view: pl.DataFrame, filters: Filters) -> None:
        found = timeline(view)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Counted(filters, found))

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        if message.filters != self.filters:
            return
        self.found = found = message.found
        peak = max((b.count for b in found.buckets), default=0)
        label = max((len(when(b.start)) for b in found.buckets), default=0)
        rows: list[Row[object]] = [
            Row(BucketLine(b, found.bucket, peak, label)) for b in found.buckets
        ]
        gap = format_duration(found.min_gap)
        if found.gaps:
            rows.append(Row(f"gaps: no event of an account and region for {gap} or more", False))
            rows += [Row(g) for g in found.gaps]
        elif found.buckets:
            rows.append(Row(f"no gap of {gap} or more in any account and region", False))
        self.rows.range_start = None
        self.rows.set_rows(rows, cursor=0)
        size = format_duration(found.bucket)
        no_time = f", {found.no_time:,} without a time" if found.no_time else ""
        self.set_title(
            f"Timeline of {cells.counted(self.view.height, 'event')}{no_time} · "
            f"{cells.counted(len(found.buckets), 'bucket')} of {size} · "
            f"= success x failure ! denied · {view_title(self.filters)}"
        )
        self._draw_overview()

    def _draw_overview(self) -> None:
        found = self.found
        if found is None:
            return
        width = max(self.size.width - 2, 10)
        line = overview(found.buckets, width, self._cursor_bucket())
        if found.buckets:
            first, last = when(found.buckets[0].start), when(found.buckets[-1].start)
            # The axis ends where the overview does (under the last bucket's cells).
            span = max(line.cell_length, len(first) + len(last) + 1)
            axis = first + " " * max(span - len(first) - len(last), 1) + last
            line = Content.assemble(line, "\n", axis)
        self.query_one("#overview", Static).update(line)

    def _cursor_bucket(self) -> int | None:
        data = self.rows.current
        if isinstance(data, BucketLine) and self.found is not None:
            return self.found.buckets.index(data.bucket)
        return None

    def on_resize(self) -> None:
        """The overview fits the new width."""
        self._draw_overview()

    # -- keys -------------------------------------------------------------------------

    @on(RowList.Highlighted)
    def _highlighted(self, message: RowList.Highlighted) -> None:
        self._draw_overview()
        data = message.data
        chosen = self._chosen()
        if chosen is not None:
            first, last = chosen
            self.set_detail(
                f"range {when(first.start)} .. {when(last.start)} "
                f"({sum(b.count for b in self._range()):,} events): enter zooms to it, "
                "esc clears it"
            )
        elif isinstance(data, BucketLine):
            b = data.bucket
            outcomes = ", ".join(f"{n:,} {k}" for k, n in b.by_outcome.items() if n)
            self.set_detail(
                f"{when(b.start)} + {format_duration(data.size)}: {b.count:,} events"
                f"{' (' + outcomes + ')' if outcomes else ''} · enter zooms in, space marks a range"
            )
        elif isinstance(data, Gap):
            labels = " · ".join(inert(label, limit=80) for label in data.door.labels())
            self.set_detail(f"enter: the events either side of the gap: {labels}")

    def _range(self) -> list[Bucket]:
        chosen = self.rows.selection
        found = self.found
        if chosen is None or found is None:
            return []
        picked = self.rows.rows[chosen[0] : chosen[1] + 1]
        return [r.data.bucket for r in picked if isinstance(r.data, BucketLine)]

    def _chosen(self) -> tuple[Bucket, Bucket] | None:
        picked = self._range()
        return (picked[0], picked[-1]) if picked else None

    @on(RowList.Opened)
    def _opened(self, message: RowList.Opened) -> None:
        data = message.data
        found = self.found
        if isinstance(data, Gap):
            self.dismiss(None)
            self.set_filters(_within(self.filters, data.door))
            return
        if not isinstance(data, BucketLine) or found is None:
            return
        chosen = self._chosen() or (data.bucket, data.bucket)
        if not sum(b.count for b in self._range() or [data.bucket]):
            self.notify("no event there to zoom in on", markup=False)
            return
        end = chosen[1].start + found.bucket - timedelta(microseconds=1)
        door = Filters(window(chosen[0].start, end))
        self.zooms.append(self.filters)
        self.set_filters(_within(self.filters, door))

    def action_zoom_out(self) -> None:
        """Back to the view zoomed from."""
        if not self.zooms:
            self.notify("not zoomed in", markup=False)
            return
        self.set_filters(self.zooms.pop())

    def action_close(self) -> None:
        """Clear the range; without one, back to the list."""
        if self.rows.range_start is not None:
            self.rows.clear_range()
            return
        self.dismiss(None)


def _within(filters: Filters, door: Filters) -> Filters:
    for clause in door.clauses:
        filters = filters.add(clause)
    return filters
