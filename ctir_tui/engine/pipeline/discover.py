"""Find input files: walk folders, open zip archives in place, never write anything.

Evidence is read-only: this module only stats, lists and reads.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ctir_tui.engine.pipeline.inflate import ZIP_MAGIC


class MissingPathError(FileNotFoundError):
    """A path given by the user does not exist."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input: a file on disk, or a member of a zip archive."""

    path: str
    member: str | None
    size: int
    mtime_ns: int

    @property
    def display(self) -> str:
        """The name shown to users: ``archive.zip!member`` for zip members."""
        return f"{self.path}!{self.member}" if self.member else self.path

    @property
    def key(self) -> tuple[str, str | None]:
        """Identity of the input, regardless of its size and time."""
        return (self.path, self.member)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A path found while walking that could not be opened or listed."""

    path: str
    reason: str


def read_source(source: SourceFile) -> bytes:
    """Read the bytes of an input (a zip member is read in place)."""
    if source.member is None:
        with open(source.path, "rb") as fh:
            return fh.read()
    with zipfile.ZipFile(source.path) as archive:
        return archive.read(source.member)


def _is_zip(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == ZIP_MAGIC
    except OSError:
        return False


def _zip_members(path: str, st: os.stat_result) -> Iterator[SourceFile | Unreadable]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        yield Unreadable(path, f"unreadable zip archive ({exc})")
        return
    for info in sorted(infos, key=lambda i: i.filename):
        # The archive's own stat identifies the member for the cache: members change only
        # when the archive does.
        yield SourceFile(path, info.filename, info.file_size, st.st_mtime_ns + st.st_size)


def _one_file(path: str) -> Iterator[SourceFile | Unreadable]:
    try:
        st = os.stat(path)
    except OSError as exc:
        yield Unreadable(path, f"cannot stat ({exc.strerror})")
        return
    if _is_zip(path):
        yield from _zip_members(path, st)
    else:
        yield SourceFile(path, None, st.st_size, st.st_mtime_ns)


def _walk(root: str) -> Iterator[SourceFile | Unreadable]:
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        errors.append(Unreadable(str(exc.filename), f"cannot list folder ({exc.strerror})"))

    errors: list[Unreadable] = []
    for folder, dirs, files in os.walk(root, followlinks=True, onerror=on_error):
        yield from errors
        errors.clear()
        try:
            st = os.stat(folder)
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            # A symlink loop (or a second link to a folder already walked): go no deeper.
            dirs[:] = []
            continue
        seen.add(ident)
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(folder, name)
            if os.path.isdir(full):
                continue
            yield from _one_file(full)
    yield from errors


def discover(paths: Iterable[Path | str]) -> tuple[list[SourceFile], list[Unreadable]]:
    """List every input below ``paths``.

    Args:
        paths: Files or folders given by the user.

    Returns:
        The inputs found, in a stable order without repeats, and the paths that could not
        be opened.

    Raises:
        MissingPathError: A given path does not exist.
    """
    roots = [os.path.abspath(os.fspath(p)) for p in paths]
    for root in roots:
        if not os.path.exists(root):
            raise MissingPathError(f"no such file or folder: {root}")
    found: list[SourceFile] = []
    problems: list[Unreadable] = []
    keys: set[tuple[str, str | None]] = set()
    for root in roots:
        walker = _walk(root) if os.path.isdir(root) else _one_file(root)
        for entry in walker:
            if isinstance(entry, Unreadable):
                problems.append(entry)
            elif entry.key not in keys:
                keys.add(entry.key)
                found.append(entry)
    return found, problems
