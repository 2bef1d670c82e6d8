"""The ledger: what the generator wrote, and what a correct loader must make of it.

Every writer registers each file it writes (its path relative to the output folder, its shape,
whether a loader must read it, skip it and why, or fail on it, and whether it is a damaged file
to salvage) with every record in it, each marked as one a loader must load, must find to be a
duplicate (the same eventID loaded from another file), or must reject with a reason. A zip
archive is registered as its members, ``archive.zip!member``, as a loader reports them.

:meth:`Ledger.check` proves the marks agree with each other (each eventID loaded exactly once,
every duplicate's eventID loaded somewhere), so facts computed from the ledger are the
generator's own account of its output, never a loader's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from bench.gen.record import Record

Outcome = Literal["load", "duplicate", "reject"]
FileStatus = Literal["read", "skipped", "failed"]


class Entry(NamedTuple):
    """One record as a loader finds it in a file, and what the loader must do with it."""

    record: Record
    outcome: Outcome
    reason: str | None = None


def loaded(records: Iterable[Record]) -> list[Entry]:
    """Mark ``records`` as events a loader must load (their first and only delivery)."""
    return [Entry(r, "load") for r in records]


def duplicated(records: Iterable[Record]) -> list[Entry]:
    """Mark ``records`` as copies of events loaded from another file (same eventID)."""
    return [Entry(r, "duplicate") for r in records]


@dataclass(frozen=True, slots=True)
class FileFact:
    """One file written, what a loader must do with it, and its records."""

    path: str
    shape: str
    status: FileStatus
    entries: tuple[Entry, ...]
    why: str | None = None
    salvaged: bool = False


@dataclass
class Ledger:
    """The files written so far, in the order written."""

    files: list[FileFact] = field(default_factory=list)

    def add(
        self,
        path: str,
        shape: str,
        entries: Iterable[Entry] = (),
        *,
        status: FileStatus = "read",
        why: str | None = None,
        salvaged: bool = False,
    ) -> None:
        """Register one file (or zip member) and its records."""
        self.files.append(FileFact(path, shape, status, tuple(entries), why, salvaged))

    def entries(self) -> Iterable[tuple[FileFact, Entry]]:
        """Yield every record registered, with its file, in the order written."""
        for f in self.files:
            for entry in f.entries:
                yield f, entry

    def events(self) -> list[Record]:
        """Return the records a loader must keep: one per event, in the order written."""
        return [e.record for _f, e in self.entries() if e.outcome == "load"]

    def check(self) -> None:
        """Raise ValueError unless every mark agrees with the others."""
        problems: list[str] = []
        paths = Counter(f.path for f in self.files)
        problems += [f"{p}: registered {n} times" for p, n in paths.items() if n > 1]
        loads: Counter[str] = Counter()
        dups: list[tuple[str, str | None]] = []
        for f, e in self.entries():
            eid = e.record.get("eventID")
            if f.status != "read":
                problems.append(f"{f.path}: a {f.status} file holds records")
            if e.outcome == "load" and eid is not None:
                loads[eid] += 1
            elif e.outcome == "duplicate":
                dups.append((f.path, eid))
            if (e.outcome == "reject") != bool(e.reason):
                problems.append(f"{f.path}: a reason is for, and only for, a rejected record")
        problems += [f"eventID {eid} loaded {n} times" for eid, n in loads.items() if n > 1]
        problems += [
            f"{p}: duplicate of {eid}, never loaded" for p, eid in dups if eid not in loads
        ]
        problems += [
            f"{f.path}: {f.status} without a reason"
            for f in self.files
            if f.status != "read" and not f.why
        ]
        if problems:
            raise ValueError("inconsistent ledger: " + "; ".join(problems[:10]))
