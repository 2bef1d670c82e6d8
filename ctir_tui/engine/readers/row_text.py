"""Trino's text for ROW, ARRAY and MAP values, as Athena's CSV and CloudTrail Lake print them.

Athena's console writes a struct column as ``{type=IAMUser, principalid=AIDA..., arn=...,
sessioncontext={attributes={mfaauthenticated=false, ...}, ...}}``, an array as
``[{arn=..., accountid=..., type=...}]``, ``null`` for a missing value; CloudTrail Lake
prints its maps the same way (``{bucketName=b, Host=h}``). The text is lossy: a value
holding ``", key="`` cannot be told from two fields. This parser reads it back into plain
values (strings, dicts, lists), reading a value that is itself JSON text as JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

_KEY: Final = re.compile(r"[A-Za-z_@$][\w@$.:-]*=")
#: Where a scalar ends: before ``, key=``, or the closing bracket of its container.
_END_IN_OBJECT: Final = re.compile(r", (?=[A-Za-z_@$][\w@$.:-]*=)|\}")
_END_IN_ARRAY: Final = re.compile(r", |\]")
_DECODER: Final = json.JSONDecoder()


class RowTextError(ValueError):
    """The text is not a ROW, ARRAY or MAP as Trino prints them."""


def parse_row_text(text: str) -> Any:
    """Read Trino's text of a ROW/ARRAY/MAP back into dicts, lists and strings.

    Raises:
        RowTextError: It does not read as one.
    """
    value, end = _value(text, 0, None)
    if end != len(text):
        raise RowTextError(f"unexpected text at {end}")
    return value


def _value(text: str, pos: int, closer: re.Pattern[str] | None) -> tuple[Any, int]:
    if text.startswith("{", pos):
        if text.startswith('{"', pos):  # JSON text inside (a map's value, a JSON column)
            try:
                return _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError:
                pass
        return _object(text, pos + 1)
    if text.startswith("[", pos):
        return _array(text, pos + 1)
    if closer is None:
        return _scalar(text[pos:]), len(text)
    match = closer.search(text, pos)
    end = match.start() if match else len(text)
    return _scalar(text[pos:end]), end


def _scalar(text: str) -> Any:
    return None if text == "null" else text


def _object(text: str, pos: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    if text.startswith("}", pos):
        return out, pos + 1
    while True:
        key = _KEY.match(text, pos)
        if key is None:
            raise RowTextError(f"expected key= at {pos}")
        name = key.group()[:-1]
        value, pos = _value(text, key.end(), _END_IN_OBJECT)
        out[name] = value
        if text.startswith("}", pos):
            return out, pos + 1
        if not text.startswith(", ", pos):
            raise RowTextError(f"expected ', ' or '}}' at {pos}")
        pos += 2


def _array(text: str, pos: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    if text.startswith("]", pos):
        return out, pos + 1
    while True:
        value, pos = _value(text, pos, _END_IN_ARRAY)
        out.append(value)
        if text.startswith("]", pos):
            return out, pos + 1
        if not text.startswith(", ", pos):
            raise RowTextError(f"expected ', ' or ']' at {pos}")
        pos += 2
