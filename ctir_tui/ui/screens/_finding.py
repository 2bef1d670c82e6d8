"""The part of the main screen that finds rows for the event list: search, marks, time.

The list never scans its frame: it asks, and a worker here answers with frame indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
from textual import on, work
from textual.message import Message
from textual.screen import Screen

from ctir_tui.engine.case.marks import marked_rows
from ctir_tui.engine.query.lookup import first_at_or_after, matching_rows
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.times import parse_user_time
from ctir_tui.text import inert
from ctir_tui.ui.widgets.event_list import MARKS, EventList
from ctir_tui.ui.widgets.prompt import JUMP, SEARCH, Prompt


class FindingScreen(Screen[None]):
    """Answers the list's requests to find rows, off the UI thread."""

    #: The loaded events and the view shown (set by the main screen).
    session: Session | None = None
    view: pl.DataFrame | None = None
    #: Bumped on every new view: answers about an older one are dropped.
    generation = 0
    #: Which found row the cursor is on, for the status line (the main screen shows it).
    _found_note = ""

    @dataclass
    class RowsFound(Message):
        """Rows of the view the list asked for (a search, the marks)."""

        generation: int
        request: EventList.FindRequested
        rows: pl.Series

    @dataclass
    class TimeFound(Message):
        """The first row at or after a time (``found`` false: every event is older)."""

        generation: int
        index: int
        found: bool

    @on(EventList.SearchRequested)
    def _search_requested(self) -> None:
        self.query_one(Prompt).ask(SEARCH)

    @on(EventList.JumpRequested)
    def _jump_requested(self) -> None:
        self.query_one(Prompt).ask(JUMP)

    @on(Prompt.Closed)
    def _prompt_closed(self) -> None:
        self.query_one(EventList).focus()

    @on(Prompt.Answered)
    def _prompt_answered(self, message: Prompt.Answered) -> None:
        events = self.query_one(EventList)
        if message.mode == SEARCH:
            events.search(message.text)
            return
        newest = self.session.newest if self.session else None
        try:
            when = parse_user_time(message.text, newest=newest, what="time")
        except FILTER_ERRORS as exc:
            self.notify(inert(str(exc)), severity="error", markup=False)
            return
        if self.view is not None:
            self._find_time(self.view, self.generation, when)

    @on(EventList.FindRequested)
    def _find_requested(self, message: EventList.FindRequested) -> None:
        if self.view is not None:
            self._find_rows(self.view, self.generation, message)

    @work(thread=True, exit_on_error=False, exclusive=True, group="find", description="find")
    def _find_rows(
        self, view: pl.DataFrame, generation: int, request: EventList.FindRequested
    ) -> None:
        if request.what == MARKS:
            rows = marked_rows(view, request.marks)
        else:
            texts = self.session.text_search if self.session is not None else None
            rows = matching_rows(view, request.text, texts)
        self.post_message(self.RowsFound(generation, request, rows))

    @on(RowsFound)
    def _rows_found(self, message: RowsFound) -> None:
        if message.generation != self.generation:
            return
        request = message.request
        events = self.query_one(EventList)
        if events.found(request.what, request.text, message.rows, forward=request.forward):
            return
        if request.what == MARKS:
            self.notify("no marked events in this view", markup=False)
        else:
            note = inert(f"no match for {request.text!r}", limit=100)
            self.notify(note, severity="warning", markup=False)

    @on(EventList.FindMoved)
    def _find_moved(self, message: EventList.FindMoved) -> None:
        which = f"{message.number:,} of {message.count:,}"
        self._found_note = (
            f"match {which}: {message.text}" if message.what == SEARCH else f"mark {which}"
        )
        self._update_status()

    def _update_status(self, extra: str = "") -> None:
        raise NotImplementedError

    @work(thread=True, exit_on_error=False, exclusive=True, group="find", description="find")
    def _find_time(self, view: pl.DataFrame, generation: int, when: datetime) -> None:
        index, found = first_at_or_after(view, when)
        self.post_message(self.TimeFound(generation, index, found))

    @on(TimeFound)
    def _time_found(self, message: TimeFound) -> None:
        if message.generation != self.generation:
            return
        self.query_one(EventList).move_to(message.index)
        if not message.found:
            self.notify("no event at or after that time", severity="warning", markup=False)
