"""The tactic mapping as data: packaged TOML plus the user's override file.

The mapping ships in ``ctir_tui/tactics/``: ``seed.toml`` (the cheatsheet's ten tactics,
matched on ``eventName`` alone, and the versioned ATT&CK names) and ``extended.toml``
(keyed on ``eventSource`` and ``eventName``). :func:`load_mapping` reads both and merges the
user's override file, by default ``platformdirs.user_config_path("ctir") / "tactics.toml"``.

Override file format (every table optional)::

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
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

DEFAULT_VERSION = "v18"
_PKG = "ctir_tui.tactics"


@dataclass(frozen=True, slots=True)
class Cell:
    """One seed cell: an eventName shown under a tactic."""

    event: str
    note: str | None = None
    corrected: bool = False
    data_event: bool = False


@dataclass(frozen=True, slots=True)
class Tactic:
    """A seed tactic (a matrix column) with its cells in order."""

    id: str
    name: str
    cells: tuple[Cell, ...]

    @property
    def events(self) -> tuple[str, ...]:
        """The cells' event names, in order."""
        return tuple(c.event for c in self.cells)


@dataclass(frozen=True, slots=True)
class ExtendedEntry:
    """One (eventSource, eventName) entry of the extended mapping."""

    event_source: str
    event_name: str
    tactic_ids: tuple[str, ...]
    techniques: tuple[str, ...]
    source: str
    prefix: bool = False
    data_event: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Mapping:
    """The tactic mapping in use: seed tactics, extended entries and tactic names.

    Attributes:
        attack_version: ATT&CK naming in use ("v18" or "v19").
        tactics: Seed tactics in matrix order, with their cells (override applied).
        extended: Extended entries (technique IDs already remapped for the version).
        names: Tactic ID -> display name, for every tactic known (custom ones included).
        order: Tactic IDs in matrix order (ATT&CK kill-chain order, then custom tactics).
        override_path: The override file consulted.
        override_applied: Whether the override file was found and merged.
        warnings: Problems met while reading the override (each names file and line).
    """

    attack_version: str
    tactics: tuple[Tactic, ...]
    extended: tuple[ExtendedEntry, ...]
    names: dict[str, str]
    order: tuple[str, ...]
    override_path: Path
    override_applied: bool = False
    warnings: list[str] = field(default_factory=list)

    def tactic_ids(self, extended: bool) -> list[str]:
        """Return the tactic IDs of the matrix in order.

        Args:
            extended: False for the seed tactics; True adds every tactic the extended
                mapping uses, in kill-chain order.
        """
        seed = [t.id for t in self.tactics]
        if not extended:
            return seed
        used = set(seed) | {t for e in self.extended for t in e.tactic_ids}
        rank = {tid: i for i, tid in enumerate(self.order)}
        return sorted(used, key=lambda t: rank.get(t, len(rank)))

    def tactic_names(self, extended: bool) -> list[str]:
        """Return the tactic names of the matrix in order (see :meth:`tactic_ids`)."""
        return [self.names.get(t, t) for t in self.tactic_ids(extended)]

    def tactic_id(self, name: str) -> str | None:
        """Return the ID of a tactic given its display name (None if unknown)."""
        for tid, tname in self.names.items():
            if tname == name:
                return tid
        return None


def attack_versions() -> list[str]:
    """Return the ATT&CK versions the packaged data can name tactics for."""
    return list(_read_packaged("seed.toml")["versions"])


def default_override_path() -> Path:
    """Return the default override file: ``<user config dir>/ctir/tactics.toml``."""
    return platformdirs.user_config_path("ctir") / "tactics.toml"


def load_mapping(
    *, config_path: Path | None = None, attack_version: str = DEFAULT_VERSION
) -> Mapping:
    """Load the packaged mapping and merge the user's override file.

    Args:
        config_path: Override file to use instead of the default one.
        attack_version: ATT&CK naming, "v18" (default) or "v19".

    Returns:
        The mapping; problems with the override are listed in ``warnings``.

    Raises:
        ValueError: If ``attack_version`` is not one the data knows.
    """
    seed = _read_packaged("seed.toml")
    versions: dict[str, Any] = seed["versions"]
    if attack_version not in versions:
        known = ", ".join(versions)
        raise ValueError(f"unknown ATT&CK version {attack_version!r} (known: {known})")
    version: dict[str, Any] = versions[attack_version]
    names: dict[str, str] = dict(version["tactics"])
    tactics = tuple(
        Tactic(
            id=t["id"],
            name=names[t["id"]],
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
    base = Mapping(
        attack_version=attack_version,
        tactics=tactics,
        extended=extended,
        names=names,
        order=tuple(names),
        override_path=config_path if config_path is not None else default_override_path(),
    )
    return _apply_override(base, explicit=config_path is not None)


@functools.cache
def _read_packaged(name: str) -> dict[str, Any]:
    # Cached and shared: callers copy what they change.
    return tomllib.loads(resources.files(_PKG).joinpath(name).read_text(encoding="utf-8"))


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


# --- the override -----------------------------------------------------------------------

_SHAPES: dict[str, dict[str, tuple[type, bool]]] = {
    # table -> key -> (type, required); lists are lists of strings
    "add": {"tactic": (str, True), "events": (list, True), "note": (str, False)},
    "move": {"event": (str, True), "to": (str, True), "from": (str, False)},
    "tactic": {"name": (str, True), "id": (str, False), "events": (list, False)},
}


class _OverrideError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _apply_override(base: Mapping, *, explicit: bool) -> Mapping:
    path = base.override_path
    if not path.exists():
        if explicit:
            return replace(
                base, warnings=[f"{path}: override file not found; using built-in mapping"]
            )
        return base
    ignored = "the override file was ignored (built-in tactic mapping in use)"
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        # tomllib reports "at end of document" for unclosed constructs: the last line.
        line = m.group(1) if m else str(max(1, len(text.splitlines())))
        where = f"{path}:{line}"
        return replace(base, warnings=[f"{where}: TOML syntax error: {exc}; {ignored}"])
    except (OSError, UnicodeDecodeError) as exc:
        return replace(base, warnings=[f"{path}: cannot read override file: {exc}; {ignored}"])
    errors: list[_OverrideError] = []
    try:
        merged = _merge(base, data, text, errors)
    except _OverrideError as exc:
        errors.append(exc)
    if errors:
        return replace(base, warnings=[f"{path}:{e.line}: {e.message}; {ignored}" for e in errors])
    return replace(merged, override_applied=True)


def _line_of(text: str, table: str | None, index: int = 0, key: str | None = None) -> int:
    """Best-effort line number of ``[[table]]`` number ``index`` (and ``key`` inside it)."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    if table is not None:
        header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        hits = [i for i, ln in enumerate(lines) if header.match(ln)]
        if index < len(hits):
            start = hits[index]
            nxt = [i for i, ln in enumerate(lines) if i > start and ln.lstrip().startswith("[")]
            end = nxt[0] if nxt else len(lines)
        else:  # not an array of tables: "[table]" or "table = ..."
            t = re.escape(table)
            top = re.compile(rf"^\s*(\[+\s*{t}\s*\]|{t}\s*=)")
            found = [i for i, ln in enumerate(lines) if top.match(ln)]
            return found[0] + 1 if found else 1
    if key is not None:
        pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start, end):
            if pat.match(lines[i]):
                return i + 1
    return start + 1


def _validate(data: dict[str, Any], text: str, errors: list[_OverrideError]) -> None:
    for top, value in data.items():
        if top not in _SHAPES:
            known = ", ".join(f"[[{k}]]" for k in _SHAPES)
            message = f"unknown table or key {top!r} (expected {known})"
            errors.append(_OverrideError(_line_of(text, top, 1 << 30), message))
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            errors.append(
                _OverrideError(_line_of(text, top), f"{top!r} must be an array of tables [[{top}]]")
            )
            continue
        shape = _SHAPES[top]
        for i, entry in enumerate(value):
            for key, item in entry.items():
                if key not in shape:
                    errors.append(
                        _OverrideError(
                            _line_of(text, top, i, key),
                            f"unknown key {key!r} in [[{top}]] (expected {', '.join(shape)})",
                        )
                    )
                    continue
                typ = shape[key][0]
                ok = isinstance(item, typ)
                if typ is list:
                    ok = ok and all(isinstance(s, str) for s in item) and bool(item)
                if not ok:
                    want = "a non-empty list of strings" if typ is list else "a string"
                    errors.append(
                        _OverrideError(
                            _line_of(text, top, i, key), f"[[{top}]] {key} must be {want}"
                        )
                    )
            for key, (_, required) in shape.items():
                if required and key not in entry:
                    errors.append(
                        _OverrideError(_line_of(text, top, i), f"[[{top}]] needs a {key!r} key")
                    )


def _merge(base: Mapping, data: dict[str, Any], text: str, errors: list[_OverrideError]) -> Mapping:
    _validate(data, text, errors)
    if errors:
        return base
    names = dict(base.names)
    order = list(base.order)
    cells: dict[str, list[Cell]] = {t.id: list(t.cells) for t in base.tactics}
    columns = [t.id for t in base.tactics]
    extended = list(base.extended)
    aliases = _aliases(names)

    def resolve(ref: str, line: int) -> str:
        tid = aliases.get(ref.casefold())
        if tid is None:
            raise _OverrideError(line, f"unknown tactic {ref!r}")
        if tid not in names:
            raise _OverrideError(
                line, f"tactic {ref!r} does not exist in ATT&CK {base.attack_version}"
            )
        if tid not in columns:
            _insert_column(columns, tid, order)
            cells[tid] = []
        return tid

    for i, t in enumerate(data.get("tactic", [])):
        tid = t.get("id", t["name"])
        if tid.casefold() in aliases or t["name"].casefold() in aliases:
            raise _OverrideError(
                _line_of(text, "tactic", i), f"tactic {t['name']!r} already exists"
            )
        names[tid] = t["name"]
        order.append(tid)
        aliases[tid.casefold()] = aliases[t["name"].casefold()] = tid
        columns.append(tid)
        cells[tid] = [Cell(event=e) for e in t.get("events", [])]
    for i, a in enumerate(data.get("add", [])):
        tid = resolve(a["tactic"], _line_of(text, "add", i, "tactic"))
        for event in a["events"]:
            if event not in (c.event for c in cells[tid]):
                cells[tid].append(Cell(event=event, note=a.get("note")))
    for i, mv in enumerate(data.get("move", [])):
        event = mv["event"]
        to = resolve(mv["to"], _line_of(text, "move", i, "to"))
        sources = (
            [resolve(mv["from"], _line_of(text, "move", i, "from"))]
            if "from" in mv
            else list(cells)
        )
        moved = [c for tid in sources for c in cells[tid] if c.event == event]
        if not moved:
            where = f"tactic {mv['from']!r}" if "from" in mv else "any tactic"
            raise _OverrideError(
                _line_of(text, "move", i, "event"), f"event {event!r} is not in {where}"
            )
        for tid in sources:
            cells[tid] = [c for c in cells[tid] if c.event != event]
        if event not in (c.event for c in cells[to]):
            cells[to].append(moved[0])
        # Without "from" the event leaves every tactic, extended ones included.
        drop = set(sources) if "from" in mv else set(names)
        extended = [
            replace(e, tactic_ids=tuple(t for t in e.tactic_ids if t not in drop))
            if e.event_name == event
            else e
            for e in extended
        ]
    tactics = tuple(Tactic(id=tid, name=names[tid], cells=tuple(cells[tid])) for tid in columns)
    return replace(base, tactics=tactics, extended=tuple(extended), names=names, order=tuple(order))


def _aliases(names: dict[str, str]) -> dict[str, str]:
    """Tactic references (IDs, and names in every known ATT&CK version) -> tactic ID."""
    out = {tid.casefold(): tid for tid in names}
    for version in _read_packaged("seed.toml")["versions"].values():
        for tid, name in version["tactics"].items():
            out.setdefault(name.casefold(), tid)
            out.setdefault(tid.casefold(), tid)
    for tid, name in names.items():
        out[name.casefold()] = tid
    return out


def _insert_column(columns: list[str], tid: str, order: list[str]) -> None:
    """Insert an ATT&CK tactic among the columns at its kill-chain position."""
    if tid not in order:
        order.append(tid)
    rank = {t: i for i, t in enumerate(order)}
    for pos, existing in enumerate(columns):
        if rank.get(existing, len(rank)) > rank[tid]:
            columns.insert(pos, tid)
            return
    columns.append(tid)
