"""A rule's ATT&CK tags -> the tactics they name, with ATT&CK v19 names.

Sigma tags name tactics by slug (``attack.persistence``, ``attack.ta0003``) and techniques by
id (``attack.t1078.004``). Names come from the versioned table of
:mod:`ctir_tui.engine.tactics` (v19: TA0005 is "Stealth", TA0112 "Defense Impairment").
Rules written before v19 say ``attack.defense-evasion``: it reads as Defense Impairment when
the rule's techniques impair defences (T1562 in v18; T1685-T1690 in v19), as Stealth when
they do something else or when no technique is given (TA0005 kept its id).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Final

from ctir_tui.engine.tactics.data import load_mapping

_STEALTH: Final = "TA0005"
_IMPAIRMENT: Final = "TA0112"
#: Technique families that impair defences: T1562 (v18, retired in v19) and its successors.
IMPAIRING: Final = frozenset({"T1562", "T1685", "T1686", "T1687", "T1688", "T1689", "T1690"})
_TECHNIQUE: Final = re.compile(r"t\d{4}(?:\.\d{3})?")
_TACTIC_ID: Final = re.compile(r"ta\d{4}")


@functools.cache
def _names() -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    """(tactic id -> v19 name, slug -> tactic id, matrix order)."""
    mapping = load_mapping(attack_version="v19")
    slugs = {name.lower().replace(" ", "-"): tid for tid, name in mapping.names.items()}
    slugs["defense-evasion"] = _STEALTH  # decided per rule, see resolve()
    return dict(mapping.names), slugs, mapping.order


def resolve(tags: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The tactics (v19 names, matrix order) and technique ids (upper case) ``tags`` name."""
    names, slugs, order = _names()
    techniques: list[str] = []
    tactic_ids: set[str] = set()
    evasion = False
    for tag in tags:
        namespace, _, value = tag.strip().lower().partition(".")
        if namespace != "attack":
            continue
        if _TECHNIQUE.fullmatch(value):
            techniques.append(value.upper())
        elif _TACTIC_ID.fullmatch(value):
            tactic_ids.add(value.upper())
        elif value == "defense-evasion":
            evasion = True
        elif value in slugs:
            tactic_ids.add(slugs[value])
    if evasion:
        families = [t.split(".")[0] in IMPAIRING for t in techniques]
        if any(families):
            tactic_ids.add(_IMPAIRMENT)
        if not all(families) or not families:
            tactic_ids.add(_STEALTH)
    ordered = [names[t] for t in order if t in tactic_ids]
    ordered += sorted(t for t in tactic_ids if t not in names)
    return tuple(ordered), tuple(dict.fromkeys(techniques))
