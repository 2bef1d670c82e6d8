"""The tactic mapping as data: packaged TOML plus the user's override file.

The mapping ships in ``ctir_tui/engine/tactics/tables/``: ``seed.toml`` (the cheatsheet's
ten tactics, matched on ``eventName`` alone, and the versioned ATT&CK names) and
``extended.toml`` (keyed on ``eventSource`` and ``eventName``). :func:`load_mapping` reads
both and merges the user's override file, by default ``tactics.toml`` in the config
directory (:mod:`ctir_tui.paths`).

Override file format (every table optional)::

    # ATT&CK naming of the extended matrix and of techniques: "v19" (the default) or "v18".
    attack_version = "v18"

    # Add events to a tactic, named by ID ("TA0003") or by name ("Persistence",
    # "Defense Evasion" or "Stealth"). An ATT&CK tactic that is not in the matrix yet
    # (e.g. "Collection"), or one declared under [[tactic]], becomes a new column.
    [[add]]
    tactic = "Persistence"
    events = ["CreateFunctionUrlConfig20211031"]
    note = "shown with the cells (optional)"

    # Move an event: it leaves `from` (default: every tactic holding it) and joins `to`.
    [[move]]
    event = "RunInstances"
    to = "Execution"
    from = "Impact"

    # Declare a tactic of your own; it is drawn after the ATT&CK ones.
    [[tactic]]
    name = "Crypto mining"
    id = "X-MINING"                       # optional, defaults to the name
    events = ["RequestSpotInstances"]     # optional

Events are ``eventName`` values, matched like the seed cells. Overrides change the seed
matrix and therefore both modes; a ``move`` also takes the event out of the ``from``
tactic (or all tactics) in the extended mapping. A broken override (TOML syntax, unknown
keys, wrong types, unknown tactics, moving an event that is not there) is reported in
:attr:`Mapping.warnings` with the file and line, and ignored as a whole: ctir carries on
with the built-in mapping. Nothing here raises because of an override.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from ctir_tui import paths
from ctir_tui.engine.packaged import read_table
from ctir_tui.engine.tactics.model import Cell, ExtendedEntry, Mapping, Tactic
from ctir_tui.engine.tactics.overrides import apply_override

#: ATT&CK naming when neither the caller nor ``attack_version`` in the override file says.
DEFAULT_VERSION = "v19"
_PKG = "ctir_tui.engine.tactics"


def attack_versions() -> list[str]:
    """Return the ATT&CK versions the packaged data can name tactics for."""
    return list(_read_packaged("seed.toml")["versions"])


def default_override_path() -> Path:
    """Return the default override file: ``tactics.toml`` in the config directory."""
    return paths.tactics_override_file()


def load_mapping(*, config_path: Path | None = None, attack_version: str | None = None) -> Mapping:
    """Load the packaged mapping and merge the user's override file.

    Args:
        config_path: Override file to use instead of the default one.
        attack_version: ATT&CK naming, "v19" or "v18"; None: the override file's
            ``attack_version``, else :data:`DEFAULT_VERSION`.

    Returns:
        The mapping; problems with the override are listed in ``warnings``.

    Raises:
        ValueError: If ``attack_version`` is not one the data knows.
    """
    seed = _read_packaged("seed.toml")
    versions: dict[str, Any] = seed["versions"]
    override = config_path if config_path is not None else default_override_path()
    problems: list[str] = []
    if attack_version is None:
        attack_version = configured_version(override, list(versions), problems)
    if attack_version not in versions:
        known = ", ".join(versions)
        raise ValueError(f"unknown ATT&CK version {attack_version!r} (known: {known})")
    version: dict[str, Any] = versions[attack_version]
    names: dict[str, str] = dict(version["tactics"])
    cheatsheet: dict[str, str] = dict(seed["cheatsheet"]["tactics"])
    tactics = tuple(
        Tactic(
            id=t["id"],
            name=cheatsheet.get(t["id"], names[t["id"]]),
            attack_name=names[t["id"]],
            cells=tuple(
                Cell(
                    event=c["event"],
                    note=c.get("note"),
                    corrected=bool(c.get("corrected", False)),
                    data_event=bool(c.get("data_event", False)),
                )
                for c in t["cells"]
            ),
        )
        for t in seed["tactic"]
    )
    extended = tuple(_extended_entries(_read_packaged("extended.toml"), version))
    other: dict[str, list[str]] = {}
    for each in versions.values():
        for tid, name in each["tactics"].items():
            other.setdefault(tid, []).append(name)
    base = Mapping(
        attack_version=attack_version,
        tactics=tactics,
        extended=extended,
        names=names,
        order=tuple(names),
        override_path=override,
        seed_names=cheatsheet,
        other_names={tid: tuple(dict.fromkeys(n)) for tid, n in other.items()},
        alias_ids={a["name"].lower(): tuple(a["tactics"]) for a in seed.get("alias", [])},
    )
    merged = apply_override(base, explicit=config_path is not None, versions=versions)
    if problems:
        merged = replace(merged, warnings=[*problems, *merged.warnings])
    return merged


def configured_version(path: Path, known: list[str], problems: list[str]) -> str:
    """The ``attack_version`` the override file asks for, else :data:`DEFAULT_VERSION`.

    A file that cannot be read is reported by the override's own reading; a version that
    is not known is reported in ``problems`` and the default is used.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return DEFAULT_VERSION
    wanted = data.get("attack_version")
    if wanted is None:
        return DEFAULT_VERSION
    if wanted not in known:
        problems.append(
            f"{path}: attack_version must be one of {', '.join(known)}, not {wanted!r}; "
            f"using {DEFAULT_VERSION}"
        )
        return DEFAULT_VERSION
    return str(wanted)


@functools.cache
def _read_packaged(name: str) -> dict[str, Any]:
    # Cached and shared: callers copy what they change.
    return read_table(resources.files(_PKG).joinpath("tables", name))


def _extended_entries(data: dict[str, Any], version: dict[str, Any]) -> list[ExtendedEntry]:
    remap = {r["from"]: r["to"] for r in version.get("technique_remap", [])}
    impairment = set(version.get("impairment_techniques", []))
    out = []
    for e in data["event"]:
        techniques = tuple(dict.fromkeys(remap.get(t, t) for t in e["techniques"]))
        tactic_ids = list(e["tactics"])
        families = [t.split(".")[0] in impairment for t in techniques]
        if impairment and "TA0005" in tactic_ids and any(families):
            # v19 split Defense Evasion: impairing defences is its own tactic now.
            tactic_ids.insert(tactic_ids.index("TA0005") + 1, "TA0112")
            if all(families):
                tactic_ids.remove("TA0005")
        out.append(
            ExtendedEntry(
                event_source=e["event_source"],
                event_name=e["event_name"],
                tactic_ids=tuple(tactic_ids),
                techniques=techniques,
                source=e["source"],
                prefix=bool(e.get("prefix", False)),
                data_event=bool(e.get("data_event", False)),
                note=e.get("note"),
            )
        )
    return out
