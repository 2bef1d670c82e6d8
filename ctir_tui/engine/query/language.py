"""The filter language, shared by the explorer's filter bar and the command line.

``principal alice``, ``not ip 10.0.0.0/8``, ``since 6h``, ``event Create*``, ``marked``,
``tag malicious`` (the last two need the case, see :mod:`.marks`); anything that
does not start with a filter word is free text. Each word names a clause class; the command
line's ``--principal X`` is the same as typing ``principal X``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ctir_tui.engine.query.case_clauses import MarkedClause, TagClause
from ctir_tui.engine.query.clauses import (
    Clause,
    ErrorsClause,
    EventClause,
    IpClause,
    PrincipalClause,
    ReadOnlyClause,
    TacticClause,
    TextClause,
)
from ctir_tui.engine.query.flag_clauses import FlaggedClause
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause
from ctir_tui.engine.query.values import FilterError

#: Words accepted at the start of a filter, and the clause class each makes.
WORDS: Final[dict[str, type[Clause]]] = {
    "principal": PrincipalClause,
    "p": PrincipalClause,
    "ip": IpClause,
    "since": SinceClause,
    "until": UntilClause,
    "event": EventClause,
    "e": EventClause,
    "tactic": TacticClause,
    "errors": ErrorsClause,
    "readonly": ReadOnlyClause,
    "text": TextClause,
    "marked": MarkedClause,
    "tag": TagClause,
    "flagged": FlaggedClause,
}
#: Words that need no value.
FLAGS: Final = frozenset({"errors", "readonly", "marked", "flagged"})

HINT: Final = (
    "principal TEXT | ip ADDR/CIDR | since 6h | until 2026-01-02 | event Create* | "
    "tactic NAME | errors | readonly | marked | tag WORD | flagged | text WORD   "
    "(prefix 'not' to exclude; esc closes)"
)


def make(
    word: str,
    value: str = "",
    *,
    negate: bool = False,
    what: str | None = None,
    known_tactics: Sequence[str] | None = None,
) -> Clause:
    """Build the clause a filter word names, from its value.

    Raises:
        FilterError: Unknown word, or a value that does not fit it.
    """
    kind = WORDS.get(word.lower())
    if kind is None:
        raise FilterError(f"unknown filter '{word}'")
    return kind.from_text(value, negate=negate, what=what or word, known_tactics=known_tactics)


def parse_filter(text: str, known_tactics: Sequence[str] | None = None) -> Clause:
    """Turn what the user typed into a clause.

    Raises:
        FilterError: The value does not fit the filter (the message says why).
    """
    words = text.strip().split(None, 1)
    if not words:
        raise FilterError("type a filter, e.g. 'ip 203.0.113.7' or 'since 6h'")
    negate = False
    if words[0].lower() in ("not", "!"):
        negate = True
        words = words[1].split(None, 1) if len(words) > 1 else []
        if not words:
            raise FilterError("'not' needs a filter after it")
    word = words[0].lower()
    if word not in WORDS:
        return TextClause.from_text(text.strip(), negate=negate)
    value = words[1] if len(words) > 1 else ""
    if word not in FLAGS and not value.strip():
        raise FilterError(f"'{words[0]}' needs a value")
    return make(word, value, negate=negate, what=words[0], known_tactics=known_tactics)
