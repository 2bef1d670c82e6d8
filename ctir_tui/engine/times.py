"""Every time ctir reads or writes: record times, user-given times, epoch stamps.

* :func:`record_time_fast` and :func:`record_time_other` parse the ``eventTime`` column of
  many records at once (Polars expressions): CloudTrail's own form first, then the other
  ISO 8601 forms exporters write, only where the first failed.
* :func:`parse_point` and :func:`parse_user_time` read a time typed by a user: a date, a
  timestamp, or a duration counted back from the newest event.
* :func:`format_time` writes the canonical compact UTC form used in filter labels.
* :func:`epoch_ms_to_iso` turns an envelope's epoch milliseconds into record text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Final

import polars as pl

from ctir_tui.text import inert

TIME_HINT: Final = "expected an ISO 8601 date or timestamp, or a duration like 90m, 6h, 7d"
_DURATION_RE: Final = re.compile(r"(?:\d+\s*[smhdw]\s*)+", re.IGNORECASE)
_DURATION_PART_RE: Final = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# Most specific first; "%.f" also accepts no fraction. Tried in turn on what is still null.
_RECORD_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f",
)


class TimeError(ValueError):
    """A user-given time that cannot be read; the message is one line."""


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (naive times are taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_duration(text: str) -> bool:
    """Whether ``text`` is a duration such as ``90m`` or ``1h30m``."""
    return _DURATION_RE.fullmatch(text.strip()) is not None


def parse_point(text: str, newest: datetime | None, what: str) -> tuple[datetime, bool]:
    """Parse a user-given time; return it (UTC) and whether it was a bare date.

    Args:
        text: A date (``2026-01-02``), a timestamp (``T`` or a space, optional fraction,
            ``Z``, an offset or nothing for UTC), or a duration back from ``newest``.
        newest: The anchor of durations (``None``: now).
        what: How to name the value in an error (``--since``).

    Raises:
        TimeError: The text is none of these.
    """
    stripped = text.strip()
    error = TimeError(f"bad {what} value '{inert(text, limit=60)}': {TIME_HINT}")
    if is_duration(stripped):
        seconds = sum(
            int(n) * _UNIT_SECONDS[unit.lower()] for n, unit in _DURATION_PART_RE.findall(stripped)
        )
        anchor = as_utc(newest) if newest is not None else datetime.now(UTC)
        try:
            return anchor - timedelta(seconds=seconds), False
        except OverflowError:
            raise TimeError(
                f"bad {what} value '{inert(text, limit=60)}': duration too long"
            ) from None
    try:
        if _DATE_RE.fullmatch(stripped):
            day = date.fromisoformat(stripped)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        if not stripped[:4].isdigit():
            raise error
        return as_utc(datetime.fromisoformat(stripped.upper())), False
    except (ValueError, OverflowError):
        raise error from None


def parse_duration(text: str, what: str = "duration") -> timedelta:
    """A positive duration such as ``5m``, ``1h30m`` or ``7d``.

    Raises:
        TimeError: The text is not a duration, or it is zero or absurdly long.
    """
    stripped = text.strip()
    if not is_duration(stripped):
        raise TimeError(
            f"bad {what} value '{inert(text, limit=60)}': expected a duration like 30s, 5m, 1h, 1d"
        )
    seconds = sum(
        int(n) * _UNIT_SECONDS[unit.lower()] for n, unit in _DURATION_PART_RE.findall(stripped)
    )
    if seconds <= 0 or seconds > 3660 * 86400:
        raise TimeError(f"bad {what} value '{inert(text, limit=60)}': between 1s and 10 years")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """A duration in the largest whole unit: ``5m``, ``1h``, ``90s``, ``1d``, ``2w``."""
    seconds = int(span.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_user_time(text: str, *, newest: datetime | None, what: str = "time") -> datetime:
    """Parse a user-given time to an aware UTC datetime (see :func:`parse_point`).

    Raises:
        TimeError: The text is not a time.
    """
    return parse_point(text, newest, what)[0]


#: The first and last moments a time filter can name.
EARLIEST: Final = datetime.min.replace(tzinfo=UTC)
LATEST: Final = datetime.max.replace(tzinfo=UTC)


def shift(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, held at the first or last representable moment, never past."""
    try:
        return moment + delta
    except OverflowError:
        return LATEST if delta > timedelta(0) else EARLIEST


def format_time(moment: datetime, *, seconds: bool = False) -> str:
    """The canonical, compact UTC form: ``2026-01-02T00:00Z`` (seconds only when set, or
    always with ``seconds``: a column of event times then lines up)."""
    moment = as_utc(moment)
    out = f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M")  # %Y drops zeros before 1000
    if seconds or moment.second or moment.microsecond:
        out += moment.strftime(":%S")
    if moment.microsecond:
        out += moment.strftime(".%f")
    return out + "Z"


def when(value: datetime | None, *, seconds: bool = False) -> str:
    """A time as the filters write it (``2025-03-12T02:17:38Z``), ``-`` for none; with
    ``seconds``, seconds even when they are 0 (event times in a column line up). The CLI's
    tables and the explorer's panes both write times with it."""
    return format_time(value, seconds=seconds) if isinstance(value, datetime) else "-"


def iso_z(value: object) -> str | None:
    """A datetime as ISO 8601 with ``Z``; anything else as None."""
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else None


def epoch_ms_to_iso(stamp: float) -> str | None:
    """Epoch milliseconds as record text (``2026-01-02T03:04:05.000000Z``), None if absurd."""
    try:
        moment = datetime.fromtimestamp(stamp / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_time_fast(text: pl.Expr) -> pl.Expr:
    """Parse CloudTrail's own form (``2026-01-02T03:04:05Z``) to ``Datetime("us", "UTC")``.

    A fixed format parses five times faster than the general one; other forms become null,
    for :func:`record_time_other` to try where this one failed.
    """
    return text.str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_unit="us", time_zone="UTC", strict=False)


def record_time_other(text: pl.Expr) -> pl.Expr:
    """Parse the other ISO 8601 forms exporters write; what is no time becomes null.

    Fractional seconds, numeric offsets (converted to UTC), a space instead of ``T``, and
    naive times (taken as UTC) are accepted.
    """
    attempts = [
        text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
        if "%z" in fmt
        else text.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone("UTC")
        for fmt in _RECORD_FORMATS
    ]
    return pl.coalesce(attempts)
