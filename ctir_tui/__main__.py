"""Allow ``python -m ctir_tui``."""

from __future__ import annotations

from ctir_tui.cli import main

raise SystemExit(main())
