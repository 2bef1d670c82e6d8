"""Inflate compressed inputs before they are sniffed.

Shapes are recognised by content, so a gzip file called ``.txt`` is inflated like any other.
"""

from __future__ import annotations

import zlib
from typing import Final

try:  # isal inflates 2-3x faster than zlib; fall back where it is missing.
    from isal import igzip as _gzip
except ImportError:  # pragma: no cover - isal is a dependency, but stay usable without it
    import gzip as _gzip  # type: ignore[no-redef]

GZIP_MAGIC: Final = b"\x1f\x8b"
ZIP_MAGIC: Final = b"PK\x03\x04"


def decompress(data: bytes) -> tuple[bytes, str | None]:
    """Inflate gzip data, salvaging what precedes any corruption.

    Returns:
        The inflated bytes (or ``data`` unchanged if it is not gzip) and an error
        message if the stream was truncated or corrupt part-way.
    """
    if not data.startswith(GZIP_MAGIC):
        return data, None
    try:
        return _gzip.decompress(data), None  # type: ignore[no-untyped-call,unused-ignore]
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        # Recover the prefix that did inflate: a truncated upload still holds records.
        inflater = zlib.decompressobj(wbits=31)
        try:
            out = inflater.decompress(data)
        except zlib.error:
            out = b""
        return out, f"corrupt gzip stream ({exc})"
