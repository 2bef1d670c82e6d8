"""What a compiled detection is: a tree of tests on fields, ready to become a Polars expression.

:mod:`.translate` builds it from pySigma's condition tree; :mod:`.matchers` turns each test into
an expression, once the frame it runs on is known. The tree is plain data (frozen, hashable),
so a rule's plan says exactly what it will test, and which text-store fields it needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network
from typing import Literal

from ctir_tui.engine.detections.fields import FieldSource, TextField

#: How a string value is compared (wildcards that fit none of these become ``regex``).
TextKind = Literal["eq", "prefix", "suffix", "contains", "regex", "any"]
CompareOp = Literal["lt", "lte", "gt", "gte", "neq"]


@dataclass(frozen=True, slots=True)
class Text:
    """A Sigma string: case-insensitive unless ``cased``; ``regex`` holds a full pattern."""

    kind: TextKind
    value: str
    cased: bool = False


@dataclass(frozen=True, slots=True)
class OneOf:
    """Equal to one of several strings (a list of plain values, folded into one test)."""

    values: frozenset[str]
    cased: bool = False


@dataclass(frozen=True, slots=True)
class Regex:
    """A regular expression (``re``), searched anywhere in the value; flags are inline."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Cidr:
    """The value is an address inside the network (``cidr``)."""

    network: IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class Number:
    """Equal to a number (as text or numerically)."""

    number: int | float


@dataclass(frozen=True, slots=True)
class Compare:
    """A numeric comparison (``lt``, ``lte``, ``gt``, ``gte``, ``neq``)."""

    op: CompareOp
    number: int | float


@dataclass(frozen=True, slots=True)
class Boolean:
    """Equal to ``true`` or ``false``."""

    value: bool


@dataclass(frozen=True, slots=True)
class Null:
    """The field has no value (absent, or null)."""


@dataclass(frozen=True, slots=True)
class Exists:
    """The field is present (``exists: true``) or absent (``exists: false``)."""

    present: bool


@dataclass(frozen=True, slots=True)
class FieldRef:
    """Equal to (or starting, ending with) another field's value of the same event; cased."""

    other: FieldSource
    starts: bool = False
    ends: bool = False


Matcher = Text | OneOf | Regex | Cidr | Number | Compare | Boolean | Null | Exists | FieldRef


@dataclass(frozen=True, slots=True)
class Test:
    """One field tested by one matcher."""

    field: FieldSource
    matcher: Matcher


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every item holds."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one item holds."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The item does not hold."""

    item: Node


Node = Test | AllOf | AnyOf | Not


def walk(node: Node) -> Iterator[Test]:
    """Every test of a tree, depth first."""
    stack: list[Node] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Test):
            yield item
        elif isinstance(item, Not):
            stack.append(item.item)
        else:
            stack.extend(reversed(item.items))


def text_fields(node: Node) -> set[TextField]:
    """The text-store fields a tree reads (a field reference's other side too)."""
    found: set[TextField] = set()
    for test in walk(node):
        for field in (test.field, getattr(test.matcher, "other", None)):
            if isinstance(field, TextField):
                found.add(field)
    return found
