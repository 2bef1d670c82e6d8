"""Where ctir keeps its own files: the only module that asks platformdirs.

Evidence is read-only, so everything ctir writes lives here: the parse cache, the user's
settings and tactic overrides, cases, and crash reports. On Linux these are
``~/.cache/ctir``, ``~/.config/ctir`` and ``~/.local/state/ctir`` (or the ``XDG_*`` folders).
What the user asks to be written elsewhere (a case bundle) is checked against the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import platformdirs

APP = "ctir"


def cache_dir() -> Path:
    """The parse cache's root."""
    return platformdirs.user_cache_path(APP, appauthor=False)


def config_dir() -> Path:
    """Settings (``config.toml``) and tactic overrides (``tactics.toml``)."""
    return platformdirs.user_config_path(APP, appauthor=False)


def state_dir() -> Path:
    """Cases and crash reports."""
    return platformdirs.user_state_path(APP, appauthor=False)


def settings_file() -> Path:
    """The user's settings."""
    return config_dir() / "config.toml"


def explorer_state_file() -> Path:
    """What the explorer remembers between runs (the columns chosen), written by ctir."""
    return config_dir() / "explorer.toml"


def tactics_override_file() -> Path:
    """The user's tactic mapping overrides."""
    return config_dir() / "tactics.toml"


def crash_dir() -> Path:
    """Where crash reports are written."""
    return state_dir() / "crashes"


def cases_dir() -> Path:
    """Where cases (marks, tags and notes per evidence set) are kept."""
    return state_dir() / "cases"


def inside_evidence(path: Path, roots: Sequence[str]) -> bool:
    """Whether ``path`` would land inside (or beside a file of) the evidence ``roots``.

    The evidence is never written to: the command line and the explorer both refuse such a
    bundle folder.
    """
    target = path.resolve()
    for root in roots:
        base = Path(root).resolve()
        folder = base if base.is_dir() else base.parent
        if target == base or folder in target.parents or target.parent == folder:
            return True
    return False
