"""Sigma rules for CloudTrail, evaluated offline over a loaded investigation.

``load_rules(paths)`` reads rule files with pySigma and compiles the CloudTrail ones
(:mod:`.loading`, :mod:`.translate`); ``evaluate(session, rules)`` runs them over the frame and
the text store (:mod:`.evaluation`) and returns typed hits, each with a door into the view
(:mod:`.model`). Nothing here imports a terminal library: the CLI and the UI render the result.
"""

from __future__ import annotations

from ctir_tui.engine.detections.evaluation import TEXT_PASS, Events, evaluate
from ctir_tui.engine.detections.loading import load_rules, shipped_rules
from ctir_tui.engine.detections.model import (
    Correlation,
    Detection,
    NotCompiled,
    RuleHit,
    RuleMeta,
    RuleSet,
    SigmaResult,
)

__all__ = [
    "TEXT_PASS",
    "Correlation",
    "Detection",
    "Events",
    "NotCompiled",
    "RuleHit",
    "RuleMeta",
    "RuleSet",
    "SigmaResult",
    "evaluate",
    "load_rules",
    "shipped_rules",
]
