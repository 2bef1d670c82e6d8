"""Filters: an immutable value object describing which events to show, and its Polars form.

One :class:`Filters` serves every headless command (``ctir summary|export|matrix ... [FILTERS]``)
and the TUI (filter bar, chips, pivots, view history). It is a tuple of :class:`Clause` objects,
AND-ed together; it is hashable, so views can be cached and kept in a history by value.

Time clauses keep the text the user gave (``6h``, ``2026-01-02``, a timestamp in canonical UTC
form). Durations are resolved when the expression is built, against the newest event of the
frame being filtered (or an explicit ``newest``), so ``since 6h`` stays relative to the newest
event of the load as more data arrives.

Every value may come from a log file and is treated as a literal: never as a regex, never as
markup.
"""

from __future__ import annotations

import ipaddress
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final, TypeAlias

import polars as pl

from ctir_tui.data import schema

_Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Columns searched by a ``principal~`` clause.
PRINCIPAL_COLUMNS: Final = (
    "principal",
    "principal_arn",
    "user_name",
    "principal_id",
    "access_key_id",
    "session_issuer_arn",
)
#: Columns searched by free text.
TEXT_COLUMNS: Final = (
    "principal",
    "event_name",
    "event_source",
    "source_ip",
    "user_agent",
    "error_code",
    "error_message",
    "region",
    "event_id",
    "request_id",
    "access_key_id",
    "user_name",
)
#: Columns a FIELD or ANY_OF clause may name.
FIELD_COLUMNS: Final = frozenset(schema.EVENT_SCHEMA) | {schema.TACTICS, schema.TACTICS_EXTENDED}

_TIME_HINT: Final = "expected an ISO 8601 date or timestamp, or a duration like 90m, 6h, 7d"
_DURATION_RE: Final = re.compile(r"(?:\d+\s*[smhdw]\s*)+", re.IGNORECASE)
_DURATION_PART_RE: Final = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# What the Rust regex crate escapes (regex::escape); all are valid escapes in Python's re too.
_REGEX_META: Final = frozenset("\\.+*?()|[]{}^$#&-~")


class FilterError(ValueError):
    """A filter value that cannot be used; the message is one line, fit to show a user."""


class Kind(StrEnum):
    """What a :class:`Clause` tests."""

    PRINCIPAL = "principal"
    IP = "ip"
    SINCE = "since"
    UNTIL = "until"
    EVENT = "event"
    TACTIC = "tactic"
    ERRORS = "errors"
    #: Hides read-only events (null ``read_only`` stays shown).
    READ_ONLY = "read_only"
    TEXT = "text"
    #: Exact match on one canonical column (``is_null=True``: the column is null).
    FIELD = "field"
    #: Any of several exact ``column=value`` pairs (held in ``values``) matches.
    ANY_OF = "any_of"


def _show(text: str, limit: int = 60) -> str:
    """Return ``text`` fit for a one-line message: control characters escaped, truncated."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _clean(text: str) -> str:
    """Return ``text`` as valid UTF-8 (lone surrogates from undecodable argv become U+FFFD)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _is_duration(text: str) -> bool:
    return _DURATION_RE.fullmatch(text.strip()) is not None


def _parse_point(text: str, newest: datetime | None, what: str) -> tuple[datetime, bool]:
    """Parse a time; return it and whether it was a bare date."""
    stripped = text.strip()
    error = FilterError(f"bad {what} value '{_show(text)}': {_TIME_HINT}")
    if _is_duration(stripped):
        seconds = sum(
            int(n) * _UNIT_SECONDS[unit.lower()] for n, unit in _DURATION_PART_RE.findall(stripped)
        )
        anchor = _as_utc(newest) if newest is not None else datetime.now(UTC)
        try:
            return anchor - timedelta(seconds=seconds), False
        except OverflowError:
            raise FilterError(f"bad {what} value '{_show(text)}': duration too long") from None
    try:
        if _DATE_RE.fullmatch(stripped):
            day = date.fromisoformat(stripped)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        if not stripped[:4].isdigit():
            raise error
        return _as_utc(datetime.fromisoformat(stripped.upper())), False
    except (ValueError, OverflowError):
        raise error from None


def parse_time(text: str, *, newest: datetime | None, what: str = "time") -> datetime:
    """Parse a point in time given by a user.

    Args:
        text: An ISO 8601 date (``2026-01-02``, midnight UTC); a timestamp with ``T`` or a
            space, optional fractional seconds and ``Z``, an offset, or nothing (UTC); or a
            duration (``90s``, ``90m``, ``6h``, ``7d``, ``2w``, or sums like ``1h30m``) counted
            back from ``newest``.
        newest: The newest loaded event, the anchor for durations; ``None`` means now.
        what: How to name the value in an error message, e.g. ``--since``.

    Returns:
        A UTC-aware datetime.

    Raises:
        FilterError: The text is none of the forms above.
    """
    return _parse_point(text, newest, what)[0]


def _format_time(moment: datetime) -> str:
    """Return the canonical, compact UTC form: ``2026-01-02T00:00Z``."""
    moment = _as_utc(moment)
    out = moment.strftime("%Y-%m-%dT%H:%M")
    if moment.second or moment.microsecond:
        out += moment.strftime(":%S")
    if moment.microsecond:
        out += moment.strftime(".%f")
    return out + "Z"


def _canonical_time(kind: Kind, text: str, what: str) -> str:
    """Validate a SINCE/UNTIL value and return the form kept in the clause."""
    moment, bare_date = _parse_point(text, None, what)
    stripped = text.strip()
    if _is_duration(stripped):
        return re.sub(r"\s+", "", stripped).lower()
    if bare_date and kind is Kind.UNTIL:
        return stripped  # "until DATE" means the whole day; keep that visible.
    return _format_time(moment)


def _glob_body(pattern: str) -> str:
    """Translate one shell glob into an unanchored regex body."""
    if not pattern:
        raise FilterError("bad event pattern '': expected a name or a glob like Create*")

    def esc(char: str) -> str:
        return "\\" + char if char in _REGEX_META else char

    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        i += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            j = i
            negated = j < n and pattern[j] in "!^"
            j += negated
            # A "]" first in the set is a literal, as in the shell.
            end = pattern.find("]", j + 1 if j < n and pattern[j] == "]" else j)
            if end < 0:
                out.append(esc("["))
                continue
            members = pattern[j:end]
            parts: list[str] = []
            k = 0
            while k < len(members):
                low = members[k]
                if k + 2 < len(members) and members[k + 1] == "-":
                    high = members[k + 2]
                    if low > high:
                        raise FilterError(
                            f"bad event pattern '{_show(pattern)}': range {low}-{high} is reversed"
                        )
                    parts.append(f"{esc(low)}-{esc(high)}")
                    k += 3
                else:
                    parts.append(esc(low))
                    k += 1
            out.append("[" + ("^" if negated else "") + "".join(parts) + "]")
            i = end + 1
        else:
            out.append(esc(char))
    return "".join(out)


def compile_glob(pattern: str) -> str:
    """Translate a shell-style glob into an anchored, case-insensitive regex for Polars.

    ``*`` matches any run of characters, ``?`` one character, ``[abc]``, ``[a-z]`` and
    ``[!abc]`` (or ``[^abc]``) a set; an unclosed ``[`` is literal. Every other regex
    metacharacter is escaped, so ``Get.Object`` matches only itself.

    Args:
        pattern: The glob.

    Returns:
        A regex such as ``(?is)^(?:Create.*)$``.

    Raises:
        FilterError: The pattern is empty or has a reversed range like ``[z-a]``.
    """
    return f"(?is)^(?:{_glob_body(_clean(pattern))})$"


@lru_cache(maxsize=256)
def _ip_target(value: str, what: str = "ip") -> _Address | _Network | None:
    """Classify an IP filter value: an address, a network, or None for a substring."""
    text = value.strip()
    try:
        return _canonical_address(ipaddress.ip_address(text))
    except ValueError:
        pass
    error = FilterError(
        f"bad {what} value '{_show(value)}': expected an address, a CIDR such as "
        "10.0.0.0/8 or 2001:db8::/32, or part of a source IP"
    )
    if not text:
        raise error
    if "/" in text:  # source IPs never hold a "/", so this can only be meant as a CIDR
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise error from None
    return None


def _ip_parts(value: str) -> list[str]:
    """Split an IP filter value on commas: ``10.0.0.0/8,2001:db8::/32`` matches either."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return parts or [value]


def _canonical_address(address: _Address) -> _Address:
    """Fold IPv4-mapped IPv6 addresses (``::ffff:1.2.3.4``) onto IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _check_tactic(name: str, known: Sequence[str]) -> str:
    """Return the canonical spelling of a tactic name, or raise listing the valid ones."""
    by_lower = {k.lower(): k for k in known}
    found = by_lower.get(name.strip().lower())
    if found is None:
        raise FilterError(f"unknown tactic '{_show(name)}': expected one of {', '.join(known)}")
    return found


@dataclass(frozen=True)
class Clause:
    """One test on an event. Construction validates the value and raises :class:`FilterError`.

    Attributes:
        kind: What is tested.
        value: The user's value (text, IP, time, tactic...); unused by ERRORS and READ_ONLY.
            For ANY_OF, the value shown in the label.
        column: FIELD: the canonical column. ANY_OF: the name shown in the label (``session``).
        negate: Keep the rows the clause would drop (null-safe: a null never matches, so
            ``not principal~alice`` keeps rows whose principal is null).
        values: EVENT: several globs, OR-ed (``value`` is used when empty). ANY_OF: the
            ``column=value`` pairs, OR-ed.
        is_null: FIELD only: match rows where ``column`` is null (a pivot on a null value).
    """

    kind: Kind
    value: str = ""
    column: str | None = None
    negate: bool = False
    values: tuple[str, ...] = ()
    is_null: bool = False

    def __post_init__(self) -> None:
        kind = self.kind
        if kind in (Kind.SINCE, Kind.UNTIL):
            parse_time(self.value, newest=None, what=str(kind))
        elif kind is Kind.IP:
            for part in _ip_parts(self.value):
                _ip_target(part)
        elif kind is Kind.EVENT:
            for glob in self.globs():
                _glob_body(glob)
        elif kind is Kind.TACTIC and not self.value.strip():
            raise FilterError("bad tactic value '': expected a tactic name")
        elif kind is Kind.FIELD:
            _check_column(self.column)
        elif kind is Kind.ANY_OF:
            if not self.values:
                raise FilterError("an any-of clause needs at least one column=value pair")
            for column, _ in self.pairs():
                _check_column(column)

    def globs(self) -> tuple[str, ...]:
        """Return the globs of an EVENT clause."""
        return self.values or (self.value,)

    def pairs(self) -> list[tuple[str, str]]:
        """Return the ``(column, value)`` pairs of an ANY_OF clause."""
        out = []
        for pair in self.values:
            column, sep, value = pair.partition("=")
            if not sep:
                raise FilterError(f"bad pair '{_show(pair)}': expected column=value")
            out.append((column, value))
        return out

    def negated(self) -> Clause:
        """Return the same clause with ``negate`` flipped."""
        return replace(self, negate=not self.negate)

    def label(self) -> str:
        """Return short chip text, e.g. ``principal~alice`` or ``not ip=10.0.0.0/8``.

        Values come from logs and are returned as plain text: render them inertly.
        """
        kind = self.kind
        if kind is Kind.PRINCIPAL:
            text = f"principal~{self.value}"
        elif kind is Kind.IP:
            parts = _ip_parts(self.value)
            sep = "~" if len(parts) == 1 and _ip_target(parts[0]) is None else "="
            text = f"ip{sep}{self.value.strip()}"
        elif kind in (Kind.SINCE, Kind.UNTIL):
            text = f"{kind} {self.value}"
        elif kind is Kind.EVENT:
            text = "event=" + "|".join(self.globs())
        elif kind is Kind.TACTIC:
            text = f"tactic={self.value}"
        elif kind is Kind.ERRORS:
            text = "errors"
        elif kind is Kind.READ_ONLY:
            text = "-read-only"
        elif kind is Kind.TEXT:
            text = f"text~{self.value}"
        elif kind is Kind.FIELD:
            text = f"{self.column} is null" if self.is_null else f"{self.column}={self.value}"
        else:
            text = f"{self.column}={self.value}" if self.column else "|".join(self.values)
        return f"not {text}" if self.negate else text


def _check_column(column: str | None) -> None:
    if column not in FIELD_COLUMNS:
        raise FilterError(f"unknown column '{_show(str(column))}'")


def make_clause(
    kind: Kind,
    value: str = "",
    *,
    negate: bool = False,
    known_tactics: Sequence[str] | None = None,
    what: str | None = None,
) -> Clause:
    """Build a validated clause from user input, with its value in canonical form.

    Times become canonical UTC (``2026-01-02T00:00Z``; durations and ``until DATE`` are kept
    as typed). EVENT values are split on ``|`` and ``,`` into several globs. TACTIC names are
    matched case-insensitively against ``known_tactics`` when given.

    Args:
        kind: The clause kind (not FIELD or ANY_OF: see :func:`field_clause`, :func:`any_of`).
        value: The user's text.
        negate: Build the negated clause.
        known_tactics: Valid tactic names, to check a TACTIC value.
        what: How to name the value in error messages (e.g. ``--since``).

    Raises:
        FilterError: The value is not valid for ``kind``.
    """
    name = what or str(kind)
    value = _clean(value)
    values: tuple[str, ...] = ()
    if kind in (Kind.SINCE, Kind.UNTIL):
        value = _canonical_time(kind, value, name)
    elif kind is Kind.IP:
        value = value.strip()
        for part in _ip_parts(value):
            _ip_target(part, name)
    elif kind is Kind.EVENT:
        values = tuple(p.strip() for p in re.split(r"[|,]", value) if p.strip())
        if not values:
            raise FilterError(f"bad {name} value '': expected a name or a glob like Create*")
        value = ""
    elif kind is Kind.TACTIC and known_tactics is not None:
        value = _check_tactic(value, known_tactics)
    elif kind in (Kind.ERRORS, Kind.READ_ONLY):
        value = ""
    elif kind in (Kind.FIELD, Kind.ANY_OF):
        raise FilterError(f"use field_clause() or any_of() for {kind} clauses")
    return Clause(kind, value, negate=negate, values=values)


def field_clause(column: str, value: str | None, *, negate: bool = False) -> Clause:
    """Build a pivot clause ``column == value``; ``value=None`` matches rows where it is null.

    Raises:
        FilterError: ``column`` is not a canonical column.
    """
    if value is None:
        return Clause(Kind.FIELD, "", column=column, negate=negate, is_null=True)
    return Clause(Kind.FIELD, _clean(value), column=column, negate=negate)


def any_of(
    pairs: Sequence[tuple[str, str]],
    *,
    name: str | None = None,
    shown: str = "",
    negate: bool = False,
) -> Clause:
    """Build a clause matching rows where any ``column == value`` pair matches exactly.

    Args:
        pairs: ``(column, value)`` pairs over canonical columns.
        name: The name shown in the label (``session``); without it the pairs are shown.
        shown: The value shown after the name.
        negate: Build the negated clause.
    """
    values = tuple(f"{column}={_clean(value)}" for column, value in pairs)
    return Clause(Kind.ANY_OF, _clean(shown), column=name, negate=negate, values=values)


def session_clause(access_key_id: str, *, negate: bool = False) -> Clause:
    """Build the "session" pivot: events made with the key, or that issued it."""
    pairs = [(schema.ACCESS_KEY_ID, access_key_id), (schema.ISSUED_ACCESS_KEY_ID, access_key_id)]
    return any_of(pairs, name="session", shown=access_key_id, negate=negate)


def pivot_window(t: datetime, minutes: int = 15) -> tuple[Clause, Clause]:
    """Return SINCE and UNTIL clauses for ``minutes`` either side of ``t`` (naive = UTC)."""
    span = timedelta(minutes=minutes)
    return (
        Clause(Kind.SINCE, _format_time(_as_utc(t) - span)),
        Clause(Kind.UNTIL, _format_time(_as_utc(t) + span)),
    )


# Unique source IPs of recent frames, parsed once: id -> (frame ref, height, values, addresses).
_IP_CACHE: dict[int, tuple[weakref.ref[pl.DataFrame], int, list[str], list[_Address | None]]] = {}


def _ip_index(frame: pl.DataFrame) -> tuple[list[str], list[_Address | None]]:
    """Return the unique source IPs of ``frame`` and their parsed addresses (cached)."""
    hit = _IP_CACHE.get(id(frame))
    if hit is not None and hit[0]() is frame and hit[1] == frame.height:
        return hit[2], hit[3]
    uniques = [v for v in frame.get_column(schema.SOURCE_IP).unique().to_list() if v is not None]
    parsed: list[_Address | None] = []
    for raw in uniques:
        try:
            parsed.append(_canonical_address(ipaddress.ip_address(raw.strip())))
        except ValueError:
            parsed.append(None)
    while len(_IP_CACHE) >= 8:
        del _IP_CACHE[next(iter(_IP_CACHE))]
    _IP_CACHE[id(frame)] = (weakref.ref(frame), frame.height, uniques, parsed)
    return uniques, parsed


# Distinct values of categorical columns of recent frames: (id, column) -> (ref, height, values).
_UNIQUE_CACHE: dict[tuple[int, str], tuple[weakref.ref[pl.DataFrame], int, pl.Series]] = {}


def _uniques(frame: pl.DataFrame, column: str) -> pl.Series:
    """The distinct non-null values of a column, as strings (cached per frame)."""
    key = (id(frame), column)
    hit = _UNIQUE_CACHE.get(key)
    if hit is not None and hit[0]() is frame and hit[1] == frame.height:
        return hit[2]
    values = frame.get_column(column).unique().drop_nulls().cast(pl.String)
    while len(_UNIQUE_CACHE) >= 64:
        del _UNIQUE_CACHE[next(iter(_UNIQUE_CACHE))]
    _UNIQUE_CACHE[key] = (weakref.ref(frame), frame.height, values)
    return values


def _string_test(frame: pl.DataFrame, column: str, test: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """Apply a string test to a column; on a categorical column, to its distinct values only."""
    if isinstance(frame.schema[column], pl.Categorical):
        values = _uniques(frame, column)
        hits = values.to_frame("v").filter(test(pl.col("v"))).get_column("v")
        return pl.col(column).is_in(hits.implode())
    return test(pl.col(column).cast(pl.String))


def _contains_any(frame: pl.DataFrame, columns: Sequence[str], needle: str) -> pl.Expr:
    """Case-insensitive literal substring over the columns of ``columns`` present in frame."""
    lowered = _clean(needle).lower()

    def test(col: pl.Expr) -> pl.Expr:
        return col.str.to_lowercase().str.contains(lowered, literal=True)

    tests = [_string_test(frame, c, test) for c in columns if c in frame.schema]
    return pl.any_horizontal(tests) if tests else pl.lit(False)


def _require(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column not in frame.schema:
        raise FilterError(f"the events have no '{_show(column)}' column")
    return pl.col(column)


def _equals(frame: pl.DataFrame, column: str, value: str) -> pl.Expr:
    """Exact match of a string value against a column of any canonical dtype."""
    col = _require(frame, column)
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime):
        return col == pl.lit(parse_time(value, newest=None, what=column))
    if dtype == pl.Boolean:
        if value.strip().lower() not in ("true", "false"):
            raise FilterError(f"bad {column} value '{_show(value)}': expected true or false")
        return col == (value.strip().lower() == "true")
    if isinstance(dtype, pl.List):
        return col.list.contains(value)
    if isinstance(dtype, pl.Categorical):
        return col == value
    return col.cast(pl.String) == value


class _Builder:
    """Turns clauses into expressions over one frame."""

    def __init__(self, frame: pl.DataFrame, extended: bool, newest: datetime | None) -> None:
        self.frame = frame
        self.extended = extended
        self._newest = newest
        self._newest_known = newest is not None

    def newest(self) -> datetime | None:
        if not self._newest_known and schema.TIME in self.frame.schema:
            latest = self.frame.get_column(schema.TIME).max()
            self._newest = latest if isinstance(latest, datetime) else None
            self._newest_known = True
        return self._newest

    def expr(self, clause: Clause) -> pl.Expr:
        test = self._test(clause).fill_null(False)
        if not clause.negate:
            return test
        if clause.kind in (Kind.SINCE, Kind.UNTIL):
            return pl.col(schema.TIME).is_not_null() & ~test
        return ~test

    def _test(self, clause: Clause) -> pl.Expr:
        frame, kind, value = self.frame, clause.kind, clause.value
        if kind is Kind.PRINCIPAL:
            return _contains_any(frame, PRINCIPAL_COLUMNS, value)
        if kind is Kind.TEXT:
            return _contains_any(frame, TEXT_COLUMNS, value)
        if kind is Kind.IP:
            return self._ip(clause)
        if kind in (Kind.SINCE, Kind.UNTIL):
            time = _require(frame, schema.TIME)
            anchor = self.newest() if _is_duration(value) else None
            moment, bare_date = _parse_point(value, anchor, str(kind))
            if kind is Kind.SINCE:
                return time >= pl.lit(moment)
            if bare_date:
                return time < pl.lit(moment + timedelta(days=1))
            return time <= pl.lit(moment)
        if kind is Kind.EVENT:
            regex = "(?is)^(?:" + "|".join(_glob_body(g) for g in clause.globs()) + ")$"
            _require(frame, schema.EVENT_NAME)
            return _string_test(frame, schema.EVENT_NAME, lambda col: col.str.contains(regex))
        if kind is Kind.TACTIC:
            column = schema.TACTICS_EXTENDED if self.extended else schema.TACTICS
            wanted = value.strip().lower()
            lists = _require(frame, column)
            return lists.list.eval(pl.element().str.to_lowercase() == wanted).list.any()
        if kind is Kind.ERRORS:
            code = _require(frame, schema.ERROR_CODE)
            return code.is_not_null() & (code != "")
        if kind is Kind.READ_ONLY:
            return ~_require(frame, schema.READ_ONLY).fill_null(False)
        if kind is Kind.FIELD:
            assert clause.column is not None  # checked at construction
            if clause.is_null:
                return _require(frame, clause.column).is_null()
            return _equals(frame, clause.column, value)
        tests = [_equals(frame, c, v).fill_null(False) for c, v in clause.pairs()]
        return pl.any_horizontal(tests)

    def _ip(self, clause: Clause) -> pl.Expr:
        parts = _ip_parts(clause.value)
        if len(parts) > 1:
            return pl.any_horizontal(
                [self._ip(replace(clause, value=part)).fill_null(False) for part in parts]
            )
        target = _ip_target(parts[0])
        if target is None:
            return _contains_any(self.frame, (schema.SOURCE_IP,), clause.value.strip())
        _require(self.frame, schema.SOURCE_IP)
        uniques, parsed = _ip_index(self.frame)
        if isinstance(target, ipaddress.IPv4Network | ipaddress.IPv6Network):
            matching = [
                raw
                for raw, addr in zip(uniques, parsed, strict=True)
                if addr is not None and addr.version == target.version and addr in target
            ]
        else:
            matching = [raw for raw, addr in zip(uniques, parsed, strict=True) if addr == target]
        known = pl.lit(pl.Series(matching, dtype=pl.String)).implode()
        return pl.col(schema.SOURCE_IP).is_in(known)


@dataclass(frozen=True)
class Filters:
    """An immutable, hashable stack of clauses, all of which an event must pass."""

    clauses: tuple[Clause, ...] = ()

    def add(self, clause: Clause) -> Filters:
        """Return filters with ``clause`` added.

        An identical clause, or its negation, is replaced in place rather than duplicated
        (``f`` then ``F`` on a value flips the chip). A SINCE or UNTIL replaces the previous one
        of the same kind and sign, since only the narrowest would matter.
        """
        out: list[Clause] = []
        placed = False
        for old in self.clauses:
            same_slot = old.kind == clause.kind and old.kind in (Kind.SINCE, Kind.UNTIL)
            if old in (clause, clause.negated()) or (same_slot and old.negate == clause.negate):
                if not placed:
                    out.append(clause)
                    placed = True
                continue
            out.append(old)
        if not placed:
            out.append(clause)
        return Filters(tuple(out))

    def remove(self, index: int) -> Filters:
        """Return filters without the clause at ``index`` (IndexError when out of range)."""
        clauses = list(self.clauses)
        del clauses[index]
        return Filters(tuple(clauses))

    def without(self, kind: Kind) -> Filters:
        """Return filters without any clause of ``kind``."""
        return Filters(tuple(c for c in self.clauses if c.kind is not kind))

    def labels(self) -> list[str]:
        """Return the chip text of each clause, in order."""
        return [c.label() for c in self.clauses]

    def validate(self, known_tactics: Sequence[str]) -> Filters:
        """Return filters whose TACTIC names are spelled as in ``known_tactics``.

        Raises:
            FilterError: A tactic name is unknown; the message lists the valid names.
        """
        return Filters(
            tuple(
                replace(c, value=_check_tactic(c.value, known_tactics))
                if c.kind is Kind.TACTIC
                else c
                for c in self.clauses
            )
        )

    def to_expr(
        self, frame: pl.DataFrame, *, extended: bool = False, newest: datetime | None = None
    ) -> pl.Expr:
        """Return one boolean expression for all clauses, AND-ed (``pl.lit(True)`` if none).

        Rows with a null ``time`` are excluded by SINCE and UNTIL clauses, negated or not.

        Args:
            frame: The frame the expression will filter (or a subset of it): IP clauses are
                resolved over its unique source IPs, durations count back from its newest event.
            extended: Test TACTIC clauses against ``tactics_extended`` instead of ``tactics``.
            newest: Anchor for durations instead of the newest event of ``frame``.

        Raises:
            FilterError: A clause needs a column the frame lacks, or a FIELD value does not fit
                its column (e.g. ``read_only=maybe``).
        """
        if not self.clauses:
            return pl.lit(True)
        builder = _Builder(frame, extended, newest)
        return pl.all_horizontal([builder.expr(c) for c in self.clauses])

    def apply(
        self, frame: pl.DataFrame, *, extended: bool = False, newest: datetime | None = None
    ) -> pl.DataFrame:
        """Return the rows of ``frame`` that pass every clause (see :meth:`to_expr`)."""
        if not self.clauses:
            return frame
        return frame.filter(self.to_expr(frame, extended=extended, newest=newest))
