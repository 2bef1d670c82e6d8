"""Tests of the text and Markdown renderings of the tactic matrix."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from ctir_tui.engine.export.matrix_text import render_markdown, render_text
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.matrix import Matrix, MatrixCell, MatrixTactic, matrix_counts

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def matrix(tmp_path: Path) -> Matrix:
    mapping = load_mapping(config_path=tmp_path / "absent.toml")
    frame = pl.DataFrame(
        {
            "event_source": ["ec2.amazonaws.com"] * 3 + ["iam.amazonaws.com"] * 2,
            "event_name": [
                "CreateSnapshot",
                "CreateSnapshot",
                "RunInstances",
                "GetAccountAuthorizationDetails",
                "AttachUserPolicy",
            ],
        }
    )
    return matrix_counts(frame, mapping)


@pytest.fixture
def extended(tmp_path: Path) -> Matrix:
    mapping = load_mapping(config_path=tmp_path / "absent.toml", attack_version="v19")
    frame = pl.DataFrame(
        {
            "event_source": ["iam.amazonaws.com", "cloudtrail.amazonaws.com"],
            "event_name": ["AttachUserPolicy", "StopLogging"],
        }
    )
    return matrix_counts(frame, mapping, extended=True)


@pytest.mark.parametrize("width", [20, 40, 80, 120, 160, 250])
@pytest.mark.parametrize("color", [False, True])
def test_never_wider_than_width(matrix: Matrix, extended: Matrix, width: int, color: bool) -> None:
    for m in (matrix, extended):
        text = render_text(m, width=width, color=color)
        for line in text.splitlines():
            assert len(ANSI.sub("", line)) <= width, (width, line)


def test_no_ansi_without_color(matrix: Matrix) -> None:
    text = render_text(matrix, width=80, color=False)
    assert "\x1b" not in text


def test_zero_cells_dimmed_with_color(matrix: Matrix) -> None:
    text = render_text(matrix, width=250, color=True)
    assert "\x1b[2m" in text
    dimmed = re.findall(r"\x1b\[2m([^\x1b]*)\x1b\[0m", text)
    assert any(d.startswith("StartInstance") and d.endswith(" 0") for d in dimmed)
    assert not any(d.startswith("CreateSnapshot") for d in dimmed)


def test_all_tactics_and_counts_shown(matrix: Matrix) -> None:
    text = render_text(matrix, width=250, color=False)
    lines = text.splitlines()
    # Ten columns side by side when there is room.
    for name in ("Initial Access", "Defense Evasion", "Impact"):
        assert name in lines[0]
    assert re.search(r"CreateSnapshot\* +2", text)
    assert re.search(r"RunInstances +1", text)


def test_bands_when_narrow(matrix: Matrix) -> None:
    text = render_text(matrix, width=80, color=False)
    headers = [ln for ln in text.splitlines() if ln.startswith("──")]
    assert len(headers) >= 2  # the columns wrapped into several bands
    for name in ("Initial Access", "Exfiltration", "Impact"):
        assert name in text


def test_long_names_truncated_with_ellipsis(matrix: Matrix) -> None:
    text = render_text(matrix, width=40, color=False)
    assert "…" in text
    assert "GetAccountAuthorizationDetails" not in text.split("\n\n* ")[0]


def test_notes_listed_under_table(matrix: Matrix) -> None:
    text = render_text(matrix, width=100, color=False)
    assert "* CreateSnapshot: " in text
    assert "CreateSnapShot" in text  # the cheatsheet's spelling, only in the note
    assert "* ModifySnapshotAttribute: " in text
    assert "° Invoke: " in text  # a data event: a zero may mean "not recorded"


def test_tiny_width_does_not_crash(matrix: Matrix) -> None:
    for width in (1, 5, 13):
        text = render_text(matrix, width=width, color=False)
        assert all(len(line) <= width for line in text.splitlines())


def test_hostile_names_are_escaped() -> None:
    cell = MatrixCell("Evil\x1b[31mName", 1, None, False)
    m = Matrix((MatrixTactic("Impact", "TA0040", 1, (cell,)),), False, "v18")
    text = render_text(m, width=80, color=False)
    assert "\x1b" not in text
    assert "|" not in render_markdown(
        Matrix(
            (MatrixTactic("Impact", "TA0040", 1, (MatrixCell("a|b", 1, None, False),)),),
            False,
            "v18",
        )
    ).splitlines()[2].strip("| ").replace("\\|", "")


def test_markdown(matrix: Matrix, extended: Matrix) -> None:
    md = render_markdown(matrix)
    lines = md.splitlines()
    assert lines[0].startswith("| Initial Access (TA0001): 0 |")
    assert lines[1] == "|" + "---|" * 10
    rows = [ln for ln in lines if ln.startswith("| ")]
    assert all(ln.count(" | ") == 9 for ln in rows)
    assert "CreateSnapshot\\* 2" in md
    assert "_StartInstance+ 0_" in md
    assert "- \\* **CreateSnapshot**:" in md
    assert "Stealth" in render_markdown(extended)
