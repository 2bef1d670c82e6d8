"""Top values (``#``): the most frequent values of one column of the view, each a door.

A chooser line names the columns responders rank most (principal, source IP, event, region,
user agent, error, account, target, access key, event source); ``1``-``9``, ``0`` or
left/right choose one. Each row is a value
with its events, share of the view, first and last seen; Enter filters the main view to it
and goes back to the list. Ranking runs in a worker; each column is ranked once per view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final

import polars as pl
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.rows import Row as AnswerRow
from ctir_tui.engine.analyses.top import TopResult, top
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.times import when
from ctir_tui.text import cell_width, fit, inert
from ctir_tui.ui.screens import _cells as cells
from ctir_tui.ui.screens._investigate import view_title
from ctir_tui.ui.screens._pane import PaneScreen
from ctir_tui.ui.widgets.row_list import Part, Row, RowList

#: The columns offered, in the chooser's order: (short name, frame column).
CHOICES: Final = (
    ("principal", c.PRINCIPAL),
    ("ip", c.SOURCE_IP),
    ("event", c.EVENT_NAME),
    ("region", c.REGION),
    ("agent", c.USER_AGENT),
    ("error", c.ERROR_CODE),
    ("account", c.RECIPIENT_ACCOUNT_ID),
    ("target", c.TARGET),
    ("key", c.ACCESS_KEY_ID),
    ("source", c.EVENT_SOURCE),
)
#: Values ranked per column.
TOP_N: Final = 200
#: From this width the times are written whole.
WIDE: Final = 120


def _time(moment: datetime | None, wide: bool) -> str:
    if moment is None:
        return "-"
    return when(moment, seconds=True) if wide else moment.strftime("%m-%d %H:%M")


def render(data: object, width: int) -> Sequence[Part]:
    """A value's line: events, share, first, last, the value (cut in the middle)."""
    if not isinstance(data, AnswerRow):
        return [(str(data), "row-list--dim")]
    wide = width >= WIDE
    share = data.fields.get("share")
    pct = f"{share * 100:5.1f}%" if isinstance(share, float) else "     -"
    w = 20 if wide else 11
    span = f"{_time(data.first, wide):>{w}}  {_time(data.last, wide):>{w}}"
    head = f"{cells.count(data.count)}  {pct}  "
    room = max(width - cell_width(head) - cell_width(span) - 2, 8)
    shown = fit(cells.value(data.fields.get("value"), 1000), room, middle=True)
    return [(head, ""), (span + "  ", "row-list--dim"), (shown, "")]


def header(width: int) -> Sequence[Part]:
    """The column titles."""
    w = 20 if width >= WIDE else 11
    return [(f"{'EVENTS':>7}  {'SHARE':>6}  {'FIRST':>{w}}  {'LAST':>{w}}  VALUE", "")]


class TopScreen(PaneScreen):
    """The most frequent values of a column of one view."""

    HELP_TITLE: ClassVar[str] = "Top values"
    KEYS: ClassVar[str] = "enter filter to the value · 1-9,0 or ←/→ column · q back"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(i % 10), f"choose({i - 1})", f"Rank by {name}", show=False, id=f"top.{name}")
        for i, (name, _) in enumerate(CHOICES, start=1)
    ]
    DEFAULT_CSS = """
    TopScreen > #chooser { text-wrap: wrap; }
    """

    @dataclass
    class Ranked(Message):
        """A column was ranked."""

        column: str
        result: TopResult

    def __init__(
        self,
        view: pl.DataFrame,
        filters: Filters,
        open_door: Callable[[Filters], None],
        column: str = c.PRINCIPAL,
    ) -> None:
        """Create the screen.

        Args:
            view: The events (the main screen's view).
            filters: Its filters (for the title).
            open_door: Shows a door's events in the main screen.
            column: The column ranked first.
        """
        super().__init__(render, header=header, empty="no value in this view")
        self.view = view
        self.filters = filters
        self.open_door = open_door
        self.choice = next((i for i, (_, col) in enumerate(CHOICES) if col == column), 0)
        self.ranked: dict[str, TopResult] = {}

    def compose_extra(self) -> ComposeResult:
        """The chooser of columns."""
        yield Static("", classes="pane--extra", id="chooser")

    def on_mount(self) -> None:
        """Rank the first column."""
        super().on_mount()
        self._show()

    @property
    def column(self) -> str:
        """The frame column ranked."""
        return CHOICES[self.choice][1]

    def _show(self) -> None:
        names = []
        for i, (name, _) in enumerate(CHOICES, start=1):
            key = i % 10
            names.append(f"[{key} {name}]" if i - 1 == self.choice else f"{key} {name}")
        self.query_one("#chooser", Static).update(Content(" ".join(names)))
        name = CHOICES[self.choice][0]
        result = self.ranked.get(self.column)
        if result is None:
            self.set_title(
                f"Top {name} values of {self.view.height:,} events · "
                f"{view_title(self.filters)}  computing…"
            )
            self.rows.set_rows([], cursor=0)
            self._rank(self.view, self.column)
            return
        shown = len(result.rows)
        self.set_title(
            f"Top {shown:,} of {result.distinct:,} {name} values in {result.total:,} events"
            f" ({result.missing:,} without one) · {view_title(self.filters)}"
        )
        self.rows.set_rows([Row(r) for r in result.rows], cursor=0)

    @work(thread=True, exclusive=True, exit_on_error=False, group="top", description="top")
    def _rank(self, view: pl.DataFrame, column: str) -> None:
        result = top(view, column, TOP_N)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Ranked(column, result))

    @on(Ranked)
    def _ranked(self, message: Ranked) -> None:
        self.ranked[message.column] = message.result
        if message.column == self.column:
            self._show()

    def action_choose(self, index: int) -> None:
        """Rank by the ``index``-th column of the chooser."""
        self.choice = index % len(CHOICES)
        self._show()

    @on(RowList.Sideways)
    def _sideways(self, message: RowList.Sideways) -> None:
        if message.step:
            self.action_choose(self.choice + message.step)

    @on(RowList.Highlighted)
    def _highlighted(self, message: RowList.Highlighted) -> None:
        row = message.data
        if not isinstance(row, AnswerRow):
            self.set_detail("")
            return
        labels = " · ".join(inert(label, limit=200) for label in row.door.labels())
        noun = "event" if row.count == 1 else "events"
        self.set_detail(
            f"enter: filter to {labels} ({row.count:,} {noun})\n"
            f"first {when(row.first, seconds=True)} · "
            f"last {when(row.last, seconds=True)}"
        )

    @on(RowList.Opened)
    def _opened(self, message: RowList.Opened) -> None:
        if isinstance(message.data, AnswerRow):
            self.dismiss(None)
            self.open_door(message.data.door)
