"""Snapshots of the explorer on the sample incident, at the two sizes responders use.

Each input is snapshotted with text typed in it: a prompt that draws but shows no text
once passed every widget test.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from tests.conftest import SAMPLE_LOGS
from tests.ui.pilot import search_for, settle, type_text

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
def test_search_on_its_second_match(snap_compare: Any, size: tuple[int, int]) -> None:
    # The status line says which match the cursor is on, right after the counts.
    async def searched(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await search_for(pilot, "185.220.101.47")
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=searched)


@pytest.mark.parametrize("size", SIZES)
def test_pivot_on_the_attacker_ip(snap_compare: Any, size: tuple[int, int]) -> None:
    async def pivoted(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await search_for(pilot, "185.220.101.47")
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


# -- the investigation screens, each after a worker answered -------------------------------


def _pressing(*keys: str) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_triage_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    # The fifth question (session chains) opened on its rows.
    assert snap_compare(_app(), terminal_size=size, run_before=_pressing("T", "5", "space"))


@pytest.mark.parametrize("size", SIZES)
def test_top_values_of_source_ips(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(), terminal_size=size, run_before=_pressing("number_sign", "2"))


@pytest.mark.parametrize("size", SIZES)
def test_timeline_with_a_range(snap_compare: Any, size: tuple[int, int]) -> None:
    keys = ("H", "space", "j", "j", "j")
    assert snap_compare(_app(), terminal_size=size, run_before=_pressing(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_chain_from_the_issued_session(snap_compare: Any, size: tuple[int, int]) -> None:
    key = field_clause(c.ACCESS_KEY_ID, "ASIANKBYLZI5RBDQ7IS6")
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)], filters=Filters((key,))))
    assert snap_compare(app, terminal_size=size, run_before=_pressing("c", "j"))


@pytest.mark.parametrize("size", SIZES)
def test_tag_prompt_with_typed_text(snap_compare: Any, size: tuple[int, int]) -> None:
    async def typed(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("plus")
        await type_text(pilot, "needs-rev")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=typed)
