"""Each test of a plan as a Polars expression: over a frame column, or over a string value.

Sigma strings match case-insensitively unless ``cased``; regular expressions are
case-sensitive unless ``i`` and match anywhere in the value (``^``/``$`` anchor them);
numbers match as text or numerically; ``cidr`` reads every address a value holds (a proxy
chain holds several). On a categorical column the test runs over the column's distinct
values (:meth:`Context.string_test <ctir_tui.engine.query.context.Context.string_test>`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.detections.fields import FrameField, Unsupported
from ctir_tui.engine.detections.plan import (
    Boolean,
    Cidr,
    Compare,
    Exists,
    FieldRef,
    Matcher,
    Null,
    Number,
    OneOf,
    Regex,
    Text,
)
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.values import parse_addresses

StringTest = Callable[[pl.Expr], pl.Expr]
_TRUE: Final = "true"
_FALSE: Final = "false"


def _fold(expr: pl.Expr, cased: bool) -> pl.Expr:
    return expr if cased else expr.str.to_lowercase()


def _text(matcher: Text) -> StringTest:
    value = matcher.value if matcher.cased else matcher.value.lower()
    kind, cased = matcher.kind, matcher.cased
    if kind == "any":
        return lambda e: e.is_not_null()
    if kind == "regex":
        return lambda e: e.str.contains(matcher.value)
    if kind == "eq":
        return lambda e: _fold(e, cased) == value
    if kind == "prefix":
        return lambda e: _fold(e, cased).str.starts_with(value)
    if kind == "suffix":
        return lambda e: _fold(e, cased).str.ends_with(value)
    return lambda e: _fold(e, cased).str.contains(value, literal=True)


def string_test(matcher: Matcher) -> StringTest | None:
    """The test of one string value, or None for matchers that are not a test of one value
    (``null``, ``exists``, ``cidr``, ``fieldref``: see :func:`frame_test` and the text store)."""
    if isinstance(matcher, Text):
        return _text(matcher)
    if isinstance(matcher, OneOf):
        cased = matcher.cased
        wanted = sorted(v if cased else v.lower() for v in matcher.values)
        return lambda e: _fold(e, cased).is_in(pl.lit(pl.Series(wanted, dtype=pl.String)).implode())
    if isinstance(matcher, Regex):
        return lambda e: e.str.contains(matcher.pattern)
    if isinstance(matcher, Number):
        number = matcher.number
        return lambda e: (e == str(number)) | (e.cast(pl.Float64, strict=False) == float(number))
    if isinstance(matcher, Compare):
        op, limit = matcher.op, float(matcher.number)

        def compare(e: pl.Expr) -> pl.Expr:
            n = e.cast(pl.Float64, strict=False)
            tests = {"lt": n < limit, "lte": n <= limit, "gt": n > limit, "gte": n >= limit}
            return tests.get(op, n != limit)

        return compare
    if isinstance(matcher, Boolean):
        word = _TRUE if matcher.value else _FALSE
        return lambda e: e.str.to_lowercase() == word
    return None


def cidr_members(values: Iterable[str], matcher: Cidr) -> list[str]:
    """The values holding an address inside the matcher's network."""
    net = matcher.network
    return [
        v for v in values if any(a.version == net.version and a in net for a in parse_addresses(v))
    ]


def _is_blank(matcher: Matcher) -> bool:
    return isinstance(matcher, Text) and matcher.kind == "eq" and matcher.value == ""


def frame_test(ctx: Context, field: FrameField, matcher: Matcher) -> pl.Expr:
    """A test on a frame column (nulls in the result mean no match).

    Raises:
        Unsupported: A field reference to a text-store field (handled by the caller) or a
            matcher that makes no sense on the column's type.
    """
    column = field.column
    col = ctx.require(column)
    dtype = ctx.frame.schema[column]
    is_list = isinstance(dtype, pl.List)
    if isinstance(matcher, Null) or _is_blank(matcher):
        # The load keeps no empty strings: '' and null are both "no value" in the frame.
        return (col.list.len() == 0).fill_null(True) if is_list else col.is_null()
    if isinstance(matcher, Exists):
        present = (col.list.len() > 0).fill_null(False) if is_list else col.is_not_null()
        return present if matcher.present else ~present
    if isinstance(matcher, FieldRef):
        other = matcher.other
        if not isinstance(other, FrameField) or is_list:
            raise Unsupported("field reference handled with the text store")
        mine, theirs = col.cast(pl.String), ctx.require(other.column).cast(pl.String)
        if matcher.starts and matcher.ends:
            return mine.str.contains(theirs, literal=True)
        if matcher.starts:
            return mine.str.starts_with(theirs)
        if matcher.ends:
            return mine.str.ends_with(theirs)
        return mine == theirs
    if dtype == pl.Boolean:
        if isinstance(matcher, Boolean):
            return col == matcher.value
        as_text = pl.when(col).then(pl.lit(_TRUE)).when(~col).then(pl.lit(_FALSE))
        test = string_test(matcher)
        if test is None:
            raise Unsupported(f"{type(matcher).__name__} cannot test {field.name}")
        return test(as_text)
    if isinstance(matcher, Cidr):
        if is_list:
            raise Unsupported(f"cidr cannot test {field.name}")
        if column == c.SOURCE_IP:
            uniques, parsed = ctx.addresses()
            net = matcher.network
            hits = [
                raw
                for raw, addrs in zip(uniques, parsed, strict=True)
                if any(a.version == net.version and a in net for a in addrs)
            ]
        else:
            hits = cidr_members(ctx.uniques(column).to_list(), matcher)
        return col.cast(pl.String).is_in(pl.lit(pl.Series(hits, dtype=pl.String)).implode())
    test = string_test(matcher)
    if test is None:  # pragma: no cover - every other matcher is a string test
        raise Unsupported(f"{type(matcher).__name__} cannot test {field.name}")
    if is_list:
        return col.list.eval(test(pl.element())).list.any()
    return ctx.string_test(column, test)
