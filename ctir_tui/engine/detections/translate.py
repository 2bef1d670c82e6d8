"""pySigma's condition tree -> a plan (:mod:`.plan`), or the reason a rule cannot be evaluated.

pySigma has already applied the modifiers when the tree is built: ``contains`` is a string with
wildcards around it, ``all`` an AND of values, ``windash`` and ``base64offset`` expansions, ``re``
a regular expression, ``cidr`` a network, ``exists`` and ``fieldref`` their own types, and
``1 of``/``all of`` selectors OR and AND nodes. What is left here is to map each field
(:mod:`.fields`) and each value to a test, and to refuse, with a reason, what ctir cannot
honour exactly: field-less keywords, placeholders, the UTF-16 encodings (CloudTrail holds text),
time parts, and regular expressions Polars' engine would read differently.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import polars as pl
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionItem,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.modifiers import reverse_modifier_mapping
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from ctir_tui.engine.detections.fields import FieldSource, Unsupported, resolve
from ctir_tui.engine.detections.plan import (
    AllOf,
    AnyOf,
    Boolean,
    Cidr,
    Compare,
    CompareOp,
    Exists,
    FieldRef,
    Matcher,
    Node,
    Not,
    Null,
    Number,
    OneOf,
    Regex,
    Test,
    Text,
    TextKind,
)

#: Modifiers refused, and why.
REFUSED: Final[dict[str, str]] = {
    "wide": "encodes the value as UTF-16; CloudTrail fields hold text",
    "utf16": "encodes the value as UTF-16; CloudTrail fields hold text",
    "utf16le": "encodes the value as UTF-16; CloudTrail fields hold text",
    "utf16be": "encodes the value as UTF-16; CloudTrail fields hold text",
    "expand": "needs a processing pipeline to fill its placeholders",
    "minute": "reads a part of a time, and ctir keeps eventTime as a column only",
    "hour": "reads a part of a time, and ctir keeps eventTime as a column only",
    "day": "reads a part of a time, and ctir keeps eventTime as a column only",
    "week": "reads a part of a time, and ctir keeps eventTime as a column only",
    "month": "reads a part of a time, and ctir keeps eventTime as a column only",
    "year": "reads a part of a time, and ctir keeps eventTime as a column only",
}
#: Longest regular expression accepted; the engine is linear-time, but a rule is hostile input.
MAX_REGEX: Final = 10_000
#: Most tests in one rule (a YAML list of a million values is a denial of service).
MAX_TESTS: Final = 20_000
#: Deepest condition accepted.
MAX_DEPTH: Final = 200
_COMPARE: Final[dict[CompareOperators, CompareOp]] = {
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "lte",
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "gte",
    CompareOperators.NEQ: "neq",
}
_FLAGS: Final = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}
#: What the Rust regex crate escapes (regex::escape): every one is a valid escape there.
_META: Final = frozenset("\\.+*?()|[]{}^$#&-~")


def escape(text: str) -> str:
    """``text`` as a literal inside a Polars (Rust) regular expression."""
    return "".join("\\" + ch if ch in _META else ch for ch in text)


def check_regex(pattern: str) -> None:
    """Refuse a pattern Polars' engine rejects (look-around, back-references) or too long.

    Raises:
        Unsupported: With the engine's reason, on one line.
    """
    if len(pattern) > MAX_REGEX:
        raise Unsupported(f"regular expression longer than {MAX_REGEX:,} characters")
    try:
        pl.Series([""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()
        raise Unsupported(
            "regular expression not accepted by Polars' engine (no look-around or "
            f"back-references): {first[-1] if first else type(exc).__name__}"
        ) from None


def _items(detection: SigmaDetection) -> Iterator[SigmaDetectionItem]:
    stack: list[SigmaDetection | SigmaDetectionItem] = [detection]
    while stack:
        item = stack.pop()
        if isinstance(item, SigmaDetectionItem):
            yield item
        else:
            stack.extend(item.detection_items)


def check_modifiers(rule: SigmaRule) -> None:
    """Refuse a rule using a modifier ctir cannot honour (see :data:`REFUSED`).

    Raises:
        Unsupported: Naming the modifier, the field and why.
    """
    for name, detection in rule.detection.detections.items():
        for item in _items(detection):
            for modifier in item.modifiers:
                word = reverse_modifier_mapping.get(modifier.__name__, modifier.__name__)
                if word in REFUSED:
                    raise Unsupported(
                        f"modifier '{word}' (in {name}, field {item.field or '-'}) {REFUSED[word]}"
                    )


def _parts(value: SigmaString) -> list[str | SpecialChars]:
    parts: list[str | SpecialChars] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            raise Unsupported(f"placeholder %{part.name}% needs a processing pipeline")
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part
        else:
            parts.append(part)
    return parts


def string_matcher(value: SigmaString) -> Text:
    """A Sigma string (wildcards ``*`` and ``?``) as the cheapest test that means the same."""
    cased = isinstance(value, SigmaCasedString)
    parts = _parts(value)
    if parts and all(p is SpecialChars.WILDCARD_MULTI for p in parts):
        return Text("any", "", cased)
    starts = bool(parts) and parts[0] is SpecialChars.WILDCARD_MULTI
    ends = bool(parts) and parts[-1] is SpecialChars.WILDCARD_MULTI
    middle = parts[int(starts) : len(parts) - int(ends)]
    if all(isinstance(p, str) for p in middle):
        literal = "".join(p for p in middle if isinstance(p, str))
        kind: TextKind = (
            "contains" if starts and ends else "prefix" if ends else "suffix" if starts else "eq"
        )
        return Text(kind, literal, cased)
    body = "".join(
        escape(p) if isinstance(p, str) else ".*" if p is SpecialChars.WILDCARD_MULTI else "."
        for p in parts
    )
    pattern = ("(?s)" if cased else "(?is)") + "^" + body + "$"
    check_regex(pattern)
    return Text("regex", pattern, cased)


def _matcher(value: SigmaType) -> Matcher:
    if isinstance(value, SigmaString):
        return string_matcher(value)
    if isinstance(value, SigmaRegularExpression):
        flags = "".join(sorted(_FLAGS[f] for f in value.flags))
        pattern = (f"(?{flags})" if flags else "") + str(value.regexp)
        check_regex(pattern)
        return Regex(pattern)
    if isinstance(value, SigmaCIDRExpression):
        return Cidr(value.network)
    if isinstance(value, SigmaCompareExpression):
        return Compare(_COMPARE[value.op], value.number.number)
    if isinstance(value, SigmaTimestampPart):
        raise Unsupported("time-part modifiers are not supported")
    if isinstance(value, SigmaNumber):
        return Number(value.number)
    if isinstance(value, SigmaBool):
        return Boolean(value.boolean)
    if isinstance(value, SigmaNull):
        return Null()
    if isinstance(value, SigmaExists):
        return Exists(value.exists)
    if isinstance(value, SigmaFieldReference):
        return FieldRef(resolve(value.field), value.starts_with, value.ends_with)
    raise Unsupported(f"values of type {type(value).__name__} are not supported")


class _Builder:
    def __init__(self) -> None:
        self.tests = 0

    def leaf(self, field: FieldSource, value: SigmaType) -> Node:
        if isinstance(value, SigmaExpansion):  # windash, base64offset: any variant
            return AnyOf(tuple(self.leaf(field, v) for v in value.values))
        self.tests += 1
        if self.tests > MAX_TESTS:
            raise Unsupported(f"more than {MAX_TESTS:,} tests in one rule")
        return Test(field, _matcher(value))

    def node(self, item: object, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise Unsupported(f"condition nested deeper than {MAX_DEPTH}")
        if isinstance(item, ConditionFieldEqualsValueExpression):
            return self.leaf(resolve(item.field), item.value)
        if isinstance(item, ConditionValueExpression):
            raise Unsupported("keyword (field-less) detections are not supported: name the field")
        if isinstance(item, ConditionNOT):
            return Not(self.node(item.args[0], depth + 1))
        if isinstance(item, ConditionAND | ConditionOR):
            children = tuple(self.node(arg, depth + 1) for arg in item.args)
            if isinstance(item, ConditionAND):
                return AllOf(children)
            return fold_one_of(children)
        if isinstance(item, ConditionItem):
            raise Unsupported(f"condition element {type(item).__name__} is not supported")
        raise Unsupported(f"condition element {type(item).__name__} is not supported")


def fold_one_of(children: tuple[Node, ...]) -> Node:
    """An OR of plain equalities on one field as one set test (one pass, not one per value)."""
    plain: dict[tuple[FieldSource, bool], set[str]] = {}
    rest: list[Node] = []
    for child in children:
        if (
            isinstance(child, Test)
            and isinstance(child.matcher, Text)
            and child.matcher.kind == "eq"
        ):
            plain.setdefault((child.field, child.matcher.cased), set()).add(child.matcher.value)
            continue
        rest.append(child)
    folded: list[Node] = [
        Test(field, OneOf(frozenset(values), cased))
        if len(values) > 1
        else Test(field, Text("eq", next(iter(values)), cased))
        for (field, cased), values in plain.items()
    ]
    items = (*folded, *rest)
    return items[0] if len(items) == 1 else AnyOf(items)


def translate(rule: SigmaRule) -> Node:
    """The plan of a detection rule: its conditions OR-ed (Sigma's list of conditions).

    Raises:
        Unsupported: Why the rule cannot be evaluated (the first reason found).
    """
    check_modifiers(rule)
    builder = _Builder()
    trees: list[Node] = []
    try:
        for condition in rule.detection.parsed_condition:
            trees.append(builder.node(condition.parsed))
    except RecursionError:
        raise Unsupported(f"condition nested deeper than {MAX_DEPTH}") from None
    return trees[0] if len(trees) == 1 else AnyOf(tuple(trees))
