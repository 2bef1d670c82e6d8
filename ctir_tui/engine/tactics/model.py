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
