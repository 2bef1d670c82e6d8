"""Run a rule set over a loaded investigation: ``evaluate(session, rules) -> SigmaResult``.

In three steps, so that request data is read once and only where needed:

1. Rules that read only frame columns run as one Polars expression each (categorical columns
   are tested over their distinct values). For the others, the part of the rule that reads
   only frame columns and that every hit must pass (its *frame part*: under an AND, the
   AND of its children's frame parts; under an OR, the OR of all of them, if each has one)
   gives the candidate rows.
2. One streaming pass over the text store (:mod:`.texts`) computes every text test for the
   candidate rows of the rules that need it.
3. Each such rule runs over its candidates with those tests, then correlations run over the
   hits of the rules they refer to (:mod:`.correlations`).

A rule that fails at this stage (a column a foreign frame lacks, an engine error) is reported
in :attr:`SigmaResult.not_compiled` with why, and the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.detections import texts as store_pass
from ctir_tui.engine.detections.correlations import evaluate_correlation
from ctir_tui.engine.detections.fields import (
    FieldSource,
    FrameField,
    TextField,
    Unsupported,
    resolve,
)
from ctir_tui.engine.detections.matchers import cidr_members, frame_test
from ctir_tui.engine.detections.model import (
    Detection,
    NotCompiled,
    RuleHit,
    RuleMeta,
    RuleSet,
    SigmaResult,
)
from ctir_tui.engine.detections.plan import (
    AllOf,
    AnyOf,
    Cidr,
    FieldRef,
    Node,
    Not,
    Test,
    text_fields,
    walk,
)
from ctir_tui.engine.pipeline.texts import TextStore
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.event_sets import EventSetClause
from ctir_tui.engine.query.marks import mark_key_expr
from ctir_tui.engine.query.values import FilterError

#: The timing entry of the shared pass over the text store.
TEXT_PASS = "text store"
_EVAL_ERRORS = (Unsupported, FilterError, pl.exceptions.PolarsError)


class Events(Protocol):
    """What evaluation reads: a :class:`~ctir_tui.engine.session.Session` is one."""

    frame: pl.DataFrame
    texts: TextStore


def frame_part(node: Node) -> Node | None:
    """A test on frame columns that every match of ``node`` passes (None: no such test)."""
    if isinstance(node, Test):
        reads_text = isinstance(node.field, TextField) or (
            isinstance(node.matcher, FieldRef) and isinstance(node.matcher.other, TextField)
        )
        return None if reads_text else node
    if isinstance(node, Not):
        return node if not text_fields(node.item) else None
    parts = [frame_part(item) for item in node.items]
    if isinstance(node, AllOf):
        kept = tuple(p for p in parts if p is not None)
        return None if not kept else kept[0] if len(kept) == 1 else AllOf(kept)
    if any(p is None for p in parts):
        return None
    return AnyOf(tuple(p for p in parts if p is not None))


def _needs_values(test: Test) -> bool:
    return isinstance(test.matcher, Cidr | FieldRef)


class _Compiler:
    """A plan -> an expression over a frame (and the text tests joined to it)."""

    def __init__(self, ctx: Context, request: store_pass.TextRequest | None = None) -> None:
        self.ctx = ctx
        self.request = request
        self.fields = request.fields() if request is not None else []

    def expr(self, node: Node) -> pl.Expr:
        if isinstance(node, Test):
            return self.test(node).fill_null(False)
        if isinstance(node, Not):
            return ~self.expr(node.item)
        items = [self.expr(item) for item in node.items]
        return pl.all_horizontal(items) if isinstance(node, AllOf) else pl.any_horizontal(items)

    def values(self, field: TextField) -> pl.Expr:
        name = store_pass.value_column(self.fields.index(field))
        none = pl.lit([], pl.List(pl.String))
        # No candidate row found in the text store: the pass wrote no column at all.
        return pl.col(name).fill_null(none) if name in self.ctx.frame.columns else none

    def side(self, field: FieldSource) -> pl.Expr:
        if isinstance(field, TextField):
            return self.values(field)
        return pl.concat_list(pl.col(field.column).cast(pl.String))

    def test(self, test: Test) -> pl.Expr:
        matcher = test.matcher
        if isinstance(matcher, FieldRef) and TextField in (type(test.field), type(matcher.other)):
            return self.field_ref(test.field, matcher)
        if isinstance(test.field, FrameField):
            return frame_test(self.ctx, test.field, matcher)
        if self.request is None:  # pragma: no cover - text rules always come with a request
            raise Unsupported("text tests without the text store")
        if isinstance(matcher, Cidr):
            column = self.values(test.field)
            seen = self.ctx.frame.select(column.explode().drop_nulls().unique()).to_series()
            members = pl.lit(pl.Series(cidr_members(seen.to_list(), matcher), dtype=pl.String))
            return column.list.eval(pl.element().is_in(members.implode())).list.any()
        name = self.request.leaf_column((test.field, matcher))
        default = store_pass.leaf_default(matcher)
        if name not in self.ctx.frame.columns:
            return pl.lit(default)
        return pl.col(name).fill_null(default)

    def field_ref(self, field: FieldSource, matcher: FieldRef) -> pl.Expr:
        starts, ends = matcher.starts, matcher.ends

        def holds(row: dict[str, Any]) -> bool:
            for mine in row["a"] or []:
                for theirs in row["b"] or []:
                    if mine is None or theirs is None:
                        continue
                    if starts and ends:
                        found = theirs in mine
                    elif starts or ends:
                        found = mine.startswith(theirs) if starts else mine.endswith(theirs)
                    else:
                        found = mine == theirs
                    if found:
                        return True
            return False

        pair = pl.struct(a=self.side(field), b=self.side(matcher.other))
        return pair.map_elements(holds, return_dtype=pl.Boolean)


def _rows(frame: pl.DataFrame, expr: pl.Expr) -> pl.Series:
    return frame.select(expr.arg_true()).to_series().cast(pl.UInt32)


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def evaluate(events: Events, rules: RuleSet, *, view: pl.DataFrame | None = None) -> SigmaResult:
    """Run ``rules`` over the events of ``events`` (or of ``view``, a filtered frame of them).

    Returns:
        The hits of every rule that reports them (in the rule set's order, then the
        correlations), what was not compiled (the rule set's, plus rules that failed here),
        and the time each rule took.
    """
    frame = events.frame if view is None else view
    ctx = Context(frame, extended=False, newest=None)
    failed: list[NotCompiled] = list(rules.not_compiled)
    timings: dict[str, float] = {}
    hits: dict[str, pl.Series] = {}
    candidates: dict[str, pl.Series] = {}
    working: list[Detection] = []
    for detection in rules.detections:
        start = time.perf_counter()
        try:
            if not detection.texts:
                hits[detection.meta.rule_id] = _rows(frame, _Compiler(ctx).expr(detection.node))
            else:
                part = frame_part(detection.node)
                rows = (
                    pl.Series(range(frame.height), dtype=pl.UInt32)
                    if part is None
                    else _rows(frame, _Compiler(ctx).expr(part))
                )
                candidates[detection.meta.rule_id] = rows
            working.append(detection)
        except _EVAL_ERRORS as exc:
            failed.append(_failure(detection.meta, exc))
        timings[detection.meta.rule_id] = _ms(start)
    start = time.perf_counter()
    request = _request(rules, working, candidates, hits)
    try:
        found = store_pass.read(frame, events.texts, request) if request.fields() else None
    except _EVAL_ERRORS as exc:
        found = None
        for detection in working:
            if detection.meta.rule_id in candidates:
                failed.append(_failure(detection.meta, exc))
                candidates.pop(detection.meta.rule_id)
    timings[TEXT_PASS] = _ms(start)
    for detection in working:
        wanted = candidates.get(detection.meta.rule_id)
        if wanted is None or found is None:
            continue
        rows = wanted
        start = time.perf_counter()
        try:
            sub = _joined(frame, rows, found)
            compiler = _Compiler(Context(sub, extended=False, newest=None), request)
            hits[detection.meta.rule_id] = rows.gather(_rows(sub, compiler.expr(detection.node)))
        except _EVAL_ERRORS as exc:
            failed.append(_failure(detection.meta, exc))
        timings[detection.meta.rule_id] += _ms(start)
    out = [
        _hit(frame, d.meta, hits[d.meta.rule_id])
        for d in working
        if d.output and d.meta.rule_id in hits
    ]
    values = _values(frame, request, found)
    compiled = len(working)
    for correlation in rules.correlations:
        start = time.perf_counter()
        missing = [r for r in correlation.rules if r not in hits]
        try:
            if missing:
                raise Unsupported(f"refers to rule {missing[0]}, which could not be evaluated")
            rows = evaluate_correlation(frame, correlation, hits, values)
            out.append(_hit(frame, correlation.meta, rows))
            compiled += 1
        except _EVAL_ERRORS as exc:
            failed.append(_failure(correlation.meta, exc))
        timings[correlation.meta.rule_id] = _ms(start)
    return SigmaResult(
        compiled=compiled,
        not_compiled=failed,
        hits=[h for h in out if h.event_ids],
        timings=timings,
        events=frame.height,
    )


def _request(
    rules: RuleSet,
    working: list[Detection],
    candidates: dict[str, pl.Series],
    hits: dict[str, pl.Series],
) -> store_pass.TextRequest:
    """Every text test and text value the rules need, each for the rows that need it."""
    request = store_pass.TextRequest()
    for detection in working:
        rows = candidates.get(detection.meta.rule_id)
        if rows is None:
            continue
        for test in walk(detection.node):
            sides = [test.field]
            if isinstance(test.matcher, FieldRef):
                sides.append(test.matcher.other)
            if _needs_values(test):
                for side in sides:
                    if isinstance(side, TextField):
                        request.add_values(side, rows)
            elif isinstance(test.field, TextField):
                request.add_leaf((test.field, test.matcher), rows)
    by_id = {d.meta.rule_id: d for d in working}
    for correlation in rules.correlations:
        for ref in correlation.rules:
            if ref not in by_id:
                continue
            source = candidates[ref] if ref in candidates else hits.get(ref, pl.Series())
            for _, per_rule in (*correlation.group_by, ("", correlation.value)):
                name = dict(per_rule).get(ref)
                field = _field(name) if name else None
                if isinstance(field, TextField):
                    request.add_values(field, source)
    return request


def _field(name: str) -> FieldSource | None:
    try:
        return resolve(name)
    except Unsupported:
        return None


def _joined(frame: pl.DataFrame, rows: pl.Series, found: pl.DataFrame) -> pl.DataFrame:
    sub = frame[rows].with_columns(rows.alias(store_pass.ROW))
    return sub.join(found, on=store_pass.ROW, how="left", maintain_order="left")


def _values(
    frame: pl.DataFrame, request: store_pass.TextRequest, found: pl.DataFrame | None
) -> Callable[[FieldSource, pl.Series], pl.Series]:
    """A field's value per row as text, for correlations (several values: comma-joined)."""
    fields = request.fields()

    def values(field: FieldSource, rows: pl.Series) -> pl.Series:
        if isinstance(field, FrameField):
            column = frame.get_column(field.column).gather(rows)
            if isinstance(column.dtype, pl.List):
                return column.list.join(",").replace("", None)
            return column
        if found is None or field not in request.values:
            return pl.Series([None] * len(rows), dtype=pl.String)
        name = store_pass.value_column(fields.index(field))
        sub = pl.DataFrame({store_pass.ROW: rows}).join(
            found.select(store_pass.ROW, name), on=store_pass.ROW, how="left", maintain_order="left"
        )
        return sub.get_column(name).list.join(",").replace("", None)

    return values


def _hit(frame: pl.DataFrame, meta: RuleMeta, rows: pl.Series) -> RuleHit:
    located = frame.select(c.EVENT_ID, c.SOURCE_FILE, c.REC_INDEX)[rows.sort()]
    keys = located.select(mark_key_expr()).to_series().to_list()
    unique = tuple(dict.fromkeys(k for k in keys if k is not None))
    return RuleHit(
        rule=meta, event_ids=unique, door=EventSetClause(keys=frozenset(unique), name=meta.title)
    )


def _failure(meta: RuleMeta, exc: Exception) -> NotCompiled:
    first = str(exc).strip().splitlines()
    reason = first[0] if first else type(exc).__name__
    return NotCompiled(f"{meta.title} [{meta.source}]", f"could not be evaluated: {reason[:300]}")


__all__ = ["TEXT_PASS", "Events", "evaluate", "frame_part"]
