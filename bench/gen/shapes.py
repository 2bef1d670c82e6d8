"""The sample's other input shapes: bare records, lookup-events, CloudWatch Logs, a pretty copy,
a zip, Logstash, a note and a broken file (CloudTrail's own side files are in ``sidefiles``).

Each writer draws from the Scenario's generator in the order ``write_other_shapes`` calls it.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.gen import sidefiles
from bench.gen.delivery import Delivery, trail_key
from bench.gen.identities import ACCOUNT
from bench.gen.ids import alnum, millis
from bench.gen.ledger import Entry, Ledger, duplicated, loaded
from bench.gen.output import dumps, gz, write_bytes
from bench.gen.personas import extras
from bench.gen.record import Record
from bench.gen.scenario import Scenario

NOTES = """Incident 2025-03-12 - working notes
- GuardDuty stopped reporting at 02:18 UTC; org trail still delivering.
- Finance flagged a cost spike in ap-southeast-2 (p4d instances).
- TODO: rotate svc-backup key, check who knew the backup server config.
"""
#: The folder of the other shapes, inside the evidence folder.
FOLDER = "other-shapes"


@dataclass
class ShapeWriter:
    """Where the shapes go, what they draw from, the README's line about each file, the ledger."""

    base: Path
    rng: random.Random
    extra: Iterator[Record]
    ledger: Ledger
    notes: dict[str, str] = field(default_factory=dict)

    def mix(self, overlap: list[Record], unique: int) -> list[Entry]:
        """Return ``overlap`` (copies of trail events) and ``unique`` records of nowhere else."""
        return duplicated(overlap) + loaded(self.new(unique))

    def new(self, n: int) -> list[Record]:
        """Return ``n`` records found in no other file."""
        return [next(self.extra) for _ in range(n)]

    def save(self, rel: str, data: bytes, note: str) -> None:
        """Write one file and its README line (its records are registered by the caller)."""
        write_bytes(self.base, rel, data)
        self.notes[rel] = note

    def register(self, rel: str, shape: str, entries: Iterable[Entry] = (), **kw: Any) -> None:
        """Register a file of the folder, or a zip member ``archive.zip!member``, in the ledger."""
        self.ledger.add(f"{FOLDER}/{rel}", shape, entries, **kw)

    def write(
        self, rel: str, data: bytes, note: str, shape: str, entries: Iterable[Entry] = (), **kw: Any
    ) -> None:
        """Write one file, its README line and its ledger entry (``kw``: status, why, salvaged)."""
        self.save(rel, data, note)
        self.register(rel, shape, entries, **kw)


def records(entries: list[Entry]) -> list[Record]:
    """Return the records of ``entries``, in order."""
    return [e.record for e in entries]


def lookup_item(rec: Record) -> dict[str, Any]:
    """Return the ``aws cloudtrail lookup-events`` item for a record."""
    ident = rec.get("userIdentity") or {}
    user = ident.get("userName") or str(ident.get("arn", "")).rsplit("/", 1)[-1] or None
    item: dict[str, Any] = {
        "EventId": rec["eventID"],
        "EventName": rec["eventName"],
        "ReadOnly": str(rec.get("readOnly", False)).lower(),
    }
    if ident.get("accessKeyId"):
        item["AccessKeyId"] = ident["accessKeyId"]
    item["EventTime"] = rec["eventTime"].replace("Z", "+00:00")
    item["EventSource"] = rec["eventSource"]
    if user:
        item["Username"] = user
    item["Resources"] = [
        {"ResourceType": r.get("type"), "ResourceName": r.get("ARN")}
        for r in rec.get("resources") or []
    ]
    item["CloudTrailEvent"] = dumps(rec).decode()
    return item


def bare_records(w: ShapeWriter, inc: list[Record]) -> None:
    """A JSON array and JSON Lines of bare records."""
    arr = w.mix(inc[:3], 3)
    w.write(
        "array.json",
        orjson.dumps(records(arr), option=orjson.OPT_INDENT_2),
        f"JSON array, {len(arr)} records (3 also in the trail)",
        "json-array",
        arr,
    )
    jl = w.mix(inc[3:6], 3)
    w.write(
        "records.jsonl",
        b"".join(dumps(r) + b"\n" for r in records(jl)),
        f"JSON Lines, {len(jl)} records (3 also in the trail)",
        "json-lines",
        jl,
    )


def lookup_events(w: ShapeWriter, inc: list[Record]) -> None:
    """lookup-events: two pages concatenated, then the items one per line."""
    lk = w.mix(inc[6:10], 4)
    items = [lookup_item(r) for r in records(lk)]
    page1 = {"Events": items[:4], "NextToken": alnum(w.rng, 120)}
    page2 = {"Events": items[4:]}
    text = orjson.dumps(page1, option=orjson.OPT_INDENT_2) + b"\n"
    text += orjson.dumps(page2, option=orjson.OPT_INDENT_2) + b"\n"
    w.write(
        "lookup-events.json",
        text,
        f"two lookup-events pages, {len(lk)} events (4 in the trail)",
        "lookup-events",
        lk,
    )
    lkl = w.mix(inc[10:12], 3)
    w.write(
        "lookup-events.jsonl",
        b"".join(dumps(lookup_item(r)) + b"\n" for r in records(lkl)),
        f"lookup-events items, {len(lkl)} events (2 in the trail)",
        "json-lines",
        lkl,
    )


def cloudwatch(w: ShapeWriter, inc: list[Record]) -> None:
    """CloudWatch Logs: filter-log-events, a subscription payload, an S3 export."""
    stream = f"{ACCOUNT}_CloudTrail_us-east-1"
    cw = w.mix(inc[12:15], 2)
    events: list[dict[str, Any]] = [
        {
            "logStreamName": stream,
            "timestamp": millis(r["eventTime"]),
            "message": dumps(r).decode(),
            "ingestionTime": millis(r["eventTime"]) + w.rng.randint(2000, 90000),
            "eventId": str(w.rng.getrandbits(180))[:56].rjust(56, "3"),
        }
        for r in records(cw)
    ]
    w.write(
        "cloudwatch-filter-log-events.json",
        orjson.dumps({"events": events, "searchedLogStreams": []}, option=orjson.OPT_INDENT_2),
        f"{len(cw)} events (3 in the trail)",
        "cloudwatch-filter-log-events",
        cw,
    )
    sub = w.mix(inc[15:18], 2)
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": f"aws-cloudtrail-logs-{ACCOUNT}-5c1a2b3d",
        "logStream": stream,
        "subscriptionFilters": ["ctir-demo-to-firehose"],
        "logEvents": [
            {
                "id": events[0]["eventId"][:-3] + f"{i:03d}",
                "timestamp": millis(r["eventTime"]),
                "message": dumps(r).decode(),
            }
            for i, r in enumerate(records(sub))
        ],
    }
    w.write(
        "cloudwatch-subscription.json.gz",
        gz(dumps(payload)),
        f"{len(sub)} logEvents (3 in the trail)",
        "cloudwatch-subscription",
        sub,
    )
    ex = w.mix(inc[18:21], 2)
    lines = [f"{r['eventTime'][:-1]}.000Z ".encode() + dumps(r) + b"\n" for r in records(ex)]
    w.write(
        "cloudwatch-export.txt",
        b"".join(lines),
        f"{len(ex)} lines (3 in the trail)",
        "cloudwatch-export-lines",
        ex,
    )


def pretty_copy(w: ShapeWriter, files: list[Delivery]) -> None:
    """A pretty-printed plain delivery file (a copy of one trail file, so all of it overlaps)."""
    f = max(files[len(files) // 3 :], key=lambda f: (len(f.records) <= 12, len(f.records)))
    w.write(
        "trail-pretty.json",
        orjson.dumps({"Records": f.records}, option=orjson.OPT_INDENT_2),
        f"pretty copy of {Path(f.key).name}, {len(f.records)} records (all in the trail)",
        "s3-delivery",
        duplicated(f.records),
    )


def archive(w: ShapeWriter, files: list[Delivery]) -> None:
    """A zip of two delivery files: one a copy of a trail file, one of new records."""
    zbuf = io.BytesIO()
    copied = files[2 * len(files) // 3]
    members = (
        (copied.key, duplicated(copied.records)),
        (trail_key("eu-west-1", copied.delivered, alnum(w.rng, 16)), loaded(w.new(4))),
    )
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_STORED) as zf:
        for name, entries in members:
            info = zipfile.ZipInfo(name, date_time=(2025, 3, 13, 9, 0, 0))
            zf.writestr(info, gz(dumps({"Records": records(entries)})))
    w.save(
        "archive.zip",
        zbuf.getvalue(),
        f"2 members: a copy of a trail file ({len(copied.records)} records) + 4 new records",
    )
    for name, entries in members:
        w.register(f"archive.zip!{name}", "s3-delivery", entries)


def logstash(w: ShapeWriter, inc: list[Record]) -> None:
    """Logstash output: @timestamp instead of eventTime."""
    ls = w.mix(inc[21:24], 2)
    seen = []
    for r, outcome, _ in ls:
        rec = {k: v for k, v in r.items() if k != "eventTime"}
        rec["@timestamp"] = r["eventTime"][:-1] + ".000Z"
        rec["@version"] = "1"
        seen.append(Entry(rec, outcome))
    w.write(
        "no-eventtime.jsonl",
        b"".join(dumps(e.record) + b"\n" for e in seen),
        f"{len(ls)} Logstash records with @timestamp (3 in the trail)",
        "json-lines",
        seen,
    )


def broken(w: ShapeWriter) -> None:
    """A delivery file with one missing comma between records 3 and 4."""
    br = w.new(6)
    head = orjson.dumps({"Records": br[:3]}, option=orjson.OPT_INDENT_2).decode()
    tail = orjson.dumps({"Records": br[3:]}, option=orjson.OPT_INDENT_2).decode()
    # Splice: everything of head up to the closing "]}" then the records of tail, no comma.
    joined = head[: head.rindex("]")].rstrip() + "\n" + tail[tail.index("[") + 1 :].lstrip("\n")
    # The first character a strict parser rejects: the "{" opening record 4.
    pos = joined.index("{", len(head[: head.rindex("]")].rstrip()))
    line = joined[:pos].count("\n") + 1
    w.write(
        "broken.json",
        joined.encode(),
        f"6 records, a missing comma between records 3 and 4: a strict parser fails at char "
        f"{pos} (0-based), line {line} column {pos - joined.rindex(chr(10), 0, pos)}; "
        "3 records before, 3 after",
        "s3-delivery (damaged)",
        loaded(br),
        salvaged=True,
    )


def write_other_shapes(
    out: Path, scenario: Scenario, incident: list[Record], files: list[Delivery], ledger: Ledger
) -> dict[str, str]:
    """Write one small file of each other input shape; return {file: description}."""
    w = ShapeWriter(out / FOLDER, scenario.rng, iter(extras(scenario, 60)), ledger)
    bare_records(w, incident)
    lookup_events(w, incident)
    cloudwatch(w, incident)
    pretty_copy(w, files)
    sidefiles.insights(w)
    sidefiles.digest(w, files)
    archive(w, files)
    logstash(w, incident)
    w.write(
        "notes.txt",
        NOTES.encode(),
        "analyst notes, not a log",
        "text",
        status="skipped",
        why="not a log (analyst notes)",
    )
    broken(w)
    return w.notes
