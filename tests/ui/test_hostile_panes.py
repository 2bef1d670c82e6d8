"""Hostile log text on the investigation screens: markup, escapes and bidi stay inert.

Each screen (triage with a rule whose title and author are hostile, top values, timeline,
chain, SQL, the tag and note dialogs) is opened on records whose user agent and user name
carry Rich markup, terminal escapes and a right-to-left override. Once through the widgets
(what they draw) and once through a pseudo-terminal (every byte ctir writes).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.ui.app import CtirApp
from ctir_tui.ui.config import ExplorerConfig, Settings
from ctir_tui.ui.screens._pane import PaneScreen
from ctir_tui.ui.screens.sql import SqlScreen
from tests.factory import record, write_s3
from tests.ui.panes import text_of
from tests.ui.pilot import settle
from tests.ui.test_terminal_output import Terminal

MARKUP = "[red]x[/]"
CLICK = "[@click=app.quit]q[/]"
ESC = "\x1b[31mRED"
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
BIDI = "\u202etxt.exe"
#: What must never reach the screen as such.
RAW = ("\x1b", "\x07", "\u202e")

RULE = """\
title: "Hostile [red]rule[/] \\e[5mBLINK"
id: 0c0ffee0-0000-4000-8000-000000000002
status: test
author: "Mallory \\u202eroh"
date: 2026-12-01
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: ListUsers
    condition: selection
level: high
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    folder = tmp_path / "evil"
    identity = {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::111122223333:user/{MARKUP}{ESC}",
        "userName": f"{CLICK}{BIDI}",
        "accountId": "111122223333",
        "accessKeyId": "AKIAEVIL000000000001",
    }
    agent = f"{MARKUP}{ESC}{OSC52}{BIDI}"
    write_s3(
        folder / "a.json.gz",
        [
            record(1, userIdentity=identity, userAgent=agent, sourceIPAddress="203.0.113.9"),
            record(2, userIdentity=identity, userAgent=agent, eventName="ListRoles"),
            record(3, userAgent=agent, errorCode="AccessDenied", errorMessage=f"no {ESC}"),
        ],
    )
    return folder


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "hostile.yml").write_text(RULE)
    return folder


def _clean(text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} reached the {where}: {text!r}"


def _screen_text(pilot: Pilot[Any]) -> str:
    screen = pilot.app.screen
    if isinstance(screen, PaneScreen):
        return text_of(screen)
    if isinstance(screen, SqlScreen):
        return "\n".join(screen.lines)
    return "\n".join(str(s.render()) for s in screen.query(Static))


async def test_every_new_screen_draws_hostile_text_inert(hostile: Path, rules: Path) -> None:
    app = CtirApp(
        ExplorerConfig(
            [str(hostile)],
            load=LoadOptions(use_cache=False),
            settings=Settings(sigma_rules=[str(rules)]),
        )
    )
    seen: dict[str, str] = {}
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        for name, keys in {
            "triage": ("T", "G", "space", "j"),
            "top principal": ("number_sign",),
            "top agent": ("number_sign", "5"),
            "top error": ("number_sign", "6"),
            "timeline": ("H",),
            "chain": ("c",),
            "sql": ("p", "Q"),
            "tag": ("plus",),
            "note": ("semicolon",),
        }.items():
            await pilot.press(*keys)
            await settle(pilot)
            seen[name] = text = _screen_text(pilot)
            _clean(text, name)
            await pilot.press("escape")
            await settle(pilot)
    # The markup is there, as the literal text it is.
    assert "Hostile [red]rule[/]" in seen["triage"]
    assert "Mallory" in seen["triage"]
    assert "<U+202E>" in seen["triage"]
    assert MARKUP in seen["top agent"]
    assert "\\x1b" in seen["top agent"]
    assert MARKUP in seen["top principal"]
    assert MARKUP in seen["chain"]
    assert MARKUP in seen["tag"]
    assert "Timeline of 3 events" in seen["timeline"]


@pytest.mark.parametrize(("columns", "lines"), [(80, 24), (160, 48)])
def test_no_new_screen_lets_hostile_bytes_reach_the_terminal(
    hostile: Path, rules: Path, tmp_path: Path, columns: int, lines: int
) -> None:
    config = tmp_path / "config"
    (config / "ctir").mkdir(parents=True)
    (config / "ctir" / "config.toml").write_text(f"[sigma]\nrules = [{str(rules)!r}]\n")
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(config),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("NO_COLOR", None)
    term = Terminal([sys.executable, "-m", "ctir_tui", str(hostile)], columns, lines, env)
    try:
        assert term.read_until(b"of 3 events"), term.output[-2000:]
        for keys, drawn in (
            ("TG j", b"Triage of"),
            ("#5", b"agent values"),
            ("H", b"Timeline of"),
            ("c", b"Chain from"),
            ("Q", b"SQL"),
            ("+", b"Tag the event"),
        ):
            term.send(keys)
            assert term.read_until(drawn), (keys, term.output[-2000:])
            term.send("\x1b")
            term.read_until(b"\x00never", deadline=1.0)
        term.send("\x11")  # ctrl+q
    finally:
        code = term.close()
    out = bytes(term.output)
    assert code == 0, out[-2000:]
    for payload in (ESC, OSC52, BIDI, "\x1b[5m"):
        assert payload.encode() not in out, f"{payload!r} reached the terminal"
    assert b"[red]x[/]" in out
    assert b"Traceback" not in out
