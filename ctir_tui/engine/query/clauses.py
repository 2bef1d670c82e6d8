"""One class per kind of filter clause: what it tests, how it reads, how it is shown.

A clause is an immutable, hashable value, validated on construction (``FilterError``).
``test`` gives the positive Polars test over a :class:`~.context.Context`; :meth:`Clause.expr`
applies the negation null-safely (a null never matches, so ``not principal~alice`` keeps
rows whose principal is null). ``from_text`` builds a clause from what a user typed; the
filter language (:mod:`.language`) and the command line both go through it.
"""

from __future__ import annotations

import ipaddress
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar, Final, NamedTuple, Self

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.texts import packed_locator
from ctir_tui.engine.query.values import (
    FilterError,
    check_tactic,
    clean,
    glob_body,
    globs_regex,
    ip_parts,
    ip_target,
)

#: Columns searched by a principal clause.
PRINCIPAL_COLUMNS: Final = (
    c.PRINCIPAL,
    c.PRINCIPAL_ARN,
    c.USER_NAME,
    c.PRINCIPAL_ID,
    c.ACCESS_KEY_ID,
    c.SESSION_ISSUER_ARN,
)
#: Columns of the record searched by free text (the filter and the list's search alike).
RECORD_TEXT_COLUMNS: Final = (
    c.PRINCIPAL,
    c.EVENT_NAME,
    c.EVENT_SOURCE,
    c.SOURCE_IP,
    c.USER_AGENT,
    c.ERROR_CODE,
    c.ERROR_MESSAGE,
    c.REGION,
    c.EVENT_ID,
    c.REQUEST_ID,
    c.ACCESS_KEY_ID,
    c.USER_NAME,
)
#: ... and what the loader found odd about it (both values of a repeated key, for one).
TEXT_COLUMNS: Final = (*RECORD_TEXT_COLUMNS, c.NOTES)


class Typed(NamedTuple):
    """What a user typed for a clause: the value, how to name it in errors, the tactics."""

    value: str
    what: str
    known_tactics: Sequence[str] | None


@dataclass(frozen=True, kw_only=True)
class Clause(ABC):
    """One test on an event."""

    #: Keep the rows the clause would drop instead.
    negate: bool = False
    #: The filter-language word that makes this kind of clause.
    word: ClassVar[str]

    @abstractmethod
    def test(self, ctx: Context) -> pl.Expr:
        """The positive test (nulls are dropped by :meth:`expr`)."""

    @abstractmethod
    def body(self) -> str:
        """The label without its negation (``principal~alice``)."""

    def expr(self, ctx: Context) -> pl.Expr:
        """The clause's boolean expression over ``ctx.frame``, negation applied."""
        test = self.test(ctx).fill_null(False)
        return ~test if self.negate else test

    def label(self) -> str:
        """Short chip text, e.g. ``principal~alice`` or ``not ip=10.0.0.0/8``.

        Values come from logs and are returned as plain text: render them inertly.
        """
        return f"not {self.body()}" if self.negate else self.body()

    def negated(self) -> Self:
        """The same clause with ``negate`` flipped."""
        return replace(self, negate=not self.negate)

    @classmethod
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Build the clause from a user's text (``what`` names it in errors)."""
        return cls.parse(Typed(clean(value), what or cls.word, known_tactics), negate)

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Build the clause from validated UTF-8 text (see :meth:`from_text`)."""
        raise FilterError(f"'{cls.word}' cannot be typed")


@dataclass(frozen=True, kw_only=True)
class _ValueClause(Clause):
    """A clause over one text value (the common case)."""

    value: str

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """The value as typed."""
        return cls(value=typed.value, negate=negate)


@dataclass(frozen=True, kw_only=True)
class PrincipalClause(_ValueClause):
    """Case-insensitive substring of the principal, ARN, user name, id, key or issuer."""

    word: ClassVar[str] = "principal"

    def test(self, ctx: Context) -> pl.Expr:
        """Any principal column contains the value."""
        return ctx.contains_any(PRINCIPAL_COLUMNS, clean(self.value))

    def body(self) -> str:
        """``principal~VALUE``."""
        return f"principal~{self.value}"


@dataclass(frozen=True, kw_only=True)
class TextClause(_ValueClause):
    """Case-insensitive substring of any of :data:`TEXT_COLUMNS`, or of the request
    parameters, response elements or additional data (when the text store is at hand)."""

    word: ClassVar[str] = "text"

    def test(self, ctx: Context) -> pl.Expr:
        """Any text column contains the value, or the record's JSON texts do."""
        needle = clean(self.value)
        in_columns = ctx.contains_any(TEXT_COLUMNS, needle)
        if ctx.texts is None or not {c.FILE_ID, c.REC_INDEX} <= set(ctx.frame.schema):
            return in_columns
        hits = ctx.texts.hits(needle)
        if hits.is_empty():
            return in_columns
        return in_columns | packed_locator().is_in(hits.implode())

    def body(self) -> str:
        """``text~VALUE``."""
        return f"text~{self.value}"


@dataclass(frozen=True, kw_only=True)
class IpClause(_ValueClause):
    """Source IP: an address, a CIDR (v4 or v6), or a substring; commas separate several."""

    word: ClassVar[str] = "ip"

    def __post_init__(self) -> None:
        for part in ip_parts(self.value):
            ip_target(part)

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Validate every part, naming the option in errors."""
        value = typed.value.strip()
        for part in ip_parts(value):
            ip_target(part, typed.what)
        return cls(value=value, negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """Any part matches."""
        return pl.any_horizontal(
            [self._part(ctx, part).fill_null(False) for part in ip_parts(self.value)]
        )

    def _part(self, ctx: Context, part: str) -> pl.Expr:
        target = ip_target(part)
        if target is None:
            return ctx.contains_any((c.SOURCE_IP,), part.strip())
        ctx.require(c.SOURCE_IP)
        uniques, parsed = ctx.addresses()
        if isinstance(target, ipaddress.IPv4Network | ipaddress.IPv6Network):
            matching = [
                raw
                for raw, addrs in zip(uniques, parsed, strict=True)
                if any(a.version == target.version and a in target for a in addrs)
            ]
        else:
            matching = [raw for raw, addrs in zip(uniques, parsed, strict=True) if target in addrs]
        known = pl.lit(pl.Series(matching, dtype=pl.String)).implode()
        return pl.col(c.SOURCE_IP).is_in(known)

    def body(self) -> str:
        """``ip=ADDR`` (``ip~TEXT`` for a single substring)."""
        parts = ip_parts(self.value)
        sep = "~" if len(parts) == 1 and ip_target(parts[0]) is None else "="
        return f"ip{sep}{self.value.strip()}"


@dataclass(frozen=True, kw_only=True)
class EventClause(Clause):
    """Event name: any of several case-insensitive shell globs."""

    globs: tuple[str, ...]
    word: ClassVar[str] = "event"

    def __post_init__(self) -> None:
        if not self.globs:
            raise FilterError("bad event value '': expected a name or a glob like Create*")
        for glob in self.globs:
            glob_body(glob)

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Split on ``|`` and ``,`` into several globs."""
        globs = tuple(p.strip() for p in re.split(r"[|,]", typed.value) if p.strip())
        if not globs:
            raise FilterError(f"bad {typed.what} value '': expected a name or a glob like Create*")
        return cls(globs=globs, negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """The name matches any glob."""
        regex = globs_regex(self.globs)
        ctx.require(c.EVENT_NAME)
        return ctx.string_test(c.EVENT_NAME, lambda col: col.str.contains(regex))

    def body(self) -> str:
        """``event=A|B``."""
        return "event=" + "|".join(self.globs)


@dataclass(frozen=True, kw_only=True)
class TacticClause(_ValueClause):
    """Events mapped to an ATT&CK tactic (seed or extended mapping, as the view shows)."""

    word: ClassVar[str] = "tactic"

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Spell the name as the mapping does, when the mapping is known."""
        if not typed.value.strip():
            raise FilterError("bad tactic value '': expected a tactic name")
        known = typed.known_tactics
        name = check_tactic(typed.value, known) if known is not None else typed.value
        return cls(value=name, negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """The event's tactic list holds the name, or a name of the same tactic."""
        column = c.TACTICS_EXTENDED if ctx.extended else c.TACTICS
        wanted = self.value.strip().lower()
        names = sorted(ctx.tactic_aliases.get(wanted, frozenset()) | {wanted})
        lists = ctx.require(column)
        return lists.list.eval(pl.element().str.to_lowercase().is_in(names)).list.any()

    def body(self) -> str:
        """``tactic=NAME``."""
        return f"tactic={self.value}"


#: The outcomes ``errors`` keeps (see ``outcome`` in :mod:`ctir_tui.engine.schema`).
FAILED_OUTCOMES: Final = ("failure", "denied")


@dataclass(frozen=True, kw_only=True)
class ErrorsClause(Clause):
    """Failed calls only: the outcome is a failure or a denial.

    A failed console login has no error code (only ``errorMessage: Failed authentication``
    and ``responseElements.ConsoleLogin: Failure``); its outcome says it failed, so it is kept.
    """

    word: ClassVar[str] = "errors"

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Takes no value."""
        return cls(negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """``outcome`` is failure or denied; where it is unknown, an error code is set."""
        code = ctx.require(c.ERROR_CODE)
        has_code = code.is_not_null() & (code != "")
        if c.OUTCOME not in ctx.frame.schema:
            return has_code
        outcome = pl.col(c.OUTCOME)
        return outcome.is_in(FAILED_OUTCOMES) | (outcome.is_null() & has_code)

    def body(self) -> str:
        """``errors``."""
        return "errors"


@dataclass(frozen=True, kw_only=True)
class ReadOnlyClause(Clause):
    """Hides read-only events (an unknown ``readOnly`` stays shown)."""

    word: ClassVar[str] = "readonly"

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """Takes no value."""
        return cls(negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """Not read-only."""
        return ~ctx.require(c.READ_ONLY).fill_null(False)

    def body(self) -> str:
        """``-read-only``."""
        return "-read-only"
