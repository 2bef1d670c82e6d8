"""The tactic mapping's model: seed cells and tactics, extended entries, the mapping in use.

Built by :func:`ctir_tui.engine.tactics.data.load_mapping`; counted against events by
:mod:`ctir_tui.engine.tactics.matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Cell:
    """One seed cell: an eventName shown under a tactic."""

    event: str
    note: str | None = None
    corrected: bool = False
    data_event: bool = False


@dataclass(frozen=True, slots=True)
class Tactic:
    """A seed tactic (a matrix column) with its cells in order.

    ``name`` is the cheatsheet's column name; ``attack_name`` the tactic's name in the
    ATT&CK version in use (they differ for ``TA0005``: Defense Evasion, v19's Stealth).
    """

    id: str
    name: str
    cells: tuple[Cell, ...]
    attack_name: str = ""

    @property
    def attack(self) -> str:
        """The ATT&CK name (the column name when none was given)."""
        return self.attack_name or self.name

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
        seed_names: Tactic ID -> the cheatsheet's column name (the seed matrix's headers).
        other_names: Tactic ID -> its names in every ATT&CK version the data knows.
        alias_ids: Lower-case name -> the tactic IDs it stands for (``defense evasion``:
            Stealth and Defense Impairment).
    """

    attack_version: str
    tactics: tuple[Tactic, ...]
    extended: tuple[ExtendedEntry, ...]
    names: dict[str, str]
    order: tuple[str, ...]
    override_path: Path
    override_applied: bool = False
    warnings: list[str] = field(default_factory=list)
    seed_names: dict[str, str] = field(default_factory=dict)
    other_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    alias_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)

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
        """Return the tactic names of the matrix in order (see :meth:`tactic_ids`).

        The seed matrix keeps the cheatsheet's names; the extended one uses ATT&CK's.
        """
        if not extended:
            return [t.name for t in self.tactics]
        return [self.names.get(t, t) for t in self.tactic_ids(extended)]

    def tactic_id(self, name: str) -> str | None:
        """Return the ID of a tactic given its display name (None if unknown)."""
        for tid, tname in self.names.items():
            if tname == name:
                return tid
        for tactic in self.tactics:
            if tactic.name == name:
                return tactic.id
        return None

    def tactic_words(self) -> list[str]:
        """Every name a tactic filter accepts: the extended matrix's, the cheatsheet's, then
        those of the other ATT&CK versions (``Defense Evasion`` in v19, ``Stealth`` in v18)."""
        words: dict[str, str] = {}
        names = [*self.tactic_names(extended=True), *self.tactic_names(extended=False)]
        names += [n for versions in self.other_names.values() for n in versions]
        for name in names:
            words.setdefault(name.lower(), name)
        return list(words.values())

    def tactic_aliases(self) -> dict[str, frozenset[str]]:
        """Lower-case name -> every lower-case name of the tactics it stands for.

        A tactic's names in any version and its cheatsheet name are one tactic; an alias
        (``defense evasion`` in v19) stands for several. The tactic clause keeps events
        whose tactic list holds any of these names.
        """
        by_id: dict[str, set[str]] = {}
        for tid, name in self.names.items():
            by_id.setdefault(tid, set()).add(name.lower())
        for tid, name in self.seed_names.items():
            by_id.setdefault(tid, set()).add(name.lower())
        for tid, several in self.other_names.items():
            by_id.setdefault(tid, set()).update(n.lower() for n in several)
        out: dict[str, set[str]] = {}
        for names in by_id.values():
            for name in names:
                out.setdefault(name, set()).update(names)
        for alias, ids in self.alias_ids.items():
            for tid in ids:
                out.setdefault(alias, set()).update(by_id.get(tid, ()))
        return {name: frozenset(names) for name, names in out.items()}
