"""Triage: every question of the registry asked of one view, in order.

:func:`triage` is what ``ctir triage`` prints and what the explorer shows; each answer
carries its count, severity, events and the door to them (see :mod:`.answers`). Given the
result of a Sigma evaluation, the rule hits follow the fifteen as one more answer, ``sigma``
(:mod:`.rule_hits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from ctir_tui.engine.analyses.answers import Answer, answer
from ctir_tui.engine.analyses.questions import Question, questions
from ctir_tui.engine.analyses.rule_hits import SIGMA_ID, sigma_answer
from ctir_tui.engine.analyses.scope import Scope
from ctir_tui.engine.detections.model import SigmaResult
from ctir_tui.engine.pipeline.texts import TextStore


@dataclass(frozen=True, slots=True)
class Triage:
    """The answers, in the registry's order."""

    answers: tuple[Answer, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"questions": [{"id", "title", "severity", "count", "event_ids", "rows"}]}``."""
        return {"questions": [a.to_json() for a in self.answers]}

    def get(self, qid: str) -> Answer:
        """The answer to question ``qid`` (KeyError when it was not asked)."""
        for a in self.answers:
            if a.question.id == qid:
                return a
        raise KeyError(qid)


def triage(
    view: pl.DataFrame,
    *,
    texts: TextStore | None = None,
    baseline_until: datetime | None = None,
    only: Sequence[str] | None = None,
    sigma: SigmaResult | None = None,
) -> Triage:
    """Ask every question (or those of ``only``, by id) of ``view``.

    Args:
        view: The events asked about.
        texts: The load's text store (SwitchRole hops read it).
        baseline_until: The end of the first-seen baseline (None: the middle of the range).
        only: The ids of the questions to ask (``sigma`` among them asks for the rule hits).
        sigma: Rule hits (over ``view`` or more events): the ``sigma`` answer, last, unless
            ``only`` leaves it out.

    Raises:
        KeyError: An id of ``only`` is no question's.
    """
    asked: list[Question] = list(questions())
    if only is not None:
        known = {q.id: q for q in asked}
        asked = [known[qid] for qid in only if qid != SIGMA_ID or sigma is None]
    scope = Scope(view, texts, baseline_until)
    answers = [answer(q, scope) for q in asked]
    if sigma is not None and (only is None or SIGMA_ID in only):
        answers.append(sigma_answer(sigma, view))
    return Triage(tuple(answers))
