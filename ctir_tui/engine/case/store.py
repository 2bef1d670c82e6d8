"""The case store: marks, tags and notes on events, and notes on the case, kept per evidence set.

One case per evidence set (the sorted absolute input paths), in ``paths.cases_dir()``,
never in the evidence. :meth:`CaseStore.open` finds it again when the same paths are
opened; every change is saved at once (``autosave``), atomically, the previous version
kept as ``.bak`` (format and recovery: :mod:`.casefile`).

The explorer's calls, by what a responder does:

* mark an event: :meth:`~CaseStore.mark` (with the filter labels that found it),
  :meth:`~CaseStore.unmark`, :meth:`~CaseStore.toggle`, :meth:`~CaseStore.is_marked`;
* tag it: :meth:`~CaseStore.tag`, :meth:`~CaseStore.untag` (``malicious``, ``benign``,
  ``needs-review`` or any word);
* note on it: :meth:`~CaseStore.set_note`, :meth:`~CaseStore.note`;
* note on the case: :attr:`~CaseStore.notes`, :meth:`~CaseStore.set_notes`,
  :meth:`~CaseStore.append_notes`;
* list: :meth:`~CaseStore.entries`, :meth:`~CaseStore.get`, :meth:`~CaseStore.marked_keys`;
  filter: :meth:`~CaseStore.marks` gives the snapshot ``Session.view(case=...)`` takes;
* :meth:`~CaseStore.save` (only needed with ``autosave=False``).

Tagging an event or writing a note on it marks it too: an annotated event belongs to the
case. Unmarking keeps its tags and note (mark it again and they are back);
:meth:`~CaseStore.forget` drops everything about it.

A broken case file is never lost: it is moved aside (``NAME.broken-STAMP.json``), what
can be recovered is kept (and written back), and :attr:`CaseStore.problems` says what
happened, with both paths. When the file changed on disk since it was read (another ctir
on the same evidence), a save keeps the other's changes to the events this store did not
touch.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from ctir_tui import paths as app_paths
from ctir_tui.engine.case.casefile import (
    CaseData,
    Entry,
    backup_path,
    dump,
    read_case,
    write_atomic,
)
from ctir_tui.engine.query.marks import CaseMarks, check_tag
from ctir_tui.engine.query.values import clean

_NAME_CHARS: Final = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """What the case holds about one event (a read-only copy).

    Attributes:
        key: The event's key (its ``eventID``, else ``@file_id:rec_index``).
        marked: In the case's selection (what ``ctir case export`` writes out).
        tags: Lower-case words, in the order they were added.
        note: Free text; empty when none.
        found_by: The filter labels active when it was marked.
        updated: When this entry last changed (ISO 8601, UTC).
    """

    key: str
    marked: bool
    tags: tuple[str, ...]
    note: str
    found_by: tuple[str, ...]
    updated: str


@dataclass(frozen=True, slots=True)
class CaseProblem:
    """A defect of the case file, and what was done about it."""

    path: Path
    reason: str
    #: Where the broken file was kept (None when it was left in place).
    kept: Path | None = None

    def __str__(self) -> str:
        where = f"; the broken file is kept as {self.kept}" if self.kept else ""
        return f"case file {self.path}: {self.reason}{where}"


def evidence_set(paths: Iterable[Path | str]) -> list[str]:
    """The evidence set's identity: the sorted, de-duplicated absolute input paths."""
    return sorted({os.path.abspath(os.fspath(p)) for p in paths})


def case_path(paths: Iterable[Path | str], root: Path | None = None) -> Path:
    """The case file of an evidence set (``NAME-DIGEST.json`` in the cases folder)."""
    evidence = evidence_set(paths)
    digest = hashlib.sha256("\0".join(evidence).encode("utf-8", "surrogatepass")).hexdigest()
    first = Path(evidence[0]).name if evidence else "case"
    name = _NAME_CHARS.sub("_", first)[:40].strip("._") or "case"
    return (root or app_paths.cases_dir()) / f"{name}-{digest[:16]}.json"


def _now() -> datetime:
    return datetime.now(UTC)


class CaseStore:
    """Marks, tags and notes on the events of one evidence set, saved as they change."""

    def __init__(
        self,
        path: Path,
        evidence: Sequence[str],
        *,
        autosave: bool = True,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """A store over the case file ``path`` (use :meth:`open` to find and read it)."""
        self.path = path
        self.autosave = autosave
        #: What was wrong with the case file when it was read (empty: nothing).
        self.problems: list[CaseProblem] = []
        self._clock = clock
        self._data = CaseData(evidence=list(evidence))
        self._touched: set[str] = set()
        self._notes_touched = False
        self._seen: tuple[int, int, int] | None = None
        #: Why the case file must not be written (it could not be read or set aside).
        self._blocked: str | None = None

    @classmethod
    def open(
        cls,
        paths: Iterable[Path | str],
        *,
        root: Path | None = None,
        autosave: bool = True,
        clock: Callable[[], datetime] = _now,
    ) -> CaseStore:
        """Open the case of the evidence ``paths`` (a new, empty one if there is none).

        Nothing is written until something changes, except when the file was broken: then
        it is moved aside and what was recovered is written back at once (see
        :attr:`problems`).

        Args:
            paths: The input paths, as given (order and relative form do not matter).
            root: The cases folder (``paths.cases_dir()`` by default).
            autosave: Save after every change.
            clock: Where times come from (tests pass a fixed clock).
        """
        evidence = evidence_set(paths)
        store = cls(case_path(evidence, root), evidence, autosave=autosave, clock=clock)
        store._load()
        return store

    # -- reading ---------------------------------------------------------------------

    def _load(self) -> None:
        path = self.path
        source = path
        if not path.exists() and backup_path(path).exists():
            source = backup_path(path)
            self.problems.append(CaseProblem(path, f"missing; restored from {source}"))
        try:
            raw = source.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror}); changes will not be saved over it"
            self.problems.append(CaseProblem(path, reason))
            self._blocked = reason
            return
        result = read_case(raw)
        data = result.data
        if not result.whole:
            self._merge_backup(data)
        if not result.problems:
            data.evidence = data.evidence or self._data.evidence
            self._data = data
            self._seen = self._stat() if source == path else None
            if source != path:
                self._write()
            return
        kept = self._set_aside(source)
        reason = "; ".join(result.problems[:5])
        if len(result.problems) > 5:
            reason += f"; and {len(result.problems) - 5} more"
        recovered = sum(1 for e in data.entries.values() if e.marked)
        reason += f" (recovered {len(data.entries)} events, {recovered} marked)"
        data.evidence = self._data.evidence
        self._data = data
        if kept is None:
            self._blocked = "it could not be moved aside; changes will not be saved over it"
            self.problems.append(CaseProblem(path, f"{reason}; {self._blocked}"))
            return
        self.problems.append(CaseProblem(path, reason, kept))
        self._write()

    def _merge_backup(self, data: CaseData) -> None:
        """Events that a damaged file lost but its backup still holds."""
        bak = backup_path(self.path)
        try:
            backup = read_case(bak.read_bytes())
        except OSError:
            return
        if backup.problems:
            return
        for key, entry in backup.data.entries.items():
            data.entries.setdefault(key, entry)
        if not data.notes:
            data.notes, data.notes_updated = backup.data.notes, backup.data.notes_updated

    def _set_aside(self, source: Path) -> Path | None:
        stamp = self._clock().strftime("%Y%m%dT%H%M%S%fZ")
        kept = source.with_name(f"{self.path.stem}.broken-{stamp}.json")
        try:
            os.replace(source, kept)
        except OSError:
            return None
        return kept

    def _stat(self) -> tuple[int, int, int] | None:
        # Every write is a new file moved into place: its inode tells two writes apart
        # even within one tick of the clock.
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns, st.st_ino)

    # -- what the case holds ---------------------------------------------------------

    @property
    def evidence(self) -> list[str]:
        """The evidence set this case belongs to (sorted absolute paths)."""
        return list(self._data.evidence)

    @property
    def notes(self) -> str:
        """The case's own notes (free text)."""
        self._sync()
        return self._data.notes

    def get(self, key: str) -> CaseEvent | None:
        """What the case holds about the event ``key``, or None."""
        self._sync()
        entry = self._data.entries.get(key)
        return None if entry is None else _event(entry)

    def entries(self) -> list[CaseEvent]:
        """Every event the case holds something about (marked, tagged or noted), by key."""
        self._sync()
        return [_event(self._data.entries[k]) for k in sorted(self._data.entries)]

    def is_marked(self, key: str) -> bool:
        """Whether the event ``key`` is marked."""
        self._sync()
        entry = self._data.entries.get(key)
        return entry is not None and entry.marked

    def marked_keys(self) -> frozenset[str]:
        """Keys of the marked events."""
        return frozenset(k for k, e in self._data.entries.items() if e.marked)

    def note(self, key: str) -> str:
        """The note on the event ``key`` (empty when none)."""
        self._sync()
        entry = self._data.entries.get(key)
        return "" if entry is None else entry.note

    def tags(self) -> dict[str, int]:
        """Every tag in use and how many events carry it, by tag."""
        counts: dict[str, int] = {}
        for entry in self._data.entries.values():
            for tag in entry.tags:
                counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items()))

    def marks(self) -> CaseMarks:
        """A snapshot of the marks and tags for filtering (``Session.view(case=...)``)."""
        self._sync()
        tags: dict[str, set[str]] = {}
        for key, entry in self._data.entries.items():
            for tag in entry.tags:
                tags.setdefault(tag, set()).add(key)
        return CaseMarks(self.marked_keys(), {t: frozenset(k) for t, k in tags.items()})

    # -- changes ---------------------------------------------------------------------

    def mark(self, key: str, *, found_by: Sequence[str] = ()) -> bool:
        """Mark the event ``key``; return whether that changed anything.

        Args:
            key: The event's key (:func:`ctir_tui.engine.case.marks.mark_key`).
            found_by: The labels of the filters that found it (``Filters.labels()``);
                kept from the first time it was marked.
        """
        entry = self._entry(key)
        if entry.marked:
            return False
        entry.marked = True
        entry.found_by = entry.found_by or [clean(f) for f in found_by]
        self._changed(entry)
        return True

    def unmark(self, key: str) -> bool:
        """Unmark the event ``key`` (its tags and note stay); return whether it was marked."""
        self._sync()
        entry = self._data.entries.get(key)
        if entry is None or not entry.marked:
            return False
        entry.marked = False
        self._changed(entry)
        return True

    def toggle(self, key: str, *, found_by: Sequence[str] = ()) -> bool:
        """Mark the event ``key`` if unmarked, else unmark it; return whether it is marked."""
        if self.is_marked(key):
            self.unmark(key)
            return False
        self.mark(key, found_by=found_by)
        return True

    def tag(self, key: str, tag: str) -> str:
        """Tag the event ``key`` (marking it); return the tag as kept (lower case).

        Raises:
            FilterError: ``tag`` is not one word (see :func:`check_tag`).
        """
        word = check_tag(tag)
        entry = self._entry(key)
        if word not in entry.tags or not entry.marked:
            if word not in entry.tags:
                entry.tags.append(word)
            entry.marked = True
            self._changed(entry)
        return word

    def untag(self, key: str, tag: str) -> bool:
        """Remove a tag from the event ``key``; return whether it carried it."""
        self._sync()
        entry = self._data.entries.get(key)
        word = tag.strip().lower()
        if entry is None or word not in entry.tags:
            return False
        entry.tags.remove(word)
        self._changed(entry)
        return True

    def set_note(self, key: str, text: str) -> None:
        """Set the note on the event ``key`` (marking it); empty text removes the note."""
        entry = self._entry(key)
        note = clean(text).strip("\n")
        if note == entry.note and (entry.marked or not note):
            return
        entry.note = note
        entry.marked = entry.marked or bool(note)
        self._changed(entry)

    def forget(self, key: str) -> bool:
        """Drop the mark, tags and note of the event ``key``; return whether it had any."""
        self._sync()
        entry = self._data.entries.get(key)
        if entry is None:
            return False
        entry.marked, entry.tags, entry.note = False, [], ""
        self._changed(entry)
        return True

    def set_notes(self, text: str) -> None:
        """Replace the case's notes."""
        self._sync()
        self._data.notes = clean(text)
        self._data.notes_updated = self._stamp()
        self._notes_touched = True
        self._saved()

    def append_notes(self, text: str) -> None:
        """Add a paragraph to the case's notes."""
        self._sync()
        current = self._data.notes.rstrip("\n")
        self.set_notes(f"{current}\n\n{clean(text)}" if current else clean(text))

    def save(self) -> Path:
        """Write the case file now; return its path.

        When the file changed on disk since this store read or wrote it, the other
        writer's changes are kept for every event (and the case notes) this store did not
        change.

        Raises:
            OSError: The cases folder cannot be written, or the case file was unreadable
                when opened (it is never overwritten then: see :attr:`problems`).
        """
        if self._blocked is not None:
            raise OSError(f"case file {self.path}: {self._blocked}")
        if self._stat() not in (None, self._seen):  # another writer since (or first)
            self._merge_disk()
        self._write()
        return self.path

    # -- internals -------------------------------------------------------------------

    def _sync(self) -> None:
        """Take up what another process saved since this store last read or wrote the file.

        Every change of this store is saved at once, so the file holds them too: what is
        on disk is the whole case. (A store that does not save at once keeps its own
        view; :meth:`save` merges then.)
        """
        if not self.autosave or self._blocked is not None:
            return
        now = self._stat()
        if now is None or now == self._seen:
            return
        theirs = self._on_disk()
        if theirs is None:
            return
        self._data = theirs
        self._seen = now
        self._touched.clear()
        self._notes_touched = False

    def _entry(self, key: str) -> Entry:
        key = clean(key)
        if not key:
            raise ValueError("an event key cannot be empty")
        self._sync()
        # A new entry joins the case in _changed, so a call that changes nothing adds nothing.
        return self._data.entries.get(key) or Entry(key)

    def _stamp(self) -> str:
        return self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _changed(self, entry: Entry) -> None:
        entry.updated = self._stamp()
        self._touched.add(entry.key)
        if entry.empty:
            self._data.entries.pop(entry.key, None)
        else:
            self._data.entries[entry.key] = entry
        self._saved()

    def _saved(self) -> None:
        if self.autosave:
            self.save()

    def _on_disk(self) -> CaseData | None:
        """The case file as another writer left it, if it reads whole."""
        try:
            theirs = read_case(self.path.read_bytes())
        except OSError:
            return None
        return None if theirs.problems else theirs.data

    def _merge_disk(self) -> None:
        theirs = self._on_disk()
        if theirs is None:
            return
        ours = self._data.entries
        for key in set(ours) | set(theirs.entries):
            if key in self._touched:
                continue
            if key in theirs.entries:
                ours[key] = theirs.entries[key]
            else:
                del ours[key]
        if not self._notes_touched:
            self._data.notes = theirs.notes
            self._data.notes_updated = theirs.notes_updated

    def _write(self) -> None:
        data = self._data
        data.updated = self._stamp()
        data.created = data.created or data.updated
        write_atomic(self.path, dump(data))
        self._seen = self._stat()


def _event(entry: Entry) -> CaseEvent:
    return CaseEvent(
        entry.key,
        entry.marked,
        tuple(entry.tags),
        entry.note,
        tuple(entry.found_by),
        entry.updated,
    )
