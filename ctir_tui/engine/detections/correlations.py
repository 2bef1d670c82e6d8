"""Sigma correlation rules over the hits of detection rules, in sliding windows.

``event_count`` counts a group's hits in a window, ``value_count`` the distinct values of a
field, ``temporal`` how many of the referred rules hit. Windows slide: one ends at every hit
(``(t - timespan, t]``, all hits at ``t`` inside), so a burst that straddles a clock boundary is
still one burst (the specification warns that fixed buckets miss those). A window that meets
the condition fires, and the correlation's events are every hit inside a firing window.
Events with no time, or no value for a group-by field, are left out of the counting (as
``stats ... by`` does). Not evaluated, and reported: ``temporal_ordered``, the value
aggregations (sum, avg, percentile, median), extended (boolean) conditions, and correlations
of correlations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import polars as pl
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from ctir_tui.engine import schema as c
from ctir_tui.engine.detections.fields import FieldSource, Unsupported, resolve
from ctir_tui.engine.detections.model import (
    CompareWord,
    Correlation,
    CorrelationKind,
    Detection,
    RuleMeta,
)

_KINDS: Final[dict[SigmaCorrelationType, CorrelationKind]] = {
    SigmaCorrelationType.EVENT_COUNT: "event_count",
    SigmaCorrelationType.VALUE_COUNT: "value_count",
    SigmaCorrelationType.TEMPORAL: "temporal",
}
_RULE: Final = "_rule"
_VALUE: Final = "_value"
_COUNT: Final = "_n"
_END: Final = "_end"
_AT: Final = "_at"
_ROW: Final = "_row"


def compile_correlation(
    rule: SigmaCorrelationRule,
    meta: RuleMeta,
    by_ref: dict[str, str],
    failed: dict[str, str],
    detections: dict[str, Detection],
) -> Correlation:
    """A correlation ready to evaluate over ``detections``' hits.

    Raises:
        Unsupported: Its type or condition is not evaluated, or a rule it refers to is missing
            or did not compile.
    """
    kind = _KINDS.get(rule.type)
    if kind is None:
        raise Unsupported(f"correlation type {rule.type.name.lower()} is not evaluated")
    condition = rule.condition
    if not isinstance(condition, SigmaCorrelationCondition):
        raise Unsupported("extended (boolean) correlation conditions are not evaluated")
    refs: list[str] = []
    for reference in rule.rules or []:
        target = by_ref.get(reference.reference)
        if target is None:
            raise Unsupported(f"refers to rule '{reference.reference}', which is not loaded")
        if target in failed:
            raise Unsupported(
                f"refers to rule '{reference.reference}', not compiled: {failed[target]}"
            )
        if target not in detections:
            raise Unsupported(
                f"refers to '{reference.reference}': correlations of correlations are not evaluated"
            )
        refs.append(target)
    if not refs:
        raise Unsupported("refers to no rule")
    aliases = {
        alias.alias: {ref.reference: name for ref, name in alias.mapping.items()}
        for alias in rule.aliases
    }
    group_by: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    for name in rule.group_by or []:
        group_by.append((name, _per_rule(name, aliases, refs, by_ref)))
    value: tuple[tuple[str, str], ...] = ()
    if kind == "value_count":
        ref = condition.fieldref
        if isinstance(ref, list):
            if len(ref) != 1:
                raise Unsupported("value_count over several fields is not evaluated")
            ref = ref[0]
        value = _per_rule(str(ref), aliases, refs, by_ref)
    return Correlation(
        meta=meta,
        kind=kind,
        rules=tuple(refs),
        seconds=rule.timespan.seconds,
        group_by=tuple(group_by),
        op=condition.op.name.lower(),  # type: ignore[arg-type]
        count=condition.count,
        value=value,
    )


def _per_rule(
    name: str, aliases: dict[str, dict[str, str]], refs: list[str], by_ref: dict[str, str]
) -> tuple[tuple[str, str], ...]:
    """The field ``name`` stands for in each referred rule (an alias maps it per rule)."""
    mapping = {by_ref.get(k, k): v for k, v in aliases.get(name, {}).items()}
    out = []
    for ref in refs:
        field = mapping.get(ref, name)
        resolve(field)  # raises Unsupported for a field ctir does not keep
        out.append((ref, field))
    return tuple(out)


def _condition(op: CompareWord, count: int | float) -> Callable[[pl.Expr], pl.Expr]:
    tests: dict[str, Callable[[pl.Expr], pl.Expr]] = {
        "lt": lambda n: n < count,
        "lte": lambda n: n <= count,
        "gt": lambda n: n > count,
        "gte": lambda n: n >= count,
        "eq": lambda n: n == count,
    }
    return tests.get(op, lambda n: n != count)


def evaluate_correlation(
    frame: pl.DataFrame,
    correlation: Correlation,
    hits: dict[str, pl.Series],
    values: Callable[[FieldSource, pl.Series], pl.Series],
) -> pl.Series:
    """The rows of ``frame`` in a firing window of ``correlation``.

    Args:
        frame: The events evaluated.
        correlation: The correlation.
        hits: Rows (indices into ``frame``) each referred rule matched.
        values: For a field and rows, the field's value of each row (null: none).
    """
    parts = []
    for number, ref in enumerate(correlation.rules):
        rows = hits.get(ref, pl.Series(dtype=pl.UInt32))
        columns = {
            _ROW: rows,
            c.TIME: frame.get_column(c.TIME).gather(rows),
            _RULE: pl.Series([number] * len(rows), dtype=pl.UInt32),
        }
        for index, (_, per_rule) in enumerate(correlation.group_by):
            columns[f"_g{index}"] = values(resolve(dict(per_rule)[ref]), rows)
        if correlation.value:
            columns[_VALUE] = values(resolve(dict(correlation.value)[ref]), rows)
        parts.append(pl.DataFrame(columns))
    keys = [f"_g{i}" for i in range(len(correlation.group_by))]
    events = _concat(parts).drop_nulls([c.TIME, *keys])
    if correlation.kind != "temporal" and len(parts) > 1:  # an event two rules match counts once
        events = events.unique(_ROW, keep="first", maintain_order=True)
    if events.is_empty():
        return pl.Series(dtype=pl.UInt32)
    span = pl.duration(seconds=correlation.seconds)
    counted = {"event_count": _ROW, "value_count": _VALUE, "temporal": _RULE}[correlation.kind]
    events = events.sort(c.TIME)
    events = events.with_columns(
        _levels(events, keys, counted, correlation.seconds), _codes(events, keys).alias("_g")
    )
    fired = (
        events.filter(_condition(correlation.op, correlation.count)(pl.col(_COUNT)))
        .select("_g", pl.col(c.TIME).alias(_END))
        .unique()
        .sort(_END)
    )
    if fired.is_empty():
        return pl.Series(dtype=pl.UInt32)
    inside = events.join_asof(
        fired,
        left_on=c.TIME,
        right_on=_END,
        by="_g",
        strategy="forward",
        check_sortedness=False,
    ).filter(pl.col(_END).is_not_null() & ((pl.col(_END) - pl.col(c.TIME)) < span))
    return inside.get_column(_ROW).unique().sort()


def _concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The referred rules' events in one frame (a field read as text and as a column: text)."""
    names = parts[0].columns
    mixed = [n for n in names if len({p.schema[n] for p in parts}) > 1]
    if mixed:
        parts = [p.with_columns(pl.col(mixed).cast(pl.String)) for p in parts]
    return pl.concat(parts, how="vertical")


def _codes(frame: pl.DataFrame, names: list[str]) -> pl.Expr:
    """One integer per distinct combination of ``names`` (0 when there are none)."""
    if not names:
        return pl.lit(0, pl.UInt32)
    if len(names) == 1 and isinstance(frame.schema[names[0]], pl.Categorical):
        return pl.col(names[0]).to_physical().cast(pl.UInt32)
    if len(names) == 1:
        return pl.col(names[0]).rank("dense").cast(pl.UInt32)
    return pl.struct(names).rank("dense").cast(pl.UInt32)


def _levels(events: pl.DataFrame, keys: list[str], counted: str, seconds: int) -> pl.Series:
    """For each event, how many distinct ``counted`` values its group holds in the window
    ``(t - span, t]`` ending at it.

    Each value is active from an occurrence ``x`` until ``x + span``; overlapping stretches of
    one value are merged, so that at any time the number of active stretches is the number
    of distinct values seen within ``span`` before. The count is a running sum of +1 (a
    stretch starts) and -1 (it ends) over the group's steps in time order, read at a probe
    placed at each event. Groups and values are integer codes and every sort is on one
    integer column: no window is materialised.
    """
    span = seconds * 1_000_000
    coded = events.select(
        _codes(events, keys).alias("_g"),
        _codes(events, [counted]).alias("_v"),
        pl.col(counted).is_not_null().alias("_has"),
        pl.col(c.TIME).dt.epoch("us").alias("_t"),
    ).with_row_index("_i")
    group, value, at = pl.col("_g"), pl.col("_v"), pl.col("_t")
    runs = (
        coded.filter(pl.col("_has"))
        .with_columns((group.cast(pl.UInt64) * (1 << 32) + value.cast(pl.UInt64)).alias("_k"))
        .sort("_k", maintain_order=True)  # events come in time order: each value's stays
    )
    start = (pl.col("_k") != pl.col("_k").shift(1)).fill_null(True) | (
        (at - at.shift(1)) >= span
    ).fill_null(True)
    runs = runs.with_columns(start.alias("_start")).with_columns(
        pl.col("_start").shift(-1).fill_null(True).alias("_end")
    )
    # active(t) = stretches started by t - stretches ended by t, each count read with an
    # as-of join on the group's steps in time order (a running count per group).
    probes = coded.lazy().select("_i", group, at).sort("_t")
    for flag, shift, name in (("_start", 0, "_on"), ("_end", span, "_off")):
        edges = (
            runs.lazy()
            .filter(pl.col(flag))
            .select(group, (at + shift).alias(_AT))
            .sort(_AT)
            .with_columns(pl.int_range(1, pl.len() + 1).over("_g").alias(name))
        )
        probes = probes.join_asof(
            edges, left_on="_t", right_on=_AT, by="_g", strategy="backward", check_sortedness=False
        ).drop(_AT)
    counted_rows = probes.select(
        "_i", (pl.col("_on").fill_null(0) - pl.col("_off").fill_null(0)).alias(_COUNT)
    )
    return counted_rows.sort("_i").collect().get_column(_COUNT)
