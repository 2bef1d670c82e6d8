"""Find the input files below the given paths, reading nothing and writing nothing.

Evidence folders are hostile: only regular files are read (a FIFO would block the load, a
link to ``/dev/zero`` would never end), a symbolic link that leads outside the given paths is
reported and not followed unless asked (a link to ``/etc`` must not read ``/etc/shadow``),
link loops are cut, and file names that are not valid UTF-8 are kept exactly (to open them)
and shown with their odd bytes escaped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ctir_tui.text import inert


class MissingPathError(FileNotFoundError):
    """A path given by the user does not exist."""


def shown_path(path: str) -> str:
    """A path as users see it: undecodable bytes as ``\\xNN``, controls escaped."""
    raw = os.fsencode(path)
    return inert(raw.decode("utf-8", "backslashreplace"), limit=None)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input: a file on disk, or a member of an archive (``member`` the chain of names).

    ``size``, ``mtime_ns``, ``ctime_ns`` and ``inode`` identify the content for the cache: a
    file swapped for another of the same size and time still has a new ctime and inode.
    """

    path: str
    member: tuple[str, ...] = ()
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0
    inode: int = 0

    @property
    def display(self) -> str:
        """The name shown to users: ``archive.zip!dir/member.json`` for archive members."""
        return "!".join([shown_path(self.path), *(inert(m, limit=None) for m in self.member)])

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        """Identity of the input, regardless of its content."""
        return (self.path, self.member)

    @property
    def identity(self) -> tuple[int, int, int, int]:
        """What the cache compares to decide the content is unchanged."""
        return (self.size, self.mtime_ns, self.ctime_ns, self.inode)

    def within(self, name: str) -> SourceFile:
        """The member ``name`` of this archive (same identity: it changes with the archive)."""
        return SourceFile(
            self.path, (*self.member, name), self.size, self.mtime_ns, self.ctime_ns, self.inode
        )

    def current_identity(self) -> tuple[int, int, int, int] | None:
        """The file's identity now, or None when it can no longer be found."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def source_of(path: str, st: os.stat_result) -> SourceFile:
    """The input for a regular file and its ``stat``."""
    return SourceFile(path, (), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@dataclass(frozen=True, slots=True)
class Passed:
    """A path found while walking that is not read: why (``failed`` when it should have been)."""

    path: str
    reason: str
    failed: bool = False


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class _Walker:
    """A depth-first walk in name order, with a stack (no recursion: folders nest deep)."""

    def __init__(self, roots: list[str], follow_links: bool) -> None:
        self.roots = [os.path.realpath(r) for r in roots]
        self.follow_links = follow_links
        self.seen_dirs: set[tuple[int, int]] = set()
        self.seen_files: set[tuple[int, int]] = set()
        self.found: list[SourceFile] = []
        self.passed: list[Passed] = []
        self._keys: set[tuple[str, tuple[str, ...]]] = set()

    def inside(self, real: str) -> bool:
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def walk(self, root: str) -> None:
        """List what is below one given path (itself, if it is a file)."""
        stack: list[Iterator[os.DirEntry[str]]] = []
        folder = self.entry(root, given=True)
        if folder is not None:
            stack.append(folder)
        while stack:
            dirent = next(stack[-1], None)
            if dirent is None:
                stack.pop()
            elif (inner := self.entry(dirent.path, dirent=dirent)) is not None:
                stack.append(inner)

    def entry(
        self, path: str, *, given: bool = False, dirent: os.DirEntry[str] | None = None
    ) -> Iterator[os.DirEntry[str]] | None:
        """Take one path: a file is listed, a folder returns its entries (by name).

        ``dirent`` is the path's entry in the folder being walked: it tells a link from
        the rest without a call to the system, and stats a file that is not a link in one.
        """
        try:
            link = dirent.is_symlink() if dirent is not None else os.path.islink(path)
            if link and not given:
                real = os.path.realpath(path)
                if not self.follow_links and not self.inside(real):
                    self.passed.append(
                        Passed(
                            path,
                            f"symbolic link to {shown_path(real)}, outside the evidence: not "
                            "followed (--follow-links reads it)",
                        )
                    )
                    return None
            st = dirent.stat() if dirent is not None and not link else os.stat(path)
        except OSError as exc:
            self.passed.append(Passed(path, f"cannot stat ({exc.strerror or exc})", failed=True))
            return None
        if stat.S_ISDIR(st.st_mode):
            return self.folder(path, st)
        if stat.S_ISREG(st.st_mode):
            ident = (st.st_dev, st.st_ino)
            if ident in self.seen_files:
                return None  # a second name (link) for a file already listed
            self.seen_files.add(ident)
            source = source_of(path, st)
            if source.key not in self._keys:
                self._keys.add(source.key)
                self.found.append(source)
            return None
        self.passed.append(Passed(path, f"{_kind(st.st_mode)}: only regular files are read"))
        return None

    def folder(self, path: str, st: os.stat_result) -> Iterator[os.DirEntry[str]] | None:
        ident = (st.st_dev, st.st_ino)
        if ident in self.seen_dirs:
            return None  # a link loop, or a second link to a folder already walked
        self.seen_dirs.add(ident)
        try:
            with os.scandir(path) as it:
                return iter(sorted(it, key=lambda e: e.name))
        except OSError as exc:
            self.passed.append(
                Passed(path, f"cannot list folder ({exc.strerror or exc})", failed=True)
            )
            return None


def discover(
    paths: Iterable[Path | str], *, follow_links: bool = False
) -> tuple[list[SourceFile], list[Passed]]:
    """List every input file below ``paths``.

    Args:
        paths: Files or folders given by the user (a given path that is a link is followed).
        follow_links: Also follow links that lead outside the given paths.

    Returns:
        The files found, in a stable order without repeats, and the paths passed over (not
        regular files, links not followed, unreadable folders) with why.

    Raises:
        MissingPathError: A given path does not exist.
    """
    roots = [os.path.abspath(os.fspath(p)) for p in paths]
    for root in roots:
        if not os.path.exists(root):
            raise MissingPathError(f"no such file or folder: {shown_path(root)}")
    walker = _Walker(roots, follow_links)
    for root in roots:
        walker.walk(root)
    return walker.found, walker.passed
