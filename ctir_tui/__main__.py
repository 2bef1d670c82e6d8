"""Allow ``python -m ctir_tui``."""

from __future__ import annotations

from ctir_tui.cli import run

run()
