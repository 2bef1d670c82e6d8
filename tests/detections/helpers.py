"""Hand-made records and rules for the detection tests, and one call that runs them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from ctir_tui.engine.detections import RuleSet, SigmaResult, evaluate, load_rules
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.session import Session
from tests.factory import record, write_s3

HEADER = """\
title: {title_json}
id: {id}
author: ctir tests
level: medium
logsource:
    product: aws
    service: cloudtrail
"""


def rule_text(title: str, detection: str, rule_id: str = "") -> str:
    """A rule document: ``detection`` is the YAML under ``detection:`` (indented by us)."""
    head = HEADER.format(title_json=json.dumps(title), id=rule_id or _uuid(title))
    return (
        head + "detection:\n" + textwrap.indent(textwrap.dedent(detection).strip(), "    ") + "\n"
    )


def _uuid(title: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ctir-test:" + title))


def write_rules(folder: Path, rules: dict[str, str]) -> Path:
    """``rules`` (file name -> YAML text) written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in rules.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def session_of(folder: Path, records: list[dict[str, Any]]) -> Session:
    """The records as one trail delivery file, loaded without a cache."""
    write_s3(folder / "trail" / "r.json.gz", records)
    return Session.open([folder / "trail"], LoadOptions(use_cache=False))


def run(
    tmp: Path, records: list[dict[str, Any]], rules: dict[str, str]
) -> tuple[SigmaResult, RuleSet]:
    """Evaluate ``rules`` over ``records``."""
    ruleset = load_rules([write_rules(tmp / "rules", rules)])
    return evaluate(session_of(tmp, records), ruleset), ruleset


def hits_by_title(result: SigmaResult) -> dict[str, set[str]]:
    """Event ids each rule matched, by rule title."""
    return {h.rule.title: set(h.event_ids) for h in result.hits}


def rec(n: int, **fields: Any) -> dict[str, Any]:
    """``tests.factory.record`` numbered ``n`` (eventID ``evt-0000000n``)."""
    return record(n, **fields)


def eid(n: int) -> str:
    """The eventID of record ``n``."""
    return f"evt-{n:08d}"
