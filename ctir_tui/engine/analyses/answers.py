"""How each kind of triage question is answered: Polars over the view, one function a kind.

Every answer counts its events, names them (``event_ids``), carries the door that shows
them, and groups them into rows, each with its own door. Kinds and their parameters are
described in ``tables/questions.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses import chain as chains
from ctir_tui.engine.analyses.chain_graph import SAME_USER, SERVICES
from ctir_tui.engine.analyses.doors import (
    door,
    equals,
    event_keys,
    events_named,
    named_events,
    one_of,
    wider,
    window,
)
from ctir_tui.engine.analyses.first_seen import baseline_of
from ctir_tui.engine.analyses.questions import SEVERITIES, Question
from ctir_tui.engine.analyses.rows import ROW_LIMIT, Row, grouped
from ctir_tui.engine.analyses.scope import Scope
from ctir_tui.engine.analyses.timeline import spans
from ctir_tui.engine.query.field_clauses import AnyOfClause, field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.set_clauses import EventSetClause

#: Distinct values a row's ``show`` field lists before it says how many more.
SHOWN_VALUES: Final = 3


@dataclass(frozen=True, slots=True)
class Answer:
    """A question's answer over one view.

    Attributes:
        question: What was asked.
        severity: The question's severity, escalated by what was found; ``none`` when
            nothing was.
        count: Events found (for ``coverage``: gaps found).
        event_ids: The keys of the events found (the event ID, else the record's locator).
        door: The filter that shows them.
        rows: The events grouped (a burst, a chain, a new value, a caller and role...).
        note: What the answer cannot see (data events not recorded, no baseline...).
    """

    question: Question
    severity: str
    count: int
    event_ids: tuple[str, ...]
    door: Filters
    rows: tuple[Row, ...]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"id", "title", "severity", "count", "event_ids", "rows"}``."""
        return {
            "id": self.question.id,
            "title": self.question.title,
            "severity": self.severity,
            "count": self.count,
            "event_ids": list(self.event_ids),
            "rows": [r.to_json() for r in self.rows],
        }


def _joined(column: str) -> pl.Expr:
    """The distinct values of a column, sorted, the first few joined (``a, b (+3)``)."""
    values = pl.col(column).cast(pl.String).drop_nulls().unique().sort()
    head = values.head(SHOWN_VALUES).str.join(", ")
    more = values.len().cast(pl.Int64) - SHOWN_VALUES
    suffix = pl.lit(" (+") + more.cast(pl.String) + pl.lit(")")
    return pl.when(more > 0).then(head + suffix).otherwise(head)


def _role() -> pl.Expr:
    return pl.col(c.TARGET).cast(pl.String).str.extract(r"role:([^;]+)", 1)


def _target_user() -> pl.Expr:
    return pl.col(c.TARGET).cast(pl.String).str.extract(r"user:([^;]+)", 1)


#: What a row may show about its events.
SHOW: Final[dict[str, Callable[[], pl.Expr]]] = {
    "targets": lambda: _joined(c.TARGET),
    "roles": lambda: _role().drop_nulls().unique().sort().head(SHOWN_VALUES).str.join(", "),
    "accounts": lambda: _joined(c.TARGET_ACCOUNTS),
    "agents": lambda: _joined(c.USER_AGENT),
    "ips": lambda: _joined(c.SOURCE_IP),
    "errors": lambda: _joined(c.ERROR_CODE),
    "regions": lambda: _joined(c.REGION),
    "names": lambda: _joined(c.EVENT_NAME),
    # A user acting on another user (a key created for someone else).
    "for_others": lambda: (
        (_target_user().is_not_null() & (_target_user() != pl.col(c.USER_NAME).cast(pl.String)))
        .fill_null(False)
        .any()
    ),
}


def _shows(q: Question) -> dict[str, pl.Expr]:
    return {name: SHOW[name]() for name in q.show}


def _severity(q: Question, found: int, hits: pl.DataFrame | None = None) -> str:
    if not found:
        return "none"
    column, to = q.escalate if q.escalate is not None else (None, q.severity)
    flagged = column is not None and hits is not None and column in hits.columns
    if flagged and hits is not None and bool(hits.get_column(str(column)).fill_null(False).any()):
        return _higher(to, q.severity)
    return q.severity


def _higher(a: str, b: str) -> str:
    return a if SEVERITIES.index(a) >= SEVERITIES.index(b) else b


def events_answer(q: Question, scope: Scope) -> Answer:
    """Events whose name matches ``events`` and that pass ``where``, grouped by ``group_by``."""
    base = door(events_named(q.events) if q.events else None, *q.where)
    hits = scope.apply(base)
    rows = grouped(hits, q.group_by, base, extra=_shows(q))
    return Answer(
        q, _severity(q, hits.height, hits), hits.height, tuple(event_keys(hits)), base, tuple(rows)
    )


def _runs(frame: pl.DataFrame, q: Question) -> pl.DataFrame:
    """``frame``'s timed events with ``run``: consecutive events of a principal at most
    ``q.gap`` apart share one (numbered per principal)."""
    gap = q.gap
    assert gap is not None, "a run needs its gap"
    timed = frame.filter(pl.col(c.TIME).is_not_null())
    if not timed.get_column(c.TIME).is_sorted():
        timed = timed.sort(c.TIME)
    # In time order, a principal's previous event is one step back within its group.
    step = pl.col(c.TIME).diff().over(c.PRINCIPAL)
    starts = (step.is_null() | (step > gap)).cast(pl.UInt32)
    return timed.with_columns(starts.cum_sum().over(c.PRINCIPAL).alias("run"))


def _run_answer(
    q: Question,
    frame: pl.DataFrame,
    keep: pl.Expr,
    base: Filters,
    aggs: Mapping[str, pl.Expr],
    *,
    numbered: bool = False,
) -> Answer:
    """Rows of the runs of ``frame`` that pass ``keep``; the answer is their events.

    ``numbered``: the frame already holds its runs (see :func:`_runs`).
    """
    runs = frame if numbered else _runs(frame, q)
    run_keys = [c.PRINCIPAL, "run"]
    table = (
        runs.group_by(run_keys)
        .agg(
            pl.len().alias("count"),
            pl.col(c.TIME).min().alias("first"),
            pl.col(c.TIME).max().alias("last"),
            *(expr.alias(name) for name, expr in aggs.items()),
        )
        .filter(keep)
        .sort(["count", "first"], descending=[True, False])
    )
    hits = runs.join(table.select(run_keys), on=run_keys, how="semi")
    top = table.head(ROW_LIMIT)
    shows = _shows(q)
    if shows and top.height:
        # What rows show, for the rows kept only (joining text is costly).
        shown = (
            hits.join(top.select(run_keys), on=run_keys, how="semi")
            .group_by(run_keys)
            .agg(expr.alias(name) for name, expr in shows.items())
        )
        top = top.join(shown, on=run_keys, how="left", maintain_order="left")
    rows = []
    for record in top.iter_rows(named=True):
        who = record[c.PRINCIPAL]
        fields: dict[str, Any] = {c.PRINCIPAL: None if who is None else str(who)}
        fields.update({k: record[k] for k in (*aggs, *shows)})
        narrowed = wider(base, equals(c.PRINCIPAL, who), *window(record["first"], record["last"]))
        rows.append(Row(fields, int(record["count"]), record["first"], record["last"], narrowed))
    keys = tuple(event_keys(hits))
    whole = Filters((named_events(hits, q.id),))
    return Answer(q, _severity(q, len(keys), hits), len(keys), keys, whole, tuple(rows))


def bursts_answer(q: Question, scope: Scope) -> Answer:
    """Runs of the events passing ``where``, per principal, of at least ``min_events``."""
    base = door(events_named(q.events) if q.events else None, *q.where)
    hits = scope.apply(base)
    return _run_answer(q, hits, pl.col("count") >= q.min_events, base, {})


#: What recon reads of each discovery call.
_RECON_COLUMNS: Final = (
    c.TIME,
    c.EVENT_ID,
    c.SOURCE_FILE,
    c.REC_INDEX,
    c.EVENT_NAME,
    c.EVENT_SOURCE,
    c.PRINCIPAL,
    c.IDENTITY_TYPE,
    c.SOURCE_IP,
    c.USER_AGENT,
)


def recon_answer(q: Question, scope: Scope) -> Answer:
    """Runs of discovery calls that look like mapping the account (see the table)."""
    # What the console calls while a person browses it is not that person's enumeration.
    skipped = [field_clause(c.SOURCE_IP, source, negate=True) for source in q.skip_sources]
    base = door(events_named(q.events), *skipped)
    service = pl.col(c.IDENTITY_TYPE).is_in(SERVICES).fill_null(False)
    view = scope.apply(base, _RECON_COLUMNS).filter(~service)
    agents = view.get_column(c.USER_AGENT).unique().drop_nulls().cast(pl.String)
    tools = [a for a in agents.to_list() if any(t in a.lower() for t in q.agents)]
    name = pl.col(c.EVENT_NAME)
    whoami = name == "GetCallerIdentity"
    tool = pl.col(c.USER_AGENT).is_in(tools).fill_null(False)
    # A run can only qualify with a GetCallerIdentity or a tool's call in it: the runs of
    # the principals that made neither are never formed (most of a large trail).
    suspects = view.filter(whoami | tool).get_column(c.PRINCIPAL).unique()
    view = view.filter(pl.col(c.PRINCIPAL).is_in(suspects.implode()))
    runs = _runs(view, q)
    keys = [c.PRINCIPAL, "run"]
    candidates = (
        runs.group_by(keys)
        .agg(whoami.any().alias("__whoami"), tool.any().alias("tool_agent"))
        .filter(pl.col("__whoami") | pl.col("tool_agent"))
        .select(*keys, "tool_agent")
    )
    view = runs.join(candidates, on=keys, how="semi")
    first_whoami = pl.col(c.TIME).filter(whoami).min()
    minutes = (pl.col(c.TIME).max() - pl.col(c.TIME).min()).dt.total_seconds() / 60
    distinct = name.n_unique()
    aggs = {
        "distinct_calls": distinct,
        "services": pl.col(c.EVENT_SOURCE).n_unique(),
        "calls_per_minute": (distinct / pl.max_horizontal(minutes, pl.lit(1.0))).round(2),
        # Distinct calls after the first GetCallerIdentity (0: the run has none).
        "after_whoami": pl.when(first_whoami.is_not_null())
        .then(name.filter(pl.col(c.TIME) > first_whoami).n_unique())
        .otherwise(pl.lit(0, dtype=pl.UInt32)),
        "tool_agent": tool.any(),
    }
    fast = pl.col("calls_per_minute") >= q.min_rate
    keep = pl.col("tool_agent") | (fast & (pl.col("after_whoami") >= q.min_names_after_whoami))
    return _run_answer(q, view, keep, base, aggs, numbered=True)


def new_regions_answer(q: Question, scope: Scope) -> Answer:
    """Regions whose first event is after the baseline, and every event in them."""
    baseline = baseline_of(scope.view, scope.baseline_until)
    timed = scope.view.filter(pl.col(c.TIME).is_not_null() & pl.col(c.REGION).is_not_null())
    if baseline is None or not timed.height:
        return Answer(
            q, "none", 0, (), Filters((named_events(timed.clear(), q.id),)), (), "no time range"
        )
    table = (
        timed.group_by(c.REGION)
        .agg(pl.col(c.TIME).min().alias("region_first"))
        .filter(pl.col("region_first") > baseline)
    )
    regions = table.get_column(c.REGION).cast(pl.String).to_list()
    if not regions:
        return Answer(q, "none", 0, (), door(one_of(c.REGION, ["-"])), (), None)
    base = door(one_of(c.REGION, regions))
    hits = scope.apply(base)
    rows = grouped(
        hits,
        (c.REGION,),
        base,
        extra={"principals": _joined(c.PRINCIPAL), "names": _joined(c.EVENT_NAME)},
    )
    note = f"baseline: events before {baseline.isoformat().replace('+00:00', 'Z')}"
    return Answer(
        q, _severity(q, hits.height), hits.height, tuple(event_keys(hits)), base, tuple(rows), note
    )


def first_seen_answer(q: Question, scope: Scope) -> Answer:
    """The first event of each value new to a principal after the baseline."""
    found = scope.first_seen()
    rows = tuple(
        Row(
            {
                "principal": r.actor,
                "kind": r.kind,
                "value": r.value,
                "principals_using_it": r.users,
                "new_to_all": r.new_to_all,
                "new_principal": r.new_actor,
                "score": round(r.score, 4),
            },
            r.count,
            r.first,
            r.last,
            r.door,
        )
        for r in found.rows(ROW_LIMIT)
    )
    keys = tuple(found.first_keys())
    whole = Filters((EventSetClause(keys=frozenset(keys), name=q.id),))
    note = None
    if found.baseline is not None:
        note = "baseline: events before " + found.baseline.isoformat().replace("+00:00", "Z")
    return Answer(q, _severity(q, len(keys)), len(keys), keys, whole, rows, note)


def chains_answer(q: Question, scope: Scope) -> Answer:
    """Chains with a hop from one identity to another (service nodes never link, so none
    is rooted at one): a user who only signed in to the console beside using a key is no
    chain of sessions, though :func:`chains.chain` follows it."""
    built = scope.graph()
    labels = chains.components(built)
    nodes = built.nodes.join(labels, on="node")
    hops = built.edges.filter(pl.col("hop") != SAME_USER).select(pl.col("src").alias("node"))
    crossing = labels.join(hops, on="node", how="semi").select("chain").unique()
    kept = nodes.join(crossing, on="chain", how="semi")
    if not kept.height:
        return Answer(q, "none", 0, (), Filters((named_events(scope.view.clear(), q.id),)), ())
    hits = scope.view.join(
        kept.select(c.PRINCIPAL, c.ACCESS_KEY_ID, "chain"),
        left_on=[pl.col(c.PRINCIPAL).cast(pl.String), pl.col(c.ACCESS_KEY_ID).cast(pl.String)],
        right_on=[c.PRINCIPAL, c.ACCESS_KEY_ID],
        how="inner",
        nulls_equal=True,
    ).sort(c.TIME, nulls_last=True)
    roots = kept.sort("first", nulls_last=True).group_by("chain", maintain_order=True).first()
    table = (
        kept.group_by("chain")
        .agg(
            pl.len().alias("sessions"),
            pl.col("count").sum().alias("count"),
            pl.col("first").min(),
            pl.col("last").max(),
            pl.col("accounts").explode().drop_nulls().unique().sort().alias("accounts"),
            pl.col(c.PRINCIPAL).drop_nulls().unique().sort().alias("principals"),
            pl.col(c.ACCESS_KEY_ID).alias("keys"),
        )
        .join(roots.select("chain", pl.col(c.PRINCIPAL).alias("root")), on="chain")
        .sort(["sessions", "count", "first"], descending=[True, True, False])
    )
    rows = []
    severity = _severity(q, hits.height)
    for r in table.head(ROW_LIMIT).iter_rows(named=True):
        accounts = [a for a in r["accounts"] if a]
        if q.escalate_accounts and len(accounts) >= q.escalate_accounts:
            severity = _higher(severity, "high")
        keys = [k for k in r["keys"] if k]
        if len(keys) == len(r["keys"]):
            member: Any = AnyOfClause(
                pairs=tuple((c.ACCESS_KEY_ID, k) for k in sorted(keys)),
                name="chain",
                shown=f"{len(keys)} keys",
            )
        else:
            member = named_events(
                hits.filter(pl.col("chain") == r["chain"]), f"chain of {r['root']}"
            )
        fields = {
            "root": r["root"],
            "sessions": int(r["sessions"]),
            "principals": ", ".join(r["principals"][:SHOWN_VALUES])
            + (
                f" (+{len(r['principals']) - SHOWN_VALUES})"
                if len(r["principals"]) > SHOWN_VALUES
                else ""
            ),
            "accounts": ", ".join(accounts),
        }
        rows.append(Row(fields, int(r["count"]), r["first"], r["last"], Filters((member,))))
    keys_all = tuple(event_keys(hits))
    return Answer(
        q, severity, len(keys_all), keys_all, Filters((named_events(hits, q.id),)), tuple(rows)
    )


def coverage_answer(q: Question, scope: Scope) -> Answer:
    """Each account and region's span and gaps; whether data events were recorded."""
    found = scope.timeline()
    found_spans = spans(scope.view, found.gaps)
    rows = tuple(
        Row(
            {
                "account": s.account,
                "region": s.region,
                "data_events": s.data_events,
                "gaps": s.gaps,
            },
            s.count,
            s.first,
            s.last,
            s.door,
        )
        for s in found_spans
    )
    data = sum(s.data_events for s in found_spans)
    notes = []
    if not data:
        notes.append(
            "no data events: S3 object calls and Lambda invocations were not recorded, so a "
            "zero for them means not recorded"
        )
    if found.no_time:
        notes.append(f"{found.no_time:,} events have no time")
    severity = q.severity if found.gaps else ("info" if rows else "none")
    gaps = len(found.gaps)
    return Answer(q, severity, gaps, (), Filters(), rows, "; ".join(notes) or None)


#: Each kind of question and how it is answered.
ANSWERS: Final[dict[str, Callable[[Question, Scope], Answer]]] = {
    "events": events_answer,
    "chains": chains_answer,
    "first-seen": first_seen_answer,
    "bursts": bursts_answer,
    "recon": recon_answer,
    "new-regions": new_regions_answer,
    "coverage": coverage_answer,
}


def answer(q: Question, scope: Scope) -> Answer:
    """Answer one question over ``scope``."""
    return ANSWERS[q.kind](q, scope)
