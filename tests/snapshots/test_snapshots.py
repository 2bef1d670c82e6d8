"""Snapshots of the main screen on the sample incident, at the two sizes responders use."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig
from tests.conftest import SAMPLE_LOGS
from tests.ui.test_app import settle


async def _loaded(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("j", "j", "j")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    app = CtirApp(ExplorerConfig([str(SAMPLE_LOGS)]))
    assert snap_compare(app, terminal_size=size, run_before=_loaded)
