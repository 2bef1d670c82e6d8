"""Archives read in place: zip and tar (gzip, bzip2 or xz compressed), nested too.

Members are read one at a time, bounded like any input (a zip bomb is refused by the same
limits as a gzip bomb); only regular members are read (a link or a device in a tar is
reported). Two members with the same name are both read: the second is ``name#2``.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from ctir_tui.engine.pipeline.inflate import ZIP_MAGIC, Limits, Refused, _check

#: Archives inside archives are opened this deep, no deeper.
MAX_NESTING: Final = 4
_TAR_MAGIC: Final = b"ustar"
_CHUNK: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Member:
    """One member of an archive: its content, or why it could not be read."""

    name: str
    data: bytes | None
    problem: str | None = None


def is_archive(data: bytes) -> bool:
    """Whether ``data`` (already inflated) is a zip or tar archive."""
    return data.startswith(ZIP_MAGIC) or data[257:262] == _TAR_MAGIC


def _names(raw: list[str]) -> list[str]:
    """Member names made unique in order: a repeated name becomes ``name#2``, ``name#3``."""
    seen: dict[str, int] = {}
    out = []
    for name in raw:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _bounded(stream: io.BufferedIOBase, compressed: int, limits: Limits) -> bytes:
    out = bytearray()
    while chunk := stream.read(_CHUNK):
        out += chunk
        _check(len(out), compressed, limits)
    return bytes(out)


def _zip_members(data: bytes, limits: Limits) -> Iterator[Member]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        yield Member("", None, f"unreadable zip archive ({exc})")
        return
    with archive:
        for name, info in zip(_names([i.filename for i in infos]), infos, strict=True):
            try:
                with archive.open(info) as stream:
                    yield Member(name, _bounded(stream, info.compress_size, limits))  # type: ignore[arg-type]
            except Refused as exc:
                yield Member(name, None, str(exc))
            except Exception as exc:  # zipfile raises many kinds for damaged members
                yield Member(name, None, f"cannot read member ({type(exc).__name__}: {exc})")


def _tar_members(data: bytes, limits: Limits) -> Iterator[Member]:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - closed below
        infos = archive.getmembers()
    except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
        yield Member("", None, f"unreadable tar archive ({exc})")
        return
    with archive:
        for name, info in zip(_names([i.name for i in infos]), infos, strict=True):
            if info.isdir():
                continue
            if not info.isfile():
                yield Member(name, None, "not a regular file in the archive (link or device)")
                continue
            try:
                stream = archive.extractfile(info)
                if stream is None:
                    yield Member(name, None, "not a regular file in the archive")
                    continue
                yield Member(name, _bounded(stream, info.size, limits))  # type: ignore[arg-type]
            except Refused as exc:
                yield Member(name, None, str(exc))
            except (tarfile.TarError, OSError, ValueError, EOFError) as exc:
                yield Member(name, None, f"cannot read member ({exc})")


def members(data: bytes, limits: Limits | None = None) -> Iterator[Member]:
    """Every member of the archive in ``data``, in archive order."""
    limits = limits or Limits()
    if data.startswith(ZIP_MAGIC):
        yield from _zip_members(data, limits)
    else:
        yield from _tar_members(data, limits)


def member(data: bytes, name: str, limits: Limits | None = None) -> bytes:
    """The content of one member (as :func:`members` names it).

    Raises:
        LookupError: The archive has no such member, or it cannot be read.
    """
    for found in members(data, limits):
        if found.name == name:
            if found.data is None:
                raise LookupError(f"{name}: {found.problem}")
            return found.data
    raise LookupError(f"the archive no longer holds {name}")
