"""Inflate compressed inputs, streamed and bounded, before they are sniffed.

Shapes are recognised by content, so a gzip file called ``.txt`` is inflated like any other.
Inflating is streamed into one growing buffer and stopped as soon as the output passes the
limits (:class:`Limits`): a 4 MB gzip of 4 GiB of spaces is refused after 64 MiB, not read
whole. A damaged stream keeps what inflated before the damage: a bad CRC, a truncated
upload, concatenated members of which the last is cut.
"""

from __future__ import annotations

import bz2
import codecs
import lzma
import zlib
from dataclasses import dataclass
from typing import Final, Protocol

try:  # isal inflates 2-3x faster than zlib; fall back where it is missing.
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal is a dependency, but stay usable without it
    _zlib = zlib  # type: ignore[misc]

#: What a damaged stream raises, whichever inflater read it.
_DAMAGE: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    lzma.LZMAError,
    *(e for e in (getattr(_zlib, "error", None),) if isinstance(e, type)),
)

GZIP_MAGIC: Final = b"\x1f\x8b"
ZIP_MAGIC: Final = b"PK\x03\x04"
BZ2_MAGIC: Final = b"BZh"
XZ_MAGIC: Final = b"\xfd7zXZ\x00"
_CHUNK: Final = 1 << 20
#: Most output taken from one call: a bomb's 1,000x ratio shows after 16 MiB, not 1 GiB.
_STEP: Final = 16 << 20
MIB: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """How far one input may inflate.

    Attributes:
        max_bytes: Refuse an input that inflates past this many bytes.
        max_ratio: Refuse an input that inflates past ``ratio_floor`` bytes and more than
            this many times its compressed size (a decompression bomb).
        ratio_floor: Below this much output the ratio is not checked (small, repetitive
            files compress very well and are harmless).
    """

    max_bytes: int = 2048 * MIB
    max_ratio: int = 100
    ratio_floor: int = 64 * MIB


class Refused(Exception):
    """An input ctir will not read whole (the message says why, with the limit)."""


class _Inflater(Protocol):
    @property
    def unused_data(self) -> bytes: ...

    @property
    def eof(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


def _check(size: int, compressed: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise Refused(f"refused: inflates past {limits.max_bytes // MIB:,} MiB")
    if size > limits.ratio_floor and size > compressed * limits.max_ratio:
        raise Refused(
            f"refused: inflates past {size // MIB:,} MiB from {max(compressed, 1):,} bytes "
            f"(more than {limits.max_ratio}x: a decompression bomb)"
        )


def _new(kind: bytes) -> _Inflater:
    if kind == GZIP_MAGIC:
        return _zlib.decompressobj(wbits=31)
    if kind == BZ2_MAGIC:
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def _magic(data: bytes) -> bytes | None:
    for magic in (GZIP_MAGIC, BZ2_MAGIC, XZ_MAGIC):
        if data.startswith(magic):
            return magic
    return None


def is_compressed(data: bytes) -> bool:
    """Whether ``data`` starts like gzip, bzip2 or xz."""
    return _magic(data) is not None


def decompress(data: bytes, limits: Limits | None = None) -> tuple[bytes, str | None]:
    """Inflate gzip, bzip2 or xz data (concatenated members included), bounded.

    Returns:
        The inflated bytes (``data`` unchanged if it is not compressed) and a note when the
        stream was damaged part-way (what inflated before the damage is kept).

    Raises:
        Refused: The output passed the limits.
    """
    kind = _magic(data)
    if kind is None:
        return data, None
    limits = limits or Limits()
    out = bytearray()
    pending = data
    damage: str | None = None
    while pending:
        inflater = _new(kind)
        view = memoryview(pending)
        start = len(out)
        pos = 0
        try:
            while pos < len(view) and not inflater.eof:
                chunk = view[pos : pos + _CHUNK]
                pos += len(chunk)
                _inflate_chunk(inflater, bytes(chunk), out, len(data), limits)
        except _DAMAGE as exc:
            damage = f"damaged {_name(kind)} stream ({exc})"
            if kind == GZIP_MAGIC:
                # The fast inflater gives nothing back from the call that failed: inflate the
                # member again in small steps, keeping all that came before the damage.
                del out[start:]
                out += _gzip_prefix(bytes(view), limits, len(data), len(out))
            break
        if not inflater.eof:
            if pos >= len(view):
                damage = f"truncated {_name(kind)} stream"
            break
        pending = inflater.unused_data
        if pending and _magic(pending) != kind:
            # Trailing garbage after the last member: keep what was read.
            if pending.strip(b"\x00"):
                damage = f"{len(pending):,} bytes of trailing data after the {_name(kind)} stream"
            break
    # The buffer itself, not a copy: for a 1 GB input, the copy would be the peak.
    return out, damage  # type: ignore[return-value]


def _inflate_chunk(
    inflater: _Inflater, chunk: bytes, out: bytearray, compressed: int, limits: Limits
) -> None:
    """Feed one chunk, taking the output in steps so that a bomb is caught early."""
    while True:
        out += inflater.decompress(chunk, _STEP)
        _check(len(out), compressed, limits)
        tail = getattr(inflater, "unconsumed_tail", b"")  # zlib keeps input it did not use
        if tail:
            chunk = tail
            continue
        if getattr(inflater, "needs_input", True) or inflater.eof:  # bz2 and lzma buffer it
            return
        chunk = b""


def _gzip_prefix(member: bytes, limits: Limits, compressed: int, before: int) -> bytes:
    """What one damaged gzip member inflates to before the damage (its CRC unchecked)."""
    inflater = zlib.decompressobj(wbits=31)
    kept = bytearray()
    body = member[:-8] if len(member) > 18 else member
    try:
        for pos in range(0, len(body), 1 << 16):
            kept += inflater.decompress(body[pos : pos + (1 << 16)], _STEP)
            _check(before + len(kept), compressed, limits)
            while inflater.unconsumed_tail:
                kept += inflater.decompress(inflater.unconsumed_tail, _STEP)
                _check(before + len(kept), compressed, limits)
    except zlib.error:
        pass
    return bytes(kept)


def _name(kind: bytes) -> str:
    return {GZIP_MAGIC: "gzip", BZ2_MAGIC: "bzip2"}.get(kind, "xz")


def as_utf8(data: bytes) -> tuple[bytes, str | None]:
    """Strip a UTF-8 byte-order mark, or re-encode UTF-16 text as UTF-8.

    Returns:
        The bytes to parse and a note of what was done (None when nothing was).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :], "UTF-8 byte-order mark removed"
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec, "replace")
            return text.encode("utf-8", "replace"), f"read as {codec.upper()}"
    head = data[:64]
    if len(head) >= 4 and head[1::2].count(0) == len(head[1::2]) and head[0] in b"{[ \r\n\t":
        return data.decode("utf-16-le", "replace").encode("utf-8", "replace"), "read as UTF-16-LE"
    if len(head) >= 4 and head[0::2].count(0) == len(head[0::2]) and head[1] in b"{[ \r\n\t":
        return data.decode("utf-16-be", "replace").encode("utf-8", "replace"), "read as UTF-16-BE"
    return data, None
