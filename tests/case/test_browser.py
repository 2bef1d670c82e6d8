"""The HTML report in a real headless browser: it renders, and nothing hostile runs.

The hostile records and notes would, if any script ran, set the document's title to
``PWNED`` and put a ``data-pwned`` attribute on the body. Chromium dumps the DOM after
loading the page; the test checks both are absent and that the page's own title stands.
Skipped where Debian's Chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ctir_tui.cli import main
from ctir_tui.engine.case.store import CaseStore
from tests.case.evidence import HOSTILE_NOTE, evt, write_evidence

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    evidence = write_evidence(root)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_STATE_HOME", str(root / "state"))
        env.setenv("XDG_CACHE_HOME", str(root / "cache"))
        case = CaseStore.open([evidence.folder])
        for n in (2, 3, 4):
            case.mark(evt(n))
        case.set_note(evt(4), HOSTILE_NOTE)
        case.set_notes(HOSTILE_NOTE)  # a script first: nothing (an <iframe>) swallows it
        out = root / "bundle"
        assert main(["case", "export", str(evidence.folder), "-o", str(out), "--no-cache"]) == 0
    return out / "report.html"


def test_nothing_hostile_runs_in_a_browser(page: Path, tmp_path: Path) -> None:
    done = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None
    assert title.group(1).startswith("Case report: ")
    assert "PWNED" not in title.group(1)
    assert re.search(r"<[^<>]*data-pwned", dom) is None  # in the text, never on a tag
    assert re.findall(r"<body[^>]*>", dom) == ["<body>"]  # no attribute was added
    # The hostile markup is there, as text.
    assert "&lt;script&gt;document.title=" in dom
    assert "<script" not in dom
    assert "<img" not in dom
    assert "<iframe" not in dom


def test_the_page_renders_to_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _chromium(
        tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page is a few kB; the report is text and tables
