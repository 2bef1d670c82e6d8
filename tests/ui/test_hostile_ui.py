"""The explorer on hostile evidence: markup, escapes and vanished files stay inert text.

Each case once crashed the explorer or put control sequences into a paste buffer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from textual.worker import WorkerFailed

from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.session import Session
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig, Settings
from ctir_tui.ui.widgets.event_detail import EventDetail
from tests.factory import record, write_s3
from tests.ui.pilot import current, main, settle, status, type_text

MARKUP = "[link=a:b]x"
PASTE_ESCAPE = "x\x1b[201~\ntouch PWNED"


def app_on(folder: Path, **settings: Any) -> CtirApp:
    return CtirApp(
        ExplorerConfig(
            [str(folder)], load=LoadOptions(use_cache=False), settings=Settings(**settings)
        )
    )


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    write_s3(
        folder / f"{MARKUP}.json",
        [
            record(1, requestParameters={"[link=https://x/]y": "value"}),
            record(2, userIdentity={"type": "AssumedRole", "userName": PASTE_ESCAPE}),
            record(3, eventTime="9999-12-31T23:59:59Z"),
        ],
    )
    return folder


async def test_a_markup_key_is_named_as_text(evidence: Path) -> None:
    app = app_on(evidence)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        detail = main(pilot).query_one(EventDetail)
        detail.focus()
        while detail.cursor_path() != 'requestParameters["[link=https://x/]y"]':
            before = detail.cursor_path()
            await pilot.press("j")
            assert detail.cursor_path() != before, "the markup key is not in the detail"
        await pilot.press("f")
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert any('requestParameters["[link=https://x/]y"]' in m for m in said), said
        assert status(pilot).startswith("3 of 3 events")


@pytest.mark.parametrize("key", ["slash", "t", "equals_sign"])
async def test_markup_typed_into_a_prompt_is_text(evidence: Path, key: str) -> None:
    app = app_on(evidence)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await type_text(pilot, MARKUP)
        await pilot.press("enter")
        await settle(pilot)
        assert main(pilot).is_attached  # still running, still on the main screen


async def test_a_theme_named_with_markup_is_a_warning(evidence: Path) -> None:
    app = app_on(evidence, theme=MARKUP)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme != MARKUP
        assert status(pilot).startswith("3 of 3 events")


async def test_a_file_deleted_while_open_says_so_by_name(evidence: Path) -> None:
    app = app_on(evidence)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        os.unlink(evidence / f"{MARKUP}.json")
        await pilot.press("G")
        await settle(pilot)
        text = "\n".join(line.text for line in main(pilot).query_one(EventDetail).lines)
        assert f"{MARKUP}.json is gone" in text


async def test_copied_values_carry_no_control_characters(evidence: Path) -> None:
    app = app_on(evidence)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert current(pilot)["user_name"] == PASTE_ESCAPE
        await pilot.press("y")
        assert "\x1b" not in app.clipboard
        assert orjson.loads(app.clipboard)["userIdentity"]["userName"] == PASTE_ESCAPE
        detail = main(pilot).query_one(EventDetail)
        detail.focus()
        while detail.cursor_path() != "userIdentity.userName":
            await pilot.press("j")
        await pilot.press("Y")
        assert "\x1b" not in app.clipboard
        assert "\n" not in app.clipboard
        assert "touch PWNED" in app.clipboard


async def test_the_window_around_the_last_moment_opens(evidence: Path) -> None:
    app = app_on(evidence)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert current(pilot)["event_id"].endswith("3")
        await pilot.press("w")
        await settle(pilot)
        assert status(pilot).startswith("1 of 3 events")


async def test_a_load_in_worker_processes_completes_under_the_ui(evidence: Path) -> None:
    # Textual owns stderr while it runs; starting worker processes must not depend on it.
    app = CtirApp(
        ExplorerConfig(
            [str(evidence)], load=LoadOptions(use_cache=False, processes=True, workers=2)
        )
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert status(pilot).startswith("3 of 3 events")


async def test_a_load_that_fails_ends_as_a_crash_not_a_frozen_panel(
    evidence: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(Session, "open", broken)
    app = app_on(evidence)
    # The app ends (as a crash: the command line then writes the report and exits 3).
    with pytest.raises(WorkerFailed, match="the disk went away"):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
    assert app.crash_text is not None
    assert "the disk went away" in app.crash_text
