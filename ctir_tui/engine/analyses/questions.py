"""The triage questions as data: ``tables/questions.toml`` read into :class:`Question`.

One registry, in the order responders ask (DOMAIN.md §4): a new question is one entry of the
table, answered by one of the kinds of :mod:`.answers` (most are ``events``: names and
tests, grouped into rows). Ids are stable: the command line, the JSON and the tests use them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Any, Final

from ctir_tui.engine.analyses.doors import one_of
from ctir_tui.engine.packaged import read_table
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.field_clauses import AnyOfClause, field_clause
from ctir_tui.engine.times import parse_duration

SEVERITIES: Final = ("none", "info", "low", "medium", "high", "critical")
KINDS: Final = ("events", "chains", "first-seen", "bursts", "recon", "new-regions", "coverage")
#: What a row may show about its events (see :mod:`.answers`).
SHOWS: Final = (
    "targets",
    "roles",
    "accounts",
    "agents",
    "ips",
    "errors",
    "regions",
    "names",
    "for_others",
)


@dataclass(frozen=True)
class Question:
    """One triage question (see the comments of ``tables/questions.toml``)."""

    id: str
    title: str
    severity: str
    ask: str
    kind: str
    events: tuple[str, ...] = ()
    where: tuple[Clause, ...] = ()
    group_by: tuple[str, ...] = ()
    show: tuple[str, ...] = ()
    #: (a boolean column, the severity): when an event found has the column true.
    escalate: tuple[str, str] | None = None
    escalate_accounts: int | None = None
    gap: timedelta | None = None
    min_events: int = 1
    min_names_after_whoami: int = 0
    min_rate: float = 0.0
    agents: tuple[str, ...] = ()
    skip_sources: tuple[str, ...] = ()


def _test(entry: dict[str, Any]) -> Clause:
    if "either" in entry:
        pairs = tuple((str(col), str(value)) for col, value in entry["either"])
        return AnyOfClause(pairs=pairs)
    column = str(entry["column"])
    if entry.get("null"):
        return field_clause(column, None)
    if "any" in entry:
        return one_of(column, [str(v) for v in entry["any"]])
    return field_clause(column, str(entry["is"]))


def _question(entry: dict[str, Any]) -> Question:
    known = set(Question.__dataclass_fields__)
    unknown = set(entry) - known
    if unknown:
        raise ValueError(f"question {entry.get('id')!r}: unknown keys {sorted(unknown)}")
    escalate = entry.get("escalate", {"to": entry["severity"]})
    if entry["kind"] not in KINDS or not {entry["severity"], escalate["to"]} <= set(SEVERITIES):
        raise ValueError(f"question {entry['id']!r}: bad kind or severity")
    if not set(entry.get("show", ())) <= set(SHOWS):
        raise ValueError(f"question {entry['id']!r}: unknown show {entry['show']}")
    return Question(
        id=entry["id"],
        title=entry["title"],
        severity=entry["severity"],
        ask=entry["ask"],
        kind=entry["kind"],
        events=tuple(entry.get("events", ())),
        where=tuple(_test(w) for w in entry.get("where", ())),
        group_by=tuple(entry.get("group_by", ())),
        show=tuple(entry.get("show", ())),
        escalate=(
            (str(entry["escalate"]["when"]), str(entry["escalate"]["to"]))
            if "escalate" in entry
            else None
        ),
        escalate_accounts=entry.get("escalate_accounts"),
        gap=parse_duration(entry["gap"], "gap") if "gap" in entry else None,
        min_events=int(entry.get("min_events", 1)),
        min_names_after_whoami=int(entry.get("min_names_after_whoami", 0)),
        min_rate=float(entry.get("min_rate", 0.0)),
        agents=tuple(a.lower() for a in entry.get("agents", ())),
        skip_sources=tuple(entry.get("skip_sources", ())),
    )


@functools.cache
def questions() -> tuple[Question, ...]:
    """The packaged questions, in the order they are asked (read once per process).

    Raises:
        ValueError: The packaged table is broken (a bug: tests read it).
    """
    text = resources.files("ctir_tui.engine.analyses").joinpath("tables", "questions.toml")
    entries = read_table(text)["question"]
    found = tuple(_question(e) for e in entries)
    ids = [q.id for q in found]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids repeat")
    return found


def question(qid: str) -> Question:
    """The question with id ``qid``.

    Raises:
        KeyError: No question has that id.
    """
    for q in questions():
        if q.id == qid:
            return q
    raise KeyError(qid)
