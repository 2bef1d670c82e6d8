"""``aws cloudtrail lookup-events`` output: pages of ``{"Events":[...]}`` or items per line.

Each item holds the record as an escaped JSON string in ``CloudTrailEvent``; times come from
the decoded record, not from the item's local-time ``EventTime``. Pages are often
concatenated into one file. Items one per line are JSON Lines (:mod:`.json_lines`). Fixture:
``tests/readers/fixtures/lookup-events.json``.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from ctir_tui.engine.readers.documents import DocumentReader

_PREFIX: Final = re.compile(rb'\A\s*\{\s*"Events"\s*:\s*\[')


class LookupEventsReader(DocumentReader):
    """``{"Events":[{"EventId", ..., "CloudTrailEvent": "<record>"}], "NextToken": ...}``."""

    shape: ClassVar[str] = "lookup-events"

    def sniff(self, head: bytes) -> int:
        """The ``Events`` wrapper, or a ``CloudTrailEvent`` member in a document."""
        if _PREFIX.match(head[:64]):
            return 90
        if head.startswith(b"{") and b'"Events"' in head and b'"CloudTrailEvent"' in head:
            return 85
        return 0
