"""What the case's filters see: the marked events' keys and each tag's keys.

A clause is an immutable value and cannot hold the marks (they change as a responder
works), so the current marks travel beside the filters: :class:`CaseMarks` is given to
:meth:`~ctir_tui.engine.query.filters.Filters.to_expr` (and ``apply``, ``Session.view``),
and the ``marked`` and ``tag`` clauses read it from their context.

An event's key is its ``eventID``; a record without one is keyed by where it is
(``@<source file>#<record index>``), so that keys survive a reload of the same evidence,
even when files were added beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.values import FilterError, shown

#: Columns an event key is built from.
KEY_COLUMNS: Final = frozenset({c.EVENT_ID, c.SOURCE_FILE, c.REC_INDEX})
#: The key of a record without an eventID: ``@<source file>#<record index>``.
LOCATOR: Final = re.compile(r"@(.+)#(\d+)", re.DOTALL)
#: Longest tag.
MAX_TAG: Final = 64
#: A tag is one word: letters, digits and ``_ - . : + /``, starting with a letter or digit.
_TAG_RE: Final = re.compile(r"[^\W_][\w.:+/-]*")
#: The tags a responder uses most; any other word is a tag too.
COMMON_TAGS: Final = ("malicious", "benign", "needs-review")


def mark_key_expr() -> pl.Expr:
    """The key an event is marked under: the event ID, else the record's locator."""
    locator = pl.concat_str(
        [pl.lit("@"), pl.col(c.SOURCE_FILE).cast(pl.String), pl.lit("#"), pl.col(c.REC_INDEX)]
    )
    return pl.coalesce(pl.col(c.EVENT_ID), locator)


def check_tag(text: str) -> str:
    """Return the tag as kept (lower case), or raise when ``text`` is not one word.

    Raises:
        FilterError: Empty, too long, or a character a tag may not hold.
    """
    tag = text.strip().lower()
    if not tag or len(tag) > MAX_TAG or _TAG_RE.fullmatch(tag) is None:
        raise FilterError(
            f"bad tag '{shown(text)}': one word of letters, digits and _-.:+/ "
            f"(at most {MAX_TAG}), e.g. {', '.join(COMMON_TAGS)}"
        )
    return tag


@dataclass(frozen=True, slots=True)
class CaseMarks:
    """A snapshot of the case's marks and tags, for filtering.

    Attributes:
        marked: Keys of the marked events.
        tags: For each tag, the keys of the events that carry it.
    """

    marked: frozenset[str] = frozenset()
    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def tagged(self, tag: str) -> frozenset[str]:
        """Keys of the events carrying ``tag`` (empty when none do)."""
        return self.tags.get(tag, frozenset())
