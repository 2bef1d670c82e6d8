"""The sample's other input shapes: bare records, lookup-events, CloudWatch Logs, a pretty copy,
a zip, Logstash, a note and a broken file (CloudTrail's own side files are in ``sidefiles``).

Each writer draws from the Scenario's generator in the order ``write_other_shapes`` calls it.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.gen import sidefiles
from bench.gen.delivery import Delivery, trail_key
from bench.gen.identities import ACCOUNT
from bench.gen.ids import alnum, millis
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
    """Where the shapes go, what they draw from, and the README's line about each file."""

    base: Path
    rng: random.Random
    extra: Iterator[Record]
    notes: dict[str, str] = field(default_factory=dict)

    def mix(self, overlap: list[Record], unique: int) -> list[Record]:
        """Return ``overlap`` (records also in the trail) and ``unique`` records of nowhere else."""
        return overlap + self.new(unique)

    def new(self, n: int) -> list[Record]:
        """Return ``n`` records found in no other file."""
        return [next(self.extra) for _ in range(n)]

    def write(self, rel: str, data: bytes, note: str) -> None:
        """Write one file and its README line."""
        write_bytes(self.base, rel, data)
        self.notes[rel] = note


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
        orjson.dumps(arr, option=orjson.OPT_INDENT_2),
        f"JSON array, {len(arr)} records (3 also in the trail)",
    )
    jl = w.mix(inc[3:6], 3)
    w.write(
        "records.jsonl",
        b"".join(dumps(r) + b"\n" for r in jl),
        f"JSON Lines, {len(jl)} records (3 also in the trail)",
    )


def lookup_events(w: ShapeWriter, inc: list[Record]) -> None:
    """lookup-events: two pages concatenated, then the items one per line."""
    lk = w.mix(inc[6:10], 4)
    page1 = {"Events": [lookup_item(r) for r in lk[:4]], "NextToken": alnum(w.rng, 120)}
    page2 = {"Events": [lookup_item(r) for r in lk[4:]]}
    text = orjson.dumps(page1, option=orjson.OPT_INDENT_2) + b"\n"
    text += orjson.dumps(page2, option=orjson.OPT_INDENT_2) + b"\n"
    w.write(
        "lookup-events.json", text, f"two lookup-events pages, {len(lk)} events (4 in the trail)"
    )
    lkl = w.mix(inc[10:12], 3)
    w.write(
        "lookup-events.jsonl",
        b"".join(dumps(lookup_item(r)) + b"\n" for r in lkl),
        f"lookup-events items, {len(lkl)} events (2 in the trail)",
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
        for r in cw
    ]
    w.write(
        "cloudwatch-filter-log-events.json",
        orjson.dumps({"events": events, "searchedLogStreams": []}, option=orjson.OPT_INDENT_2),
        f"{len(cw)} events (3 in the trail)",
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
            for i, r in enumerate(sub)
        ],
    }
    w.write(
        "cloudwatch-subscription.json.gz",
        gz(dumps(payload)),
        f"{len(sub)} logEvents (3 in the trail)",
    )
    ex = w.mix(inc[18:21], 2)
    lines = [f"{r['eventTime'][:-1]}.000Z ".encode() + dumps(r) + b"\n" for r in ex]
    w.write("cloudwatch-export.txt", b"".join(lines), f"{len(ex)} lines (3 in the trail)")


def pretty_copy(w: ShapeWriter, files: list[Delivery]) -> None:
    """A pretty-printed plain delivery file (a copy of one trail file, so all of it overlaps)."""
    key, recs, _ = max(files[len(files) // 3 :], key=lambda f: (len(f[1]) <= 12, len(f[1])))
    w.write(
        "trail-pretty.json",
        orjson.dumps({"Records": recs}, option=orjson.OPT_INDENT_2),
        f"pretty copy of {Path(key).name}, {len(recs)} records (all in the trail)",
    )


def archive(w: ShapeWriter, files: list[Delivery]) -> None:
    """A zip of two delivery files: one a copy of a trail file, one of new records."""
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_STORED) as zf:
        key, recs, delivered = files[2 * len(files) // 3]
        new = w.new(4)
        members = ((key, recs), (trail_key("eu-west-1", delivered, alnum(w.rng, 16)), new))
        for name, member in members:
            info = zipfile.ZipInfo(name, date_time=(2025, 3, 13, 9, 0, 0))
            zf.writestr(info, gz(dumps({"Records": member})))
    w.write(
        "archive.zip",
        zbuf.getvalue(),
        f"2 members: a copy of a trail file ({len(recs)} records) + 4 new records",
    )


def logstash(w: ShapeWriter, inc: list[Record]) -> None:
    """Logstash output: @timestamp instead of eventTime."""
    ls = w.mix(inc[21:24], 2)
    ls_lines = []
    for r in ls:
        rec = {k: v for k, v in r.items() if k != "eventTime"}
        rec["@timestamp"] = r["eventTime"][:-1] + ".000Z"
        rec["@version"] = "1"
        ls_lines.append(dumps(rec) + b"\n")
    w.write(
        "no-eventtime.jsonl",
        b"".join(ls_lines),
        f"{len(ls)} Logstash records with @timestamp (3 in the trail)",
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
    )


def write_other_shapes(
    out: Path, scenario: Scenario, incident: list[Record], files: list[Delivery]
) -> dict[str, str]:
    """Write one small file of each other input shape; return {file: description}."""
    w = ShapeWriter(out / FOLDER, scenario.rng, iter(extras(scenario, 60)))
    bare_records(w, incident)
    lookup_events(w, incident)
    cloudwatch(w, incident)
    pretty_copy(w, files)
    sidefiles.insights(w)
    sidefiles.digest(w, files)
    archive(w, files)
    logstash(w, incident)
    w.write("notes.txt", NOTES.encode(), "analyst notes, not a log")
    broken(w)
    return w.notes
