"""ATT&CK tags -> tactics with v19 names; Defense Evasion split as v19 split it."""

from __future__ import annotations

import pytest

from ctir_tui.engine.detections.attack import resolve


@pytest.mark.parametrize(
    ("tags", "tactics"),
    [
        (["attack.stealth"], ("Stealth",)),
        (["attack.defense-impairment", "attack.t1685.002"], ("Defense Impairment",)),
        (["attack.defense-evasion", "attack.t1562.008"], ("Defense Impairment",)),
        (["attack.defense-evasion", "attack.t1070"], ("Stealth",)),
        (["attack.defense-evasion"], ("Stealth",)),
        (
            ["attack.defense-evasion", "attack.t1562.001", "attack.t1078"],
            ("Stealth", "Defense Impairment"),
        ),
        (
            ["attack.persistence", "attack.initial-access", "cve.2021-1"],
            ("Initial Access", "Persistence"),
        ),
        (["attack.ta0007", "attack.command-and-control"], ("Discovery", "Command and Control")),
        (["attack.t1078.004"], ()),
    ],
)
def test_tactics(tags: list[str], tactics: tuple[str, ...]) -> None:
    assert resolve(tags)[0] == tactics


def test_techniques_as_written_in_upper_case() -> None:
    assert resolve(["attack.t1078.004", "attack.persistence", "attack.T1098"])[1] == (
        "T1078.004",
        "T1098",
    )
