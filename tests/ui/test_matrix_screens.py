"""Pilot tests of the tactic matrix pane, the help screen and the problems screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget

from ctir_tui.engine.pipeline.report import FileReport, LoadReport, RejectedRecord
from ctir_tui.engine.schema import EVENT_SCHEMA
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.matrix import (
    Matrix,
    MatrixCell,
    MatrixTactic,
    add_tactic_columns,
    matrix_counts,
)
from ctir_tui.engine.tactics.model import Mapping
from ctir_tui.ui.keys import KeyGroup, groups
from ctir_tui.ui.screens.help import HelpScreen
from ctir_tui.ui.screens.problems import ProblemsScreen
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix

SEED_TACTICS = [
    "Initial Access",
    "Execution",
    "Persistence",
    "Privilege Escalation",
    "Defense Evasion",
    "Credential Access",
    "Discovery",
    "Lateral Movement",
    "Exfiltration",
    "Impact",
]


def event_frame(events: dict[tuple[str, str], int], mapping: Mapping) -> pl.DataFrame:
    """A canonical event frame holding ``n`` copies of each (eventSource, eventName)."""
    rows: list[dict[str, Any]] = []
    for (source, name), n in events.items():
        rows += [{"event_source": source, "event_name": name}] * n
    frame = pl.DataFrame(rows, schema=EVENT_SCHEMA)
    return add_tactic_columns(frame, mapping)


@pytest.fixture
def mapping(tmp_path: Path) -> Mapping:
    # An explicit (absent) override file keeps the user's own overrides out of the tests.
    return load_mapping(config_path=tmp_path / "tactics.toml")


@pytest.fixture
def frame(mapping: Mapping) -> pl.DataFrame:
    return event_frame(
        {
            ("signin.amazonaws.com", "ConsoleLogin"): 3,
            ("ec2.amazonaws.com", "StartInstances"): 12,
            ("iam.amazonaws.com", "CreateUser"): 1,
            ("iam.amazonaws.com", "ListUsers"): 150,
            ("ec2.amazonaws.com", "RunInstances"): 2,
            ("s3.amazonaws.com", "ListObjects"): 4,
        },
        mapping,
    )


class MatrixApp(App[None]):
    """A matrix pane alone, recording what it posts."""

    def __init__(self, mapping: Mapping, frame: pl.DataFrame) -> None:
        super().__init__()
        self.mapping = mapping
        self.frame = frame
        self.posted: list[Any] = []

    def compose(self) -> ComposeResult:
        yield TacticMatrix(matrix_counts(self.frame, self.mapping))

    def on_tactic_matrix_selected(self, message: TacticMatrix.Selected) -> None:
        self.posted.append(message)

    def on_tactic_matrix_toggle_extended(self, message: TacticMatrix.ToggleExtended) -> None:
        self.posted.append(message)
        current = message.matrix.matrix
        extended = not (current is not None and current.extended)
        message.matrix.set_matrix(matrix_counts(self.frame, self.mapping, extended=extended))


def _matrix(app: App[Any]) -> TacticMatrix:
    return app.query_one(TacticMatrix)


async def test_header_lists_the_ten_tactics_in_order(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)) as pilot:
        matrix = _matrix(app)
        assert matrix.has_focus
        seen: list[str] = []
        for index, name in enumerate(SEED_TACTICS):
            assert matrix.cursor == (index, -1)
            header = matrix.render_line(0).text
            assert name in header
            seen.append(name)
            await pilot.press("right")
        assert seen == SEED_TACTICS
        assert matrix.scroll_offset.x > 0
        # The first tactic has scrolled out of view; its count sits next to it.
        assert "Initial Access" not in matrix.render_line(0).text
        assert "Impact" in matrix.render_line(0).text


async def test_moves_land_on_expected_cells(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)) as pilot:
        matrix = _matrix(app)
        assert matrix.current() == ("Initial Access", None)
        await pilot.press("down")
        assert matrix.current() == ("Initial Access", "ConsoleLogin")
        await pilot.press("right")
        assert matrix.cursor == (1, 0)
        assert matrix.current() == ("Execution", "StartInstance")
        await pilot.press("j")
        assert matrix.current() == ("Execution", "StartInstances")
        await pilot.press("l")
        assert matrix.current() == ("Persistence", "CreateUser")
        await pilot.press("h", "left")
        assert matrix.current() == ("Initial Access", "PasswordRecoveryRequested")
        await pilot.press("k", "up")
        assert matrix.cursor == (0, -1)
        await pilot.press("up", "left")  # stays put at the edges
        assert matrix.cursor == (0, -1)
        await pilot.press("end")
        assert matrix.current() == ("Impact", None)
        assert "Impact" in matrix.render_line(0).text
        await pilot.press("G")
        assert matrix.current() == ("Impact", "DeleteAccountPublicAccessBlock")
        await pilot.press("home")
        assert matrix.current() == ("Initial Access", None)
        assert matrix.scroll_offset.x == 0


async def test_enter_posts_selected(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        await pilot.press("right", "down", "down", "enter")
        await pilot.pause()
        header, cell = app.posted
        assert isinstance(header, TacticMatrix.Selected)
        assert (header.tactic, header.event, header.tactic_id) == ("Initial Access", None, "TA0001")
        assert isinstance(cell, TacticMatrix.Selected)
        assert (cell.tactic, cell.event) == ("Execution", "StartInstances")
        assert cell.extended is False


async def test_counts_and_zero_style(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)):
        matrix = _matrix(app)
        zero = matrix.rich_style + matrix.get_component_rich_style("tactic-matrix--zero")
        low = matrix.rich_style + matrix.get_component_rich_style("tactic-matrix--low")
        strip = matrix.render_line(1)  # first cells: ConsoleLogin 3, StartInstance 0, ...
        assert "ConsoleLogin" in strip.text
        styles = {seg.text.strip(): seg.style for seg in strip if seg.text.strip()}
        assert styles["3"] == low
        assert styles["StartInstance"] == zero
        assert styles["ConsoleLogin"] != zero
        line2 = matrix.render_line(2)
        zero_segments = [s for s in line2 if "PasswordRe" in s.text]
        assert "PasswordRe…yRequested" in line2.text  # cut in the middle
        assert zero_segments
        assert zero_segments[0].style == zero
        # Header carries the tactic total.
        assert "Initial Access" in matrix.render_line(0).text
        assert matrix.render_line(0).text.split("Initial Access")[1].strip().startswith("3")


async def test_markers_notes_and_tooltip(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)) as pilot:
        matrix = _matrix(app)
        await pilot.press("right", "down")
        assert matrix.current() == ("Execution", "StartInstance")
        note = matrix.current_note()
        assert note is not None
        assert "Not a CloudTrail event" in note
        assert matrix.tooltip is not None
        await pilot.press("down", "down")
        assert matrix.current() == ("Execution", "Invoke")
        assert "°" in matrix.render_line(3).text
        await pilot.press("end", "left", "down")
        assert matrix.current() == ("Exfiltration", "CreateSnapshot")
        assert "CreateSnapshot*" in matrix.render_line(1).text.replace(" ", "")
        await pilot.press("up")
        assert matrix.current_note() is None


async def test_toggle_extended_keeps_cursor(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)) as pilot:
        matrix = _matrix(app)
        await pilot.press("right", "down", "down")
        before = matrix.current()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.posted[-1], TacticMatrix.ToggleExtended)
        assert matrix.matrix is not None
        assert matrix.matrix.extended
        assert matrix.current() == before
        await pilot.press("enter")
        await pilot.pause()
        selected = app.posted[-1]
        assert isinstance(selected, TacticMatrix.Selected)
        assert selected.extended is True


async def test_small_terminal_keeps_cursor_column_visible(
    mapping: Mapping, frame: pl.DataFrame
) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(80, 24)) as pilot:
        matrix = _matrix(app)
        for name in SEED_TACTICS[1:]:
            await pilot.press("l")
            assert name in matrix.render_line(0).text
        for name in reversed(SEED_TACTICS[:-1]):
            await pilot.press("h")
            assert name in matrix.render_line(0).text


async def test_click_moves_cursor(mapping: Mapping, frame: pl.DataFrame) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(100, 30)) as pilot:
        matrix = _matrix(app)
        await pilot.click(TacticMatrix, offset=(30, 2))
        assert matrix.current() == ("Execution", "StartInstances")


async def test_empty_matrix_is_harmless() -> None:
    class Empty(App[None]):
        def compose(self) -> ComposeResult:
            yield TacticMatrix()

    app = Empty()
    async with app.run_test(size=(80, 24)) as pilot:
        matrix = app.query_one(TacticMatrix)
        await pilot.press("right", "down", "enter", "x")
        assert matrix.current() == ("", None)
        assert "no events" in matrix.render_line(0).text
        matrix.set_matrix(Matrix((), extended=False, attack_version="v18"))
        assert matrix.current() == ("", None)


class Zapper(Widget, can_focus=True):
    """A pane with one binding of its own."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "zap", "Zap the thing", id="test.zap"),
    ]
    HELP_TITLE = "Zapper pane"

    def action_zap(self) -> None:
        pass


class HelpApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Show keys", id="app.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.keymap: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Zapper()
        yield TacticMatrix()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(groups(self, self.screen, self.keymap)))


def as_pairs(collected: list[KeyGroup]) -> dict[str, list[tuple[str, str]]]:
    return {title: [(r.keys, r.description) for r in rows] for title, rows in collected}


async def test_help_lists_bindings_and_closes() -> None:
    app = HelpApp()
    async with app.run_test(size=(100, 30)) as pilot:
        collected = groups(app, app.screen, app.keymap)
        titles = [title for title, _ in collected]
        assert titles == ["Zapper pane (focused)", "Tactic matrix", "Screen", "Application"]
        pairs = as_pairs(collected)
        assert ("z", "Zap the thing") in pairs["Zapper pane (focused)"]
        assert ("?, f1", "Show keys") in pairs["Application"]
        matrix_rows = {d: k for k, d in pairs["Tactic matrix"]}
        assert matrix_rows["Next tactic"] == "→, l"
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        text = "\n".join(screen.page.plain_lines)
        assert "Zapper pane (focused)" in text
        assert "Zap the thing" in text
        assert "Filter to cell" in text
        await pilot.press("j", "k", "G", "g")
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_applies_keymap() -> None:
    app = HelpApp()
    async with app.run_test(size=(100, 30)):
        app.keymap = {"test.zap": "y"}
        app.set_keymap(app.keymap)
        pairs = as_pairs(groups(app, app.screen, app.keymap))
        assert ("y", "Zap the thing") in pairs["Zapper pane (focused)"]


def _report() -> LoadReport:
    report = LoadReport(records_seen=1510, loaded=5, duplicates=3)
    report.files = [
        FileReport("logs/evil\x1b[31m.json", "failed", reason="not JSON: \x1b]52;c;bad\x07"),
        FileReport("logs/notes.txt", "skipped", reason="not a log"),
        FileReport("logs/broken.json", "read", records=9, salvage="9 records kept, tail lost"),
    ]
    report.add_rejected(RejectedRecord("logs/a.json", 4, "no eventName"))
    report.add_rejected(RejectedRecord("logs/b\u202e.json", 7, "not an object"))
    report.rejected = 1502
    return report


class ProblemsApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(ProblemsScreen(_report()))


async def test_problems_screen_lists_report_inertly() -> None:
    app = ProblemsApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        text = "\n".join(screen.page.plain_lines)
        assert "1,510 records seen = 5 loaded + 3 duplicates + 1,502 rejected" in text
        assert "Failed files (1)" in text
        assert "logs/evil\\x1b[31m.json: not JSON: \\x1b]52;c;bad\\x07" in text
        assert "logs/notes.txt: not a log" in text
        assert "logs/broken.json: 9 records kept, tail lost" in text
        assert "logs/a.json #4: no eventName" in text
        assert "logs/b<U+202E>.json #7: not an object" in text
        assert "and 1,500 more" in text
        assert "Duplicates dropped (3)" in text
        assert "\x1b" not in text
        assert "\u202e" not in text
        await pilot.press("j", "k")
        await pilot.press("q")
        assert not isinstance(app.screen, ProblemsScreen)


async def test_problems_screen_clean_report() -> None:
    class Clean(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ProblemsScreen(LoadReport(records_seen=2, loaded=2)))

    app = Clean()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        text = "\n".join(screen.page.plain_lines)
        assert "2 records seen = 2 loaded + 0 duplicates + 0 rejected" in text
        assert "none" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, ProblemsScreen)


async def test_short_terminal_keeps_header_and_cursor_row(
    mapping: Mapping, frame: pl.DataFrame
) -> None:
    app = MatrixApp(mapping, frame)
    async with app.run_test(size=(80, 10)) as pilot:
        matrix = _matrix(app)
        await pilot.press("l", "l", "l", "l", "G")
        assert matrix.current() == ("Defense Evasion", "StopMonitoringMembers")
        assert matrix.scroll_offset.y > 0
        lines = [matrix.render_line(y).text for y in range(matrix.scrollable_content_region.height)]
        assert "Defense Evasion" in lines[0]
        assert any("StopMonitor" in line for line in lines[1:])
        await pilot.press("g")
        assert matrix.current() == ("Defense Evasion", None)
        await pilot.press("j")
        lines = [matrix.render_line(y).text for y in range(matrix.scrollable_content_region.height)]
        assert "StopLogging" in lines[1]


async def test_hostile_names_are_inert_and_cuts_stay_distinct() -> None:
    cells = (
        MatrixCell("Evil\x1b[2J\u202e", 5, "note \x1b]52;c;x\x07", False),
        MatrixCell("AuthorizeSecurityGroupEgress", 0, None, False),
        MatrixCell("AuthorizeSecurityGroupIngress", 0, None, False),
    )
    hostile = Matrix((MatrixTactic("Bad\x1bTactic", "X-1", 5, cells),), False, "v18")

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield TacticMatrix(hostile)

    app = One()
    async with app.run_test(size=(80, 24)) as pilot:
        matrix = app.query_one(TacticMatrix)
        text = "\n".join(matrix.render_line(y).text for y in range(4))
        assert "\x1b" not in text
        assert "\u202e" not in text
        assert "Bad\\x1bTactic" in text
        assert "Evil\\x1b[2J<U+202E>+" in text
        egress, ingress = (matrix.render_line(y).text.split()[0] for y in (2, 3))
        assert egress != ingress
        await pilot.press("down")
        assert matrix.current() == ("Bad\x1bTactic", "Evil\x1b[2J\u202e")
        note = matrix.current_note()
        assert note is not None
        assert "\x1b" not in note
        assert "\\x1b]52" in note


async def test_problems_page_rewraps_on_resize() -> None:
    app = ProblemsApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        wide = len(screen.page.plain_lines)
        await pilot.resize_terminal(50, 40)
        await pilot.pause()
        narrow = screen.page.plain_lines
        assert len(narrow) > wide
        assert all(len(line.rstrip()) <= screen.page.size.width for line in narrow)
