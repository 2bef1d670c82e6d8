"""Reading back the investigation screens (triage, top values, timeline, chain) as drawn."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.pilot import Pilot
from textual.widgets import Static

from ctir_tui.engine import schema as c
from ctir_tui.ui.screens._pane import PaneScreen
from ctir_tui.ui.screens.main import MainScreen
from ctir_tui.ui.widgets.row_list import RowList
from tests.ui.pilot import main

S = TypeVar("S", bound=PaneScreen)


def pane(pilot: Pilot[Any], kind: type[S]) -> S:
    """The investigation screen on top (fails when another screen is)."""
    screen = pilot.app.screen
    assert isinstance(screen, kind), type(screen).__name__
    return screen


def drawn(rows: RowList) -> list[str]:
    """The lines the row list draws now, as the user reads them."""
    return [rows.render_line(y).text.rstrip() for y in range(rows.size.height)]


def text_of(screen: PaneScreen) -> str:
    """Everything the screen shows: title, extra lines, rows, detail and keys."""
    parts = [str(s.render()) for s in screen.query(Static)]
    return "\n".join([*parts, *drawn(screen.rows)])


async def cursor_to(pilot: Pilot[Any], rows: RowList, needle: str, *, limit: int = 300) -> str:
    """Press ``j`` until the cursor's row shows ``needle``; return that row's text."""
    for _ in range(limit):
        line = rows.render_line(rows.cursor - rows.scroll_offset.y + _top(rows)).text
        if needle in line:
            return line
        before = rows.cursor
        await pilot.press("j")
        if rows.cursor == before:
            break
    raise AssertionError(f"no row shows {needle!r}: {drawn(rows)}")


def _top(rows: RowList) -> int:
    return 1 if rows._header is not None else 0


def view_ids(pilot: Pilot[Any]) -> set[str]:
    """The eventIDs of the main screen's view."""
    view = main(pilot).view
    assert view is not None
    return set(view.get_column(c.EVENT_ID).to_list())


def view_names(pilot: Pilot[Any]) -> list[str]:
    """The event names of the main screen's view, sorted."""
    view = main(pilot).view
    assert view is not None
    return sorted(str(n) for n in view.get_column(c.EVENT_NAME).to_list())


def root(pilot: Pilot[Any]) -> MainScreen:
    """The main screen, under whatever screen is on top."""
    screen = pilot.app.screen_stack[1] if len(pilot.app.screen_stack) > 1 else None
    assert isinstance(screen, MainScreen), pilot.app.screen_stack
    return screen
