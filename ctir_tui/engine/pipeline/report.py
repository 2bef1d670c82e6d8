"""The load report: what happened to every file and record, so that nothing is lost silently.

The figures reconcile: ``records_seen == loaded + duplicates + rejected``. Identical
re-deliveries (``duplicates``) are dropped and counted, not problems; records that share an
eventID but differ (``conflicts``) are all kept and flagged, since one may be forged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FileStatus = Literal["read", "skipped", "failed"]

#: How many rejected records are kept with their reason (all are counted).
MAX_REJECTED_DETAILS = 1000


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``: the count and the right form of the word."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


@dataclass(slots=True)
class FileReport:
    """The outcome for one input file (or one member of an archive)."""

    path: str
    status: FileStatus
    shape: str | None = None
    reason: str | None = None
    #: Records found in the file, including rejected ones.
    records: int = 0
    rejected: int = 0
    #: Set when a broken file was partly recovered: what was salvaged and what was lost.
    salvage: str | None = None
    #: How it was read, when that is worth knowing but no problem (its text encoding).
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data."""
        out: dict[str, Any] = {"path": self.path, "status": self.status}
        for key in ("shape", "reason", "salvage", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["records"] = self.records
        out["rejected"] = self.rejected
        return out


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """One record that could not be used, with where it was and why."""

    path: str
    index: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Return the record's rejection as plain JSON-ready data."""
        return {"path": self.path, "index": self.index, "reason": self.reason}


@dataclass(slots=True)
class LoadReport:
    """Everything a responder needs to trust (or distrust) a load."""

    files: list[FileReport] = field(default_factory=list)
    rejected_details: list[RejectedRecord] = field(default_factory=list)
    records_seen: int = 0
    loaded: int = 0
    #: Identical copies of a record already loaded (re-deliveries), dropped.
    duplicates: int = 0
    #: Loaded records sharing an eventID with a different record (all copies kept, flagged).
    conflicts: int = 0
    #: Loaded records flagged as suspicious (duplicate keys, odd identity, bad text...).
    flagged: int = 0
    #: How many loaded records carry each flag (one record may carry several).
    flags: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    #: Loaded events that carry no usable time (kept, sorted last).
    no_time: int = 0
    #: Of those, events whose time was there but could not be read.
    bad_time: int = 0
    #: Files whose rows came from the cache rather than a fresh parse.
    from_cache: int = 0
    seconds: float = 0.0

    def count(self, status: FileStatus) -> int:
        """Return how many files ended with ``status``."""
        return sum(1 for f in self.files if f.status == status)

    @property
    def salvaged(self) -> int:
        """Files read only in part (damaged)."""
        return sum(1 for f in self.files if f.salvage)

    @property
    def problems(self) -> int:
        """What a responder must look at: failed and salvaged files, rejected records and
        flagged ones (conflicting copies among them). Re-deliveries and files that are not
        logs are not problems."""
        return self.count("failed") + self.salvaged + self.rejected + self.flagged

    @property
    def reconciles(self) -> bool:
        """Whether every record seen is accounted for."""
        return self.records_seen == self.loaded + self.duplicates + self.rejected

    def add_rejected(self, record: RejectedRecord) -> None:
        """Count a rejected record, keeping its details up to a cap."""
        self.rejected += 1
        if len(self.rejected_details) < MAX_REJECTED_DETAILS:
            self.rejected_details.append(record)

    def to_json(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready data."""
        return {
            "records_seen": self.records_seen,
            "events": self.loaded,
            "duplicates": self.duplicates,
            "conflicts": self.conflicts,
            "flagged": self.flagged,
            "flags": dict(self.flags),
            "rejected": self.rejected,
            "no_time": self.no_time,
            "bad_time": self.bad_time,
            "files": {
                "read": self.count("read"),
                "skipped": self.count("skipped"),
                "failed": self.count("failed"),
                "from_cache": self.from_cache,
            },
            "failed": [
                {"path": f.path, "reason": f.reason} for f in self.files if f.status == "failed"
            ],
            "skipped": [
                {"path": f.path, "reason": f.reason} for f in self.files if f.status == "skipped"
            ],
            "salvaged": [{"path": f.path, "salvage": f.salvage} for f in self.files if f.salvage],
            "rejected_records": [r.to_json() for r in self.rejected_details],
        }
