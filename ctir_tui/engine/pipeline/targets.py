"""What an event acted upon, from its request parameters: the table in ``targets.toml``.

Only events named in the table have their parameters decoded, so the cost stays on the few
events a responder asks "on what?" about (user, role, policy, bucket, snapshot, trail...).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

from ctir_tui.engine.packaged import read_table

#: Longest value kept in one part of a target.
PART_LIMIT: Final = 300
#: Most parts kept for one event (a RunInstances of 500 instances stays readable).
MAX_PARTS: Final = 12


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``[[target]]`` of the table: a kind and the request fields that hold it."""

    kind: str
    paths: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Table:
    """The rules per exact event name, and for name prefixes (``UpdateFunctionCode*``)."""

    exact: dict[str, tuple[Rule, ...]]
    prefixes: tuple[tuple[str, tuple[Rule, ...]], ...]

    def rules(self, event_name: str) -> tuple[Rule, ...]:
        """The rules that apply to ``event_name`` (empty for most events)."""
        found = self.exact.get(event_name)
        if found is not None:
            return found
        for prefix, rules in self.prefixes:
            if event_name.startswith(prefix):
                return rules
        return ()


@functools.cache
def table() -> Table:
    """The packaged table (read once per process)."""
    exact: dict[str, list[Rule]] = {}
    prefixes: dict[str, list[Rule]] = {}
    for entry in read_table(resources.files("ctir_tui.engine.pipeline") / "targets.toml")["target"]:
        rule = Rule(entry["kind"], tuple(tuple(p.split(".")) for p in entry["fields"]))
        for name in entry["events"]:
            if name.endswith("*"):
                prefixes.setdefault(name[:-1], []).append(rule)
            else:
                exact.setdefault(name, []).append(rule)
    return Table(
        {k: tuple(v) for k, v in exact.items()},
        tuple((k, tuple(v)) for k, v in sorted(prefixes.items(), key=lambda kv: -len(kv[0]))),
    )


def _walk(value: Any, path: tuple[str, ...]) -> list[Any]:
    """The values at ``path`` below ``value``; a part ending in ``[]`` walks a list."""
    current = [value]
    for part in path:
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt: list[Any] = []
        for item in current:
            if not isinstance(item, dict) or key not in item:
                if key == "" and many and isinstance(item, list):
                    nxt.extend(item)
                continue
            got = item[key]
            if many:
                if isinstance(got, list):
                    nxt.extend(got)
            else:
                nxt.append(got)
        current = nxt
    return current


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text[:PART_LIMIT] if text else None


def targets(rules: tuple[Rule, ...], request: Any) -> tuple[str | None, list[str]]:
    """The target text (``kind:value; ...``) and the accounts named, from a decoded request.

    Args:
        rules: The rules of the event (see :meth:`Table.rules`).
        request: The decoded ``requestParameters``.

    Returns:
        The target (None when nothing was found) and the account ids named by shares.
    """
    if not isinstance(request, dict):
        return None, []
    parts: list[str] = []
    accounts: list[str] = []
    for rule in rules:
        for path in rule.paths:
            for found in _walk(request, path):
                text = _text(found)
                if text is None:
                    continue
                part = f"{rule.kind}:{text}"
                if part not in parts and len(parts) < MAX_PARTS:
                    parts.append(part)
                if rule.kind == "account" and text not in accounts:
                    accounts.append(text)
    return ("; ".join(parts) or None), accounts
