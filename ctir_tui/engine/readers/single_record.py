"""A file holding one bare record (or one lookup item): ``{"eventName": ...}``.

Fixture: ``tests/readers/fixtures/single-record.json``.
"""

from __future__ import annotations

from typing import ClassVar

from ctir_tui.engine.readers.documents import DocumentReader


class SingleRecordReader(DocumentReader):
    """One JSON object; the least specific JSON shape, tried last."""

    shape: ClassVar[str] = "single-record"

    def sniff(self, head: bytes) -> int:
        """Any file that opens an object."""
        return 10 if head.startswith(b"{") else 0
