"""CloudWatch Logs: ``filter-log-events`` output, subscription envelopes, S3 export lines.

* ``{"events":[{"timestamp","message":"<record>"}]}`` from ``aws logs filter-log-events``;
* ``{"messageType":"DATA_MESSAGE","logEvents":[...]}`` from a subscription or Firehose
  (usually gzip);
* ``<ISO timestamp> <record>`` lines from an export to S3.

The record is the ``message`` string; the envelope's epoch-ms ``timestamp`` is used only
when the record has no time. Fixtures: ``tests/readers/fixtures/cloudwatch-*``.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from ctir_tui.engine.readers.base import Parsed, Reader
from ctir_tui.engine.readers.documents import DocumentReader
from ctir_tui.engine.readers.json_lines import read_lines

#: ``2026-01-02T03:04:05.678Z `` before a JSON value.
TS_PREFIX: Final = re.compile(r"\A(\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?)\s+(?=[{\[])")
_FILTER: Final = re.compile(rb'\A\s*\{\s*"events"\s*:\s*\[')


class CloudWatchSubscriptionReader(DocumentReader):
    """A subscription or Firehose envelope of log events."""

    shape: ClassVar[str] = "cloudwatch-subscription"

    def sniff(self, head: bytes) -> int:
        """The envelope's ``messageType`` and ``logEvents`` members."""
        return 95 if b'"logEvents"' in head and b'"messageType"' in head else 0


class CloudWatchFilterReader(DocumentReader):
    """``aws logs filter-log-events`` output."""

    shape: ClassVar[str] = "cloudwatch-filter-log-events"

    def sniff(self, head: bytes) -> int:
        """The ``events`` wrapper of log events."""
        if _FILTER.match(head[:64]):
            return 90
        return 80 if head.startswith(b"{") and b'"events"' in head and b'"message"' in head else 0


class CloudWatchExportLinesReader(Reader):
    """``<timestamp> <record>`` lines of a CloudWatch Logs export to S3."""

    shape: ClassVar[str] = "cloudwatch-export-lines"

    def sniff(self, head: bytes) -> int:
        """A timestamp, a space, then JSON, on the first line."""
        return 80 if TS_PREFIX.match(head[:80].decode("utf-8", "replace")) else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Parse every line behind its timestamp."""
        text = data.decode("utf-8", "replace")
        return read_lines(text, self.shape, TS_PREFIX, want_raw=want_raw)
