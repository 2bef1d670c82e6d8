"""ctir: a terminal incident explorer for AWS CloudTrail."""

from __future__ import annotations

__version__ = "0.1.0"
