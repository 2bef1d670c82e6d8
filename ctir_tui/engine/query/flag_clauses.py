"""The events ctir flagged as suspicious while loading them.

A trail never writes duplicate keys, two different records under one eventID, an identity
that is not an object, lone surrogates, 5,000-digit numbers, nesting past 200 levels or an
unreadable time: a record that does was made or changed by someone else, so the loader
keeps it, flags it (``flags``, with what it found in ``notes``) and these clauses find it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.query.clauses import Clause, Typed
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.values import FilterError, shown

#: Every flag the loader sets, and what it means.
KNOWN_FLAGS: Final = {
    "duplicate-keys": "a key given twice (both values are in the notes)",
    "conflicting-copy": "another record has the same eventID and different content",
    "bad-identity": "userIdentity is not an object of the usual shape",
    "bad-unicode": "invalid Unicode (lone surrogates), replaced",
    "big-number": "an integer of more than 100 digits, kept as text",
    "deep-nesting": "a field nested deeper than 200 levels",
    "bad-time": "an eventTime that could not be read",
}


@dataclass(frozen=True, kw_only=True)
class FlaggedClause(Clause):
    """Events carrying a suspicion flag: any (``flagged``), or one (``flagged bad-time``)."""

    flag: str = ""
    word: ClassVar[str] = "flagged"

    def __post_init__(self) -> None:
        if self.flag and self.flag not in KNOWN_FLAGS:
            raise FilterError(
                f"unknown flag '{shown(self.flag)}': expected one of {', '.join(KNOWN_FLAGS)}"
            )

    @classmethod
    def parse(cls, typed: Typed, negate: bool) -> Clause:
        """An optional flag name."""
        return cls(flag=typed.value.strip().lower(), negate=negate)

    def test(self, ctx: Context) -> pl.Expr:
        """The event's flags hold ``flag`` (or any flag)."""
        flags = ctx.require(c.FLAGS).cast(pl.String)
        if not self.flag:
            return flags.is_not_null()
        return flags.str.split(",").list.contains(self.flag).fill_null(False)

    def body(self) -> str:
        """``flagged`` or ``flagged bad-time``."""
        return f"flagged {self.flag}" if self.flag else "flagged"
