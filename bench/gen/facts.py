"""Facts about the sample for tests: what a correct loader must find, from the ledger alone.

Nothing here reads the files back or imports the explorer: every figure comes from the records
the generator registered as it wrote them (see ``ledger``) and from the incident's own account
of what it did (``IncidentFacts``). Counts skip absent and empty values.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from bench.gen.incident import IncidentFacts
from bench.gen.ledger import Ledger
from bench.gen.record import Record

#: Where the facts about the repo's sample_logs/ live (never inside the evidence folder).
SAMPLE_FACTS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "sample_facts.json"


def event_time(rec: Record) -> str | None:
    """Return the record's time as CloudTrail writes it: eventTime, else Logstash's @timestamp."""
    value = rec.get("eventTime") or rec.get("@timestamp")
    return re.sub(r"\.\d+Z$", "Z", value) if isinstance(value, str) else None


def event_name(rec: Record) -> str | None:
    """Return eventName, or the name an Insights record is about."""
    return rec.get("eventName") or (rec.get("insightDetails") or {}).get("eventName")


def _identity(name: str) -> Callable[[Record], Any]:
    return lambda rec: (rec.get("userIdentity") or {}).get(name)


def tally(records: Iterable[Record], value: Callable[[Record], Any]) -> dict[str, int]:
    """Return {value: number of records}, sorted by value, skipping absent and empty values."""
    counts = Counter(str(v) for v in map(value, records) if v not in (None, ""))
    return dict(sorted(counts.items()))


COUNTERS: dict[str, Callable[[Record], Any]] = {
    "by_source_ip": lambda r: r.get("sourceIPAddress"),
    "by_event_name": event_name,
    "by_access_key": _identity("accessKeyId"),
    "by_principal_arn": _identity("arn"),
    "by_user_name": _identity("userName"),
    "by_region": lambda r: r.get("awsRegion"),
    "by_account": lambda r: r.get("recipientAccountId"),
    "by_error_code": lambda r: r.get("errorCode"),
}


def counts(events: list[Record]) -> dict[str, Any]:
    """Return the breakdowns of the distinct events."""
    out: dict[str, Any] = {name: tally(events, fn) for name, fn in COUNTERS.items()}
    out["errors"] = sum(1 for r in events if r.get("errorCode"))
    out["errors_by_event_name"] = tally((r for r in events if r.get("errorCode")), event_name)
    out["read_only"] = sum(1 for r in events if r.get("readOnly") is True)
    out["console_login_failures"] = sum(
        1 for r in events if (r.get("responseElements") or {}).get("ConsoleLogin") == "Failure"
    )
    return out


def load_facts(ledger: Ledger) -> dict[str, Any]:
    """Return what a correct load of the folder reports: files, records, events, problems."""
    outcomes = Counter(e.outcome for _f, e in ledger.entries())
    status = Counter(f.status for f in ledger.files)
    events = ledger.events()
    return {
        "files": {
            "total": len(ledger.files),
            "read": status["read"],
            "skipped": status["skipped"],
            "failed": status["failed"],
        },
        "records_seen": sum(outcomes.values()),
        "events": outcomes["load"],
        "duplicates": outcomes["duplicate"],
        "rejected": outcomes["reject"],
        "no_time": sum(1 for r in events if event_time(r) is None),
        "salvaged": [f.path for f in ledger.files if f.salvaged],
        "skipped": [{"path": f.path, "why": f.why} for f in ledger.files if f.status == "skipped"],
        "failed": [{"path": f.path, "why": f.why} for f in ledger.files if f.status == "failed"],
        "rejected_records": [
            {"path": f.path, "index": i, "reason": e.reason}
            for f in ledger.files
            for i, e in enumerate(f.entries)
            if e.outcome == "reject"
        ],
    }


def event_summary(rec: Record, step: str) -> dict[str, Any]:
    """The fields a responder pivots on, of one incident event, as the generator wrote them."""
    ident = rec.get("userIdentity") or {}
    issued = ((rec.get("responseElements") or {}).get("credentials") or {}).get("accessKeyId")
    return {
        "id": rec.get("eventID"),
        "step": step,
        "time": event_time(rec),
        "name": event_name(rec),
        "source": rec.get("eventSource"),
        "ip": rec.get("sourceIPAddress"),
        "key": ident.get("accessKeyId") or None,
        "arn": ident.get("arn"),
        "user": ident.get("userName"),
        "region": rec.get("awsRegion"),
        "error": rec.get("errorCode"),
        "read_only": rec.get("readOnly"),
        "issued_key": issued,
    }


def incident_facts(events: list[Record], facts: IncidentFacts) -> dict[str, Any]:
    """Return the incident's pivots, its events, and its steps with their events."""
    wanted = set(facts.event_ids)
    by_id = {r["eventID"]: r for r in events if r.get("eventID") in wanted}
    if len(by_id) != len(facts.event_ids):
        raise ValueError("an incident event is not among the events a loader must load")
    mine = [by_id[eid] for eid in facts.event_ids]
    out = {k: v for k, v in dataclasses.asdict(facts).items() if k != "steps"}
    out["steps"] = [
        {
            "name": name,
            "event_ids": list(ids),
            "event_names": tally((by_id[eid] for eid in ids), event_name),
        }
        for name, ids in facts.steps
    ]
    step_of = {eid: name for name, ids in facts.steps for eid in ids}
    out["events"] = [event_summary(rec, step_of[rec["eventID"]]) for rec in mine]
    out["by_source_ip"] = tally(mine, COUNTERS["by_source_ip"])
    out["by_access_key"] = tally(mine, COUNTERS["by_access_key"])
    out["by_event_name"] = tally(mine, event_name)
    return out


def file_list(ledger: Ledger) -> list[dict[str, Any]]:
    """Return every file with its shape, expected status and number of records."""
    out = []
    for f in ledger.files:
        item: dict[str, Any] = {"path": f.path, "shape": f.shape, "status": f.status}
        if f.why:
            item["why"] = f.why
        if f.salvaged:
            item["salvaged"] = True
        item["records"] = len(f.entries)
        out.append(item)
    return out


def sample_facts(ledger: Ledger, facts: IncidentFacts, seed: int) -> dict[str, Any]:
    """Return every fact about the sample folder, after checking the ledger is consistent."""
    from bench.gen.questions import question_facts  # it reads this module's helpers

    ledger.check()
    events = ledger.events()
    times = sorted(t for t in map(event_time, events) if t is not None)
    return {
        "generator": {
            "command": f"python bench/generate.py sample --out sample_logs --seed {seed}",
            "seed": seed,
            "about": (
                "What a correct loader must find in the sample folder, recorded by the generator "
                "as it wrote each file; regenerate, never edit."
            ),
        },
        "load": load_facts(ledger),
        "counts": counts(events),
        "incident": incident_facts(events, facts),
        "time_range": {"first": times[0], "last": times[-1]},
        "newest": {
            "time": times[-1],
            "event_ids": [r.get("eventID") for r in events if event_time(r) == times[-1]],
        },
        "files": file_list(ledger),
        "questions": question_facts(events, facts),
    }


def write_facts(path: Path, facts: dict[str, Any]) -> None:
    """Write the facts as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(facts, option=orjson.OPT_INDENT_2) + b"\n")
