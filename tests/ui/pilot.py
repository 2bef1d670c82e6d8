"""Driving the explorer as a user does, and reading back what it shows."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from ctir_tui.ui.screens.main import MainScreen
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.status import StatusLine

#: Rounds of "wait for the workers, then let messages run" before a test fails.
SETTLE_ROUNDS = 200


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for every worker (load, view, detail, find) and the messages they post.

    Raises:
        AssertionError: Workers are still running after :data:`SETTLE_ROUNDS` rounds.
    """
    for _ in range(SETTLE_ROUNDS):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            await pilot.pause()
            return
    running = [w.name for w in pilot.app.workers if w.is_running]
    raise AssertionError(f"workers still running after {SETTLE_ROUNDS} rounds: {running}")


def main(pilot: Pilot[Any]) -> MainScreen:
    """The main screen (fails when another screen is on top)."""
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen), type(screen).__name__
    return screen


def status(pilot: Pilot[Any]) -> str:
    """The status line's text."""
    return main(pilot).query_one(StatusLine).plain


def current(pilot: Pilot[Any]) -> dict[str, Any]:
    """The row of the event under the list's cursor."""
    event = main(pilot).query_one(EventList).current_event()
    assert event is not None, "the list is empty"
    return event


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key."""
    for char in text:
        await pilot.press(char if char != " " else "space")


async def search_for(pilot: Pilot[Any], text: str) -> None:
    """Search the list as a user does (``/``, the text, enter) and let the answer arrive."""
    await pilot.press("slash")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)
