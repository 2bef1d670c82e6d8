"""The layering contract at run time: the engine loads without any terminal library.

``lint-imports`` (in the check command) checks the same contracts statically; this test
checks what really gets imported when every engine module is loaded.
"""

from __future__ import annotations

import subprocess
import sys


def _imported_after(package: str, forbidden: tuple[str, ...]) -> list[str]:
    code = (
        "import sys, pkgutil, importlib\n"
        f"root = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(root.__path__, root.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({forbidden!r}))\n"
        "print('\\n'.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_engine_imports_no_textual_rich_ui_or_cli() -> None:
    forbidden = ("textual", "rich", "ctir_tui.ui", "ctir_tui.cli")
    assert _imported_after("ctir_tui.engine", forbidden) == []


def test_ui_imports_no_cli() -> None:
    assert _imported_after("ctir_tui.ui", ("ctir_tui.cli",)) == []
