"""What the generator recorded about the sample it wrote: the expected values of the tests.

``tests/fixtures/sample_facts.json`` is written by ``bench/generate.py sample`` from the records
it wrote, never by reading them back with ctir. Tests compare what ctir shows with these.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from tests.conftest import REPO
from tests.domain import seed_events

FACTS_FILE = REPO / "tests" / "fixtures" / "sample_facts.json"

#: The seed table's Defense Evasion cells (DOMAIN.md, section 1), as CloudTrail names them.
DEFENSE_EVASION = seed_events("Defense Evasion")


@functools.cache
def facts() -> dict[str, Any]:
    """The whole facts file."""
    data: dict[str, Any] = orjson.loads(FACTS_FILE.read_bytes())
    return data


def total() -> int:
    """Distinct events a correct load finds."""
    return int(facts()["load"]["events"])


def problems() -> int:
    """What the status line counts as load problems: failed and salvaged files, rejected
    records (re-deliveries and files that are not logs are not problems)."""
    load = facts()["load"]
    return int(load["files"]["failed"] + len(load["salvaged"]) + load["rejected"])


def count(by: str, value: str) -> int:
    """Distinct events whose field ``by`` (a key of ``counts``, e.g. ``by_source_ip``) is value."""
    return int(facts()["counts"][by].get(value, 0))


def counts_of(by: str, values: Iterable[str]) -> int:
    """Distinct events whose field ``by`` is any of ``values``."""
    return sum(count(by, v) for v in set(values))


def incident() -> dict[str, Any]:
    """The incident's pivots, steps and events."""
    data: dict[str, Any] = facts()["incident"]
    return data


def incident_events(where: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """The incident's events (as the generator wrote them), optionally those ``where`` keeps."""
    events: list[dict[str, Any]] = incident()["events"]
    return [e for e in events if where is None or where(e)]


def shown(n: int) -> str:
    """The start of the status line when ``n`` events are shown."""
    return f"{n:,} of {total():,} events"
