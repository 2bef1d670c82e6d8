"""What the explorer is started with: the evidence, filters, load options and user settings.

:class:`ExplorerConfig` is what the command line hands the explorer. :class:`Settings` come
from ``config.toml`` in the config directory (:mod:`ctir_tui.paths`):

```toml
theme = "ansi-dark"          # any Textual theme; ansi-dark/ansi-light suit 16-colour terminals

[keys]                       # binding id = "key[,key...]", ids are listed by ? in the app
"pivot.principal" = "P"
"list.down" = "j,down,ctrl+n"

[sigma]                      # ctir sigma without --rules reads these (default: ctir's own)
rules = ["~/sigma/rules/cloud/aws"]
```

A broken file never stops ctir: the problem is reported (file and line) and defaults apply.

What the explorer remembers itself (the list's columns, chosen with ``v``) is written to
``explorer.toml`` beside it, never into the user's own file:

```toml
columns = ["time", "principal", "event_name", "source_ip", "error_code"]
```
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ctir_tui import paths
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.query.filters import Filters


@dataclass(slots=True)
class Settings:
    """What the user configured, and what was wrong with the file."""

    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    #: Rule files or folders for ``ctir sigma`` (``[sigma] rules``), ``~`` expanded.
    sigma_rules: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None
    #: The list's columns as last chosen (None: the default set).
    columns: tuple[str, ...] | None = None


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing file gives defaults, a broken one defaults and a warning."""
    path = path or paths.settings_file()
    settings = Settings(path=path)
    settings.columns = load_columns(path.with_name(paths.explorer_state_file().name), settings)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return settings
    except (OSError, UnicodeDecodeError) as exc:
        settings.warnings.append(f"{path}: cannot read ({exc}); using defaults")
        return settings
    except tomllib.TOMLDecodeError as exc:
        settings.warnings.append(f"{path}: {exc}; using defaults")
        return settings
    theme = data.pop("theme", None)
    if theme is not None and not isinstance(theme, str):
        settings.warnings.append(f"{path}: theme must be a string")
    else:
        settings.theme = theme
    keys = data.pop("keys", {})
    if not isinstance(keys, dict):
        settings.warnings.append(f'{path}: [keys] must be a table of id = "keys"')
        keys = {}
    for binding_id, value in keys.items():
        if isinstance(value, str) and value.strip():
            settings.keymap[binding_id] = value
        else:
            settings.warnings.append(f"{path}: keys.{binding_id} must be a non-empty string")
    sigma = data.pop("sigma", {})
    rules = sigma.get("rules", []) if isinstance(sigma, dict) else None
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        settings.warnings.append(f"{path}: [sigma] rules must be a list of paths")
    else:
        settings.sigma_rules = [str(Path(r).expanduser()) for r in rules]
    for unknown in data:
        settings.warnings.append(f"{path}: unknown setting {unknown!r} ignored")
    return settings


def load_columns(path: Path, settings: Settings | None = None) -> tuple[str, ...] | None:
    """The columns remembered in ``path`` (None: none remembered, or the file is broken)."""
    from ctir_tui.ui.widgets._list_format import BY_KEY

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        if settings is not None:
            settings.warnings.append(f"{path}: {exc}; default columns")
        return None
    columns = data.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        if settings is not None:
            settings.warnings.append(f"{path}: columns must be a list of names")
        return None
    return tuple(c for c in columns if c in BY_KEY)


def save_columns(columns: Sequence[str], path: Path | None = None) -> str | None:
    """Remember the columns chosen (atomically); returns why it failed, if it did."""
    path = path or paths.explorer_state_file()
    body = "columns = [" + ", ".join(f'"{c}"' for c in columns) + "]\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".toml.tmp")
        temporary.write_text("# written by ctir: the explorer's columns (v)\n" + body, "utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        return f"cannot save the columns in {path}: {exc}"
    return None


@dataclass(slots=True)
class ExplorerConfig:
    """Everything the explorer needs to start."""

    paths: list[str]
    #: The filters of the first view (from the command line).
    filters: Filters = field(default_factory=Filters)
    load: LoadOptions = field(default_factory=LoadOptions)
    settings: Settings = field(default_factory=Settings)
