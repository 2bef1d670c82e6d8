"""Tables packaged with ctir, written in TOML (for people to read), parsed once per content.

Python's TOML parser is itself Python: the extended tactic table alone (99 KB) took 33 ms
to parse, at every start of every command. The parsed value is kept as JSON in the cache
directory, named by the SHA-256 of the table's bytes (an edited or upgraded table has
another name and is parsed again), its own SHA-256 on its first line. A copy that is
missing, unreadable or damaged (its digest does not match) is parsed again and rewritten;
one that cannot be written only costs the parse.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tomllib
import uuid
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import orjson

from ctir_tui import paths


def read_table(source: Traversable) -> dict[str, Any]:
    """The parsed TOML of a packaged table (a fresh value: the caller may change it).

    Raises:
        tomllib.TOMLDecodeError: The table itself is broken (a bug: tests read every one).
    """
    raw = source.read_bytes()
    kept = _kept(raw)
    value = _read_kept(kept)
    if value is not None:
        return value
    parsed = tomllib.loads(raw.decode("utf-8"))
    try:
        written = orjson.dumps(parsed)
    except TypeError:  # an integer JSON cannot hold: such a table is not kept
        return parsed
    if orjson.loads(written) != parsed:  # nor one with a TOML date
        return parsed
    tmp = kept.with_name(f"{kept.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(hashlib.sha256(written).hexdigest().encode() + b"\n" + written)
        os.replace(tmp, kept)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return parsed


def _read_kept(kept: Path) -> dict[str, Any] | None:
    """The value kept, if its copy is whole: its first line is the SHA-256 of the rest."""
    try:
        digest, _, written = kept.read_bytes().partition(b"\n")
        if digest != hashlib.sha256(written).hexdigest().encode():
            return None
        value = orjson.loads(written)
    except (OSError, orjson.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _kept(raw: bytes) -> Path:
    """Where the parsed value of a table with these bytes is kept."""
    return paths.cache_dir() / "tables" / f"{hashlib.sha256(raw).hexdigest()[:32]}.json"
