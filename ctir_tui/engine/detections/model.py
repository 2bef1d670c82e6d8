"""What detections hand to the rest of ctir: rules, what could not be compiled, and hits.

Everything here is plain data. A hit carries its rule's title, level, author and tags (as
written, plus the ATT&CK v19 tactics they name), the keys of its events in time order, and a
door: a clause (:class:`~ctir_tui.engine.query.event_sets.EventSetClause`) that filters a view
to exactly those events. Rule text is hostile input: render every string inertly.

The Detection Rule License (DRL 1.1) asks that a rule's author be shown wherever its matches
are shown: :attr:`RuleMeta.author` travels with every hit for that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ctir_tui.engine.detections.fields import TextField
from ctir_tui.engine.detections.plan import Node, text_fields
from ctir_tui.engine.query.event_sets import EventSetClause

CorrelationKind = Literal["event_count", "value_count", "temporal"]
CompareWord = Literal["lt", "lte", "gt", "gte", "eq", "neq"]


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Who a rule is and what it claims."""

    #: The rule's ``id`` (a UUID), else its ``name``, else where it was read.
    rule_id: str
    title: str
    #: ``informational``, ``low``, ``medium``, ``high``, ``critical``, or "".
    level: str
    author: str
    #: Tags as written (``attack.t1078.004``, ``attack.defense-evasion``).
    tags: tuple[str, ...]
    #: ATT&CK tactics the tags name, with v19 names (``Stealth``, ``Defense Impairment``).
    tactics: tuple[str, ...]
    #: ATT&CK technique ids the tags name, as written (``T1078.004``).
    techniques: tuple[str, ...]
    #: The file the rule was read from.
    source: str
    license: str = ""
    #: The rule's ``name`` (what correlations refer to), if any.
    name: str = ""


@dataclass(frozen=True, slots=True)
class NotCompiled:
    """A rule (or a file) that will not run, and why."""

    rule: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """``{"rule", "reason"}``."""
        return {"rule": self.rule, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Detection:
    """A compiled detection rule."""

    meta: RuleMeta
    node: Node
    #: Whether its hits are reported (a rule a correlation uses, without ``generate``, is not).
    output: bool = True

    @property
    def texts(self) -> frozenset[TextField]:
        """The text-store fields it reads."""
        return frozenset(text_fields(self.node))


@dataclass(frozen=True, slots=True)
class Correlation:
    """A compiled correlation rule over the hits of detection rules (by their ids)."""

    meta: RuleMeta
    kind: CorrelationKind
    rules: tuple[str, ...]
    seconds: int
    #: group-by fields, each as (alias or field name, {rule id: field name}).
    group_by: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    op: CompareWord
    count: int | float
    #: value_count: the field whose distinct values are counted, as {rule id: field name}.
    value: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class RuleSet:
    """Rules ready to evaluate, and those that are not."""

    detections: list[Detection] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    not_compiled: list[NotCompiled] = field(default_factory=list)

    @property
    def compiled(self) -> int:
        """How many rules will run."""
        return len(self.detections) + len(self.correlations)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """The events one rule matched."""

    rule: RuleMeta
    #: Event keys (the eventID, else ``@<source file>#<index>``), in time order.
    event_ids: tuple[str, ...]
    #: A clause that filters a view to exactly these events, labelled with the rule's title.
    door: EventSetClause

    def to_json(self) -> dict[str, Any]:
        """The hit as ``ctir sigma --json`` prints it."""
        return {
            "rule_id": self.rule.rule_id,
            "title": self.rule.title,
            "level": self.rule.level,
            "author": self.rule.author,
            "tags": list(self.rule.tags),
            "event_ids": list(self.event_ids),
        }


@dataclass(slots=True)
class SigmaResult:
    """What an evaluation found."""

    compiled: int
    not_compiled: list[NotCompiled]
    hits: list[RuleHit]
    #: Milliseconds per rule id, and ``"text store"`` for the shared pass over request data.
    timings: dict[str, float] = field(default_factory=dict)
    #: Events evaluated.
    events: int = 0

    def to_json(self) -> dict[str, Any]:
        """``{"compiled", "not_compiled", "hits"}`` as ``ctir sigma --json`` prints it."""
        return {
            "compiled": self.compiled,
            "not_compiled": [n.to_json() for n in self.not_compiled],
            "hits": [h.to_json() for h in self.hits],
        }
