"""Sigma rules for CloudTrail, evaluated offline over a loaded investigation.

``load_rules(paths)`` reads rule files with pySigma and compiles the CloudTrail ones
(:mod:`.loading`, :mod:`.translate`); ``evaluate(session, rules)`` runs them over the frame and
the text store (:mod:`.evaluation`) and returns typed hits, each with a door into the view
(:mod:`.model`). Nothing here imports a terminal library: the CLI and the UI render the result.

pySigma is imported when ``load_rules`` or ``evaluate`` is first asked for, not with the
package: the explorer names the shipped rules and their result types as it opens, and runs
the rules only once every event is read (its import is a tenth of a second of the start).
"""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ctir_tui.engine.detections.model import (
    Correlation,
    Detection,
    NotCompiled,
    RuleHit,
    RuleMeta,
    RuleSet,
    SigmaResult,
)

if TYPE_CHECKING:
    from ctir_tui.engine.detections.evaluation import TEXT_PASS, Events, evaluate
    from ctir_tui.engine.detections.loading import load_rules

#: The names served by a submodule that imports pySigma, and that submodule.
_LAZY: Final = {
    "TEXT_PASS": "evaluation",
    "Events": "evaluation",
    "evaluate": "evaluation",
    "load_rules": "loading",
}


def shipped_rules() -> Path:
    """The folder of rules ctir ships (written for ctir, MIT-licensed like it)."""
    return Path(str(resources.files(__name__).joinpath("rules")))


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


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
