"""S3 trail delivery files: ``{"Records":[...]}``, gzip or plain, compact or pretty.

This is what CloudTrail writes to ``AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/``, and
Insights deliveries (``CloudTrail-Insight``) share the wrapper. Fixture:
``tests/readers/fixtures/s3-delivery.json``.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from ctir_tui.engine.readers.documents import DocumentReader

_PREFIX: Final = re.compile(rb'\A\s*\{\s*"Records"\s*:\s*\[')


def looks_like_s3_delivery(head: bytes) -> bool:
    """Whether ``head`` starts like a delivery file (``{"Records":[``)."""
    return _PREFIX.match(head[:64]) is not None


class S3DeliveryReader(DocumentReader):
    """``{"Records":[...]}``: the trail's own delivery format."""

    shape: ClassVar[str] = "s3-delivery"

    def sniff(self, head: bytes) -> int:
        """Certain on the wrapper's first member; likely when ``Records`` comes later."""
        if looks_like_s3_delivery(head):
            return 100
        return 60 if head.startswith(b"{") and b'"Records"' in head else 0
