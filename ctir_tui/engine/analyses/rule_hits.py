"""Sigma rule hits as a triage answer: one row per rule that hit events of the view.

The rules may have run over more events than the view (the explorer evaluates them once
over the whole evidence): each hit is narrowed to the view's events, and a rule none of whose
events is in the view gives no row. Rows carry the rule's title, level, author (the Detection
Rule License asks that it be shown wherever matches are) and its ATT&CK tactics and
techniques; each row's door is the hit's own clause, narrowed to the view's events.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.answers import Answer
from ctir_tui.engine.analyses.doors import door
from ctir_tui.engine.analyses.questions import SEVERITIES, Question
from ctir_tui.engine.analyses.rows import Row
from ctir_tui.engine.detections.model import RuleHit, SigmaResult
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.marks import mark_key_expr
from ctir_tui.engine.query.set_clauses import EventSetClause

#: The answer's id among the triage questions' (after the fifteen of the registry).
SIGMA_ID: Final = "sigma"
#: A rule's level as a triage severity.
LEVELS: Final = {
    "informational": "info",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}
QUESTION: Final = Question(
    id=SIGMA_ID,
    title="Sigma rule hits",
    severity="info",
    ask="Which detection rules match events of the view?",
    kind="sigma",
)
_KEY = "__key"
_HIT = "__hit"


def severity_of(level: str) -> str:
    """A Sigma level as a triage severity (an unknown or missing level is ``info``)."""
    return LEVELS.get(level.strip().lower(), "info")


def tags_shown(hit: RuleHit) -> str:
    """The hit's ATT&CK tactics (v19 names) and techniques, ``·``-separated."""
    return " · ".join((*hit.rule.tactics, *hit.rule.techniques))


def sigma_answer(result: SigmaResult, view: pl.DataFrame) -> Answer:
    """The hits of ``result`` within ``view``, as one answer with a row per rule.

    Args:
        result: What an evaluation found (over ``view`` or over more events).
        view: The events triaged.

    Returns:
        Rows most severe first, then by events; the answer counts the distinct events hit and
        its door opens on all of them.
    """
    pairs = [(key, index) for index, hit in enumerate(result.hits) for key in hit.event_ids]
    if not pairs or not view.height:
        return Answer(QUESTION, "none", 0, (), Filters(), ())
    hit_keys = pl.DataFrame(
        {_KEY: [k for k, _ in pairs], _HIT: [i for _, i in pairs]},
        schema={_KEY: pl.String, _HIT: pl.UInt32},
    )
    joined = (
        view.lazy()
        .select(mark_key_expr().alias(_KEY), c.TIME)
        .with_row_index("__row")
        .join(hit_keys.lazy(), on=_KEY, how="inner")
        .collect()
    )
    found = (
        joined.lazy()
        .group_by(_HIT)
        .agg(
            pl.col(_KEY).alias("keys"),
            pl.col(c.TIME).min().alias("first"),
            pl.col(c.TIME).max().alias("last"),
        )
        .collect()
    )
    rows: list[tuple[int, int, Row]] = []
    for index, keys, first, last in found.iter_rows():
        hit = result.hits[index]
        inside = frozenset(str(k) for k in keys)
        clause = (
            hit.door
            if inside == frozenset(hit.event_ids)
            else EventSetClause(keys=inside, name=hit.door.name)
        )
        fields = {
            "title": hit.rule.title,
            "level": hit.rule.level,
            "author": hit.rule.author,
            "tags": tags_shown(hit),
            "rule_id": hit.rule.rule_id,
        }
        severity = SEVERITIES.index(severity_of(hit.rule.level))
        rows.append((severity, index, Row(fields, len(inside), first, last, door(clause))))
    if not rows:
        return Answer(QUESTION, "none", 0, (), Filters(), ())
    rows.sort(key=lambda r: (-r[0], -r[2].count, r[1]))
    worst = SEVERITIES[rows[0][0]]
    ordered = tuple(
        str(k) for k in joined.sort("__row").get_column(_KEY).unique(maintain_order=True)
    )
    everything = door(EventSetClause(keys=frozenset(ordered), name="sigma hits"))
    return Answer(QUESTION, worst, len(ordered), ordered, everything, tuple(r for _, _, r in rows))
