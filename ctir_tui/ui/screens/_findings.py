"""What the investigation screens have worked out so far, kept by the main screen.

Workers fill it; the screens read it when they open (a triage of a view already asked is
shown at once). It holds no widget: only results, each keyed by the view it answers.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TypeVar

import polars as pl

from ctir_tui.engine.analyses.answers import Answer
from ctir_tui.engine.analyses.chain_graph import Graph
from ctir_tui.engine.analyses.triage import Triage
from ctir_tui.engine.detections.model import SigmaResult
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.session import Session

T = TypeVar("T")
#: Views whose triage is kept.
KEPT: Final = 8


@dataclass
class Findings:
    """Results for one loaded session.

    Attributes:
        session: The evidence.
        rules: Where the Sigma rules were read from.
        sigma: The rules' hits over the whole evidence (None until evaluated).
        sigma_index: One row per (event key, hit) of ``sigma``.
        sigma_keys: The keys of every event ``sigma`` hit (``R``'s filter).
        sigma_error: Why the rules could not be evaluated.
        graph: The sessions and hops of the whole evidence (chains), once built.
    """

    session: Session
    rules: list[Path] = field(default_factory=list)
    sigma: SigmaResult | None = None
    sigma_index: pl.DataFrame | None = None
    sigma_keys: frozenset[str] = frozenset()
    sigma_error: str | None = None
    graph: Graph | None = None
    _triage: OrderedDict[Filters, Triage] = field(default_factory=OrderedDict)
    _sigma_answers: OrderedDict[Filters, Answer] = field(default_factory=OrderedDict)

    @property
    def sigma_done(self) -> bool:
        """Whether the rules have run (or failed)."""
        return self.sigma is not None or self.sigma_error is not None

    def triage(self, filters: Filters) -> Triage | None:
        """The triage of the view of ``filters``, if it was asked."""
        return self._triage.get(filters)

    def keep_triage(self, filters: Filters, found: Triage) -> None:
        """Remember a view's triage (the oldest beyond :data:`KEPT` is forgotten)."""
        _keep(self._triage, filters, found)

    def sigma_answer(self, filters: Filters) -> Answer | None:
        """The Sigma entry of the view of ``filters``, if it was worked out."""
        return self._sigma_answers.get(filters)

    def keep_sigma_answer(self, filters: Filters, found: Answer) -> None:
        """Remember a view's Sigma entry."""
        _keep(self._sigma_answers, filters, found)


def _keep(cache: OrderedDict[Filters, T], filters: Filters, value: T) -> None:
    cache[filters] = value
    cache.move_to_end(filters)
    while len(cache) > KEPT:
        cache.popitem(last=False)
