"""The user's override file: add events to tactics, move them, declare tactics of one's own.

The format is documented in :mod:`ctir_tui.engine.tactics.data`. A broken override is
reported in :attr:`Mapping.warnings` with the file and line, and ignored as a whole.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from typing import Any

from ctir_tui.engine.tactics.model import Cell, Mapping, Tactic

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


def apply_override(base: Mapping, *, explicit: bool, versions: dict[str, Any]) -> Mapping:
    """Merge the override file named by ``base.override_path`` (``versions``: the ATT&CK
    naming tables of the packaged data, so that any version's tactic names are accepted)."""
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
        merged = _merge(base, data, text, errors, versions)
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
        if top == "attack_version":  # read (and checked) by data.configured_version
            continue
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


def _merge(
    base: Mapping,
    data: dict[str, Any],
    text: str,
    errors: list[_OverrideError],
    versions: dict[str, Any],
) -> Mapping:
    _validate(data, text, errors)
    if errors:
        return base
    names = dict(base.names)
    order = list(base.order)
    cells: dict[str, list[Cell]] = {t.id: list(t.cells) for t in base.tactics}
    columns = [t.id for t in base.tactics]
    extended = list(base.extended)
    aliases = _aliases(names, versions)

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
    tactics = tuple(
        Tactic(
            id=tid,
            name=base.seed_names.get(tid, names[tid]),
            cells=tuple(cells[tid]),
            attack_name=names[tid],
        )
        for tid in columns
    )
    return replace(base, tactics=tactics, extended=tuple(extended), names=names, order=tuple(order))


def _aliases(names: dict[str, str], versions: dict[str, Any]) -> dict[str, str]:
    """Tactic references (IDs, and names in every known ATT&CK version) -> tactic ID."""
    out = {tid.casefold(): tid for tid in names}
    for version in versions.values():
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
