"""A JSON array of bare records (tool exports, Grimoire): ``[ {...}, {...} ]``.

Fixture: ``tests/readers/fixtures/json-array.json``.
"""

from __future__ import annotations

from typing import ClassVar

from ctir_tui.engine.readers.documents import DocumentReader


class JsonArrayReader(DocumentReader):
    """``[record, record, ...]``."""

    shape: ClassVar[str] = "json-array"

    def sniff(self, head: bytes) -> int:
        """Any file that opens an array."""
        return 50 if head.startswith(b"[") else 0
