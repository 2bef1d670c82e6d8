"""Snapshots of the explorer on the sample incident, at the two sizes responders use.

Each input is snapshotted with text typed in it: a prompt that draws but shows no text
once passed every widget test.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from tests.conftest import SAMPLE_LOGS
from tests.ui.pilot import settle, type_text

SIZES = [(80, 24), (160, 48)]


def _app() -> CtirApp:
    return CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))


async def _loaded(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("j", "j", "j")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", SIZES)
def test_filter_prompt_with_typed_text(snap_compare: Any, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("equals_sign")
        await type_text(pilot, "principal backup-sync")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=typed)


@pytest.mark.parametrize("size", SIZES)
def test_search_prompt_with_typed_text(snap_compare: Any, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "185.220.101.47")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=typed)


@pytest.mark.parametrize("size", SIZES)
def test_pivot_on_the_attacker_ip(snap_compare: Any, size: tuple[int, int]) -> None:
    async def pivoted(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "185.220.101.47")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=pivoted)


@pytest.mark.parametrize("size", SIZES)
def test_list_zoomed_with_every_column_that_fits(snap_compare: Any, size: tuple[int, int]) -> None:
    async def zoomed(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("z")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=zoomed)


@pytest.mark.parametrize("size", SIZES)
def test_detail_full_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    async def opened(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=opened)
