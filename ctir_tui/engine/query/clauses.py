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
from datetime import datetime, timedelta
from typing import ClassVar, Final, Self

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.values import (
    FilterError,
    check_tactic,
    clean,
    glob_body,
    globs_regex,
    ip_parts,
    ip_target,
    shown,
)
from ctir_tui.engine.times import format_time, is_duration, parse_point

#: Columns searched by a principal clause.
PRINCIPAL_COLUMNS: Final = (
    c.PRINCIPAL,
    c.PRINCIPAL_ARN,
    c.USER_NAME,
    c.PRINCIPAL_ID,
    c.ACCESS_KEY_ID,
    c.SESSION_ISSUER_ARN,
)
#: Columns searched by free text (the filter and the list's search alike).
TEXT_COLUMNS: Final = (
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
#: Columns a field clause may name.
FIELD_COLUMNS: Final = frozenset(c.EVENT_SCHEMA) | {c.TACTICS, c.TACTICS_EXTENDED}


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
        raise FilterError(f"'{cls.word}' cannot be typed")


@dataclass(frozen=True, kw_only=True)
class _ValueClause(Clause):
    """A clause over one text value (the common case)."""

    value: str

    @classmethod
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """The value as typed, made valid UTF-8."""
        return cls(value=clean(value), negate=negate)


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
    """Case-insensitive substring of any of :data:`TEXT_COLUMNS`."""

    word: ClassVar[str] = "text"

    def test(self, ctx: Context) -> pl.Expr:
        """Any text column contains the value."""
        return ctx.contains_any(TEXT_COLUMNS, clean(self.value))

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
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Validate every part, naming the option in errors."""
        value = clean(value).strip()
        for part in ip_parts(value):
            ip_target(part, what or cls.word)
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
                for raw, addr in zip(uniques, parsed, strict=True)
                if addr is not None and addr.version == target.version and addr in target
            ]
        else:
            matching = [raw for raw, addr in zip(uniques, parsed, strict=True) if addr == target]
        known = pl.lit(pl.Series(matching, dtype=pl.String)).implode()
        return pl.col(c.SOURCE_IP).is_in(known)

    def body(self) -> str:
        """``ip=ADDR`` (``ip~TEXT`` for a single substring)."""
        parts = ip_parts(self.value)
        sep = "~" if len(parts) == 1 and ip_target(parts[0]) is None else "="
        return f"ip{sep}{self.value.strip()}"


@dataclass(frozen=True, kw_only=True)
class _TimeClause(_ValueClause):
    """A bound on the event time; durations count back from the newest event."""

    def __post_init__(self) -> None:
        parse_point(self.value, None, self.word)

    @classmethod
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Keep durations as typed, times in canonical UTC form."""
        text = clean(value).strip()
        moment, bare_date = parse_point(text, None, what or cls.word)
        if is_duration(text):
            kept = re.sub(r"\s+", "", text).lower()
        elif bare_date and cls is UntilClause:
            kept = text  # "until DATE" means the whole day; keep that visible.
        else:
            kept = format_time(moment)
        return cls(value=kept, negate=negate)

    def moment(self, ctx: Context) -> tuple[pl.Expr, datetime, bool]:
        """The time column, this clause's moment (durations resolved) and whether a date."""
        time = ctx.require(c.TIME)
        anchor = ctx.newest() if is_duration(self.value) else None
        moment, bare_date = parse_point(self.value, anchor, self.word)
        return time, moment, bare_date

    def expr(self, ctx: Context) -> pl.Expr:
        """Events without a time never pass a time bound, negated or not."""
        test = self.test(ctx).fill_null(False)
        return pl.col(c.TIME).is_not_null() & ~test if self.negate else test

    def body(self) -> str:
        """``since 6h``."""
        return f"{self.word} {self.value}"


@dataclass(frozen=True, kw_only=True)
class SinceClause(_TimeClause):
    """Events at or after a time."""

    word: ClassVar[str] = "since"

    def test(self, ctx: Context) -> pl.Expr:
        """``time >= moment``."""
        time, moment, _ = self.moment(ctx)
        return time >= pl.lit(moment)


@dataclass(frozen=True, kw_only=True)
class UntilClause(_TimeClause):
    """Events at or before a time (a bare date includes that whole day)."""

    word: ClassVar[str] = "until"

    def test(self, ctx: Context) -> pl.Expr:
        """``time <= moment`` (``<`` the next midnight for a bare date)."""
        time, moment, bare_date = self.moment(ctx)
        if bare_date:
            return time < pl.lit(moment + timedelta(days=1))
        return time <= pl.lit(moment)


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
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Split on ``|`` and ``,`` into several globs."""
        globs = tuple(p.strip() for p in re.split(r"[|,]", clean(value)) if p.strip())
        if not globs:
            raise FilterError(
                f"bad {what or cls.word} value '': expected a name or a glob like Create*"
            )
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
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Spell the name as the mapping does, when the mapping is known."""
        if not value.strip():
            raise FilterError("bad tactic value '': expected a tactic name")
        name = check_tactic(value, known_tactics) if known_tactics is not None else clean(value)
        return cls(value=name, negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """The event's tactic list holds the name."""
        column = c.TACTICS_EXTENDED if ctx.extended else c.TACTICS
        wanted = self.value.strip().lower()
        lists = ctx.require(column)
        return lists.list.eval(pl.element().str.to_lowercase() == wanted).list.any()

    def body(self) -> str:
        """``tactic=NAME``."""
        return f"tactic={self.value}"


@dataclass(frozen=True, kw_only=True)
class ErrorsClause(Clause):
    """Failed calls only (an error code is set)."""

    word: ClassVar[str] = "errors"

    @classmethod
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Takes no value."""
        return cls(negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """``error_code`` is set."""
        code = ctx.require(c.ERROR_CODE)
        return code.is_not_null() & (code != "")

    def body(self) -> str:
        """``errors``."""
        return "errors"


@dataclass(frozen=True, kw_only=True)
class ReadOnlyClause(Clause):
    """Hides read-only events (an unknown ``readOnly`` stays shown)."""

    word: ClassVar[str] = "readonly"

    @classmethod
    def from_text(
        cls,
        value: str,
        *,
        negate: bool = False,
        what: str | None = None,
        known_tactics: Sequence[str] | None = None,
    ) -> Clause:
        """Takes no value."""
        return cls(negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """Not read-only."""
        return ~ctx.require(c.READ_ONLY).fill_null(False)

    def body(self) -> str:
        """``-read-only``."""
        return "-read-only"


def _check_column(column: str) -> None:
    if column not in FIELD_COLUMNS:
        raise FilterError(f"unknown column '{shown(column)}'")


@dataclass(frozen=True, kw_only=True)
class FieldClause(Clause):
    """Exact match on one canonical column (``value`` None: the column is null)."""

    column: str
    value: str | None
    word: ClassVar[str] = "field"

    def __post_init__(self) -> None:
        _check_column(self.column)

    def test(self, ctx: Context) -> pl.Expr:
        """``column == value`` (or ``is null``)."""
        if self.value is None:
            return ctx.require(self.column).is_null()
        return ctx.equals(self.column, self.value)

    def body(self) -> str:
        """``column=value`` or ``column is null``."""
        return f"{self.column} is null" if self.value is None else f"{self.column}={self.value}"


@dataclass(frozen=True, kw_only=True)
class AnyOfClause(Clause):
    """Any of several exact ``column == value`` pairs (a session: the key used or issued)."""

    pairs: tuple[tuple[str, str], ...]
    #: The name shown in the label (``session``); without it the pairs are shown.
    name: str = ""
    #: The value shown after the name.
    shown: str = ""
    word: ClassVar[str] = "any-of"

    def __post_init__(self) -> None:
        if not self.pairs:
            raise FilterError("an any-of clause needs at least one column=value pair")
        for column, _ in self.pairs:
            _check_column(column)

    def test(self, ctx: Context) -> pl.Expr:
        """Any pair matches."""
        return pl.any_horizontal([ctx.equals(col, v).fill_null(False) for col, v in self.pairs])

    def body(self) -> str:
        """``session=KEY`` or ``a=1|b=2``."""
        if self.name:
            return f"{self.name}={self.shown}"
        return "|".join(f"{col}={v}" for col, v in self.pairs)


def field_clause(column: str, value: str | None, *, negate: bool = False) -> FieldClause:
    """A pivot clause ``column == value``; ``value=None`` matches rows where it is null.

    Raises:
        FilterError: ``column`` is not a canonical column.
    """
    return FieldClause(column=column, value=None if value is None else clean(value), negate=negate)


def session_clause(access_key_id: str, *, negate: bool = False) -> AnyOfClause:
    """The "session" pivot: events made with the key, or the AssumeRole that issued it."""
    key = clean(access_key_id)
    pairs = ((c.ACCESS_KEY_ID, key), (c.ISSUED_ACCESS_KEY_ID, key))
    return AnyOfClause(pairs=pairs, name="session", shown=key, negate=negate)


def window(moment_text: str, minutes: int = 15) -> tuple[SinceClause, UntilClause]:
    """Since and until clauses for ``minutes`` either side of a canonical time text."""
    moment, _ = parse_point(moment_text, None, "time")
    span = timedelta(minutes=minutes)
    return (
        SinceClause(value=format_time(moment - span)),
        UntilClause(value=format_time(moment + span)),
    )
