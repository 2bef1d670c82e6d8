"""How the investigation screens write values: inert, one line, times as the filters do.

Everything here returns text that is safe to draw: values come from logs (and rules, and
notes) and go through :func:`~ctir_tui.text.inert`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from ctir_tui.engine.times import when
from ctir_tui.text import fit, inert

#: What an IAM or STS ARN starts with before its account (left out where room is short).
_ARN_HEAD: Final = re.compile(r"arn:aws[\w-]*:(?:iam|sts)::(?=\d)")
#: The severity words, as wide as the widest.
SEVERITY_WIDTH: Final = 8
#: The component class of each severity (see RowList).
SEVERITY_CLASS: Final = {
    "critical": "row-list--critical",
    "high": "row-list--high",
    "medium": "row-list--medium",
    "low": "row-list--low",
    "info": "row-list--info",
    "none": "row-list--dim",
}


def span(first: datetime | None, last: datetime | None) -> str:
    """``first..last`` (event times, to the second), the second without its date when it
    is the same day."""
    if first is None or first == last:
        return when(first, seconds=True)
    start, end = when(first, seconds=True), when(last, seconds=True)
    if isinstance(last, datetime) and start[:11] == end[:11]:
        end = end[11:]
    return f"{start}..{end}"


def duration(length: timedelta) -> str:
    """A length as days, hours, minutes and seconds: ``2d03h``, ``1h01m04s``, ``45s``."""
    seconds = int(length.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m{seconds:02d}s" if seconds else f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


def value(v: Any, limit: int = 300) -> str:
    """A value as inert one-line text (``-`` for none, flags as yes/no)."""
    if v is None or v == "":
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, datetime):
        return when(v)
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}"
    return inert(v, limit=limit)


def compact(text: str) -> str:
    """ARNs of IAM and STS without their common head: ``111122223333:user/alice``."""
    return _ARN_HEAD.sub("", text)


#: Fields that say what a row is about, shown first when a row has them.
FIRST: Final = ("kind", "value")


def fields(row: Mapping[str, Any], skip: tuple[str, ...] = ()) -> str:
    """A row's fields as ``name=value, ...`` (empty ones left out, ARNs compact)."""
    order = [k for k in FIRST if k in row] + [k for k in row if k not in FIRST]
    return ", ".join(
        f"{inert(k, limit=40)}={compact(value(row[k], 120))}"
        for k in order
        if row[k] not in (None, "") and k not in skip
    )


def severity(word: str) -> tuple[str, str]:
    """A severity as a part: upper case, padded, with its class."""
    return (fit(word.upper(), SEVERITY_WIDTH), SEVERITY_CLASS.get(word, ""))


def counted(n: int, noun: str) -> str:
    """``1 event``, ``2,137 events``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def count(n: int, width: int = 7) -> str:
    """A count, right-aligned."""
    return f"{n:>{width},}"
