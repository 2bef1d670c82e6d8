"""CloudTrail digest files: hashes of the log files delivered in an hour, no events.

They are skipped and counted (``CloudTrail-Digest/`` deliveries). Fixture:
``tests/readers/fixtures/digest.json``.
"""

from __future__ import annotations

from typing import ClassVar

from ctir_tui.engine.readers.documents import DocumentReader


class DigestReader(DocumentReader):
    """``{"digestStartTime": ..., "logFiles": [...]}``."""

    shape: ClassVar[str] = "digest"

    def sniff(self, head: bytes) -> int:
        """Digest members near the start, and no ``Records``."""
        if not head.startswith(b"{") or b'"Records"' in head:
            return 0
        return 110 if b'"digestStartTime"' in head or b'"logFiles"' in head else 0
