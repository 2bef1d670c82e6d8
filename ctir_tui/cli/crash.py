"""Crash reports: a traceback written to the state directory instead of shown to a user."""

from __future__ import annotations

import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from ctir_tui import __version__, paths


def write_crash_report(detail: BaseException | str) -> Path | None:
    """Write ``detail`` (an exception, or a traceback already rendered) to a crash report.

    Returns:
        The report's path, or None when it could not be written.
    """
    text = detail if isinstance(detail, str) else "".join(traceback.format_exception(detail))
    try:
        folder = paths.crash_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        path.write_text(f"ctir {__version__}\nargv: {sys.argv!r}\n\n{text}", encoding="utf-8")
        return path
    except OSError:
        return None
