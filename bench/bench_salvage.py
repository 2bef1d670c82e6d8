"""Damaged and crowded files: salvage speed (MB/s) and memory, against a clean decode.

Usage::

    python bench/bench_salvage.py            # a 50 MB damaged delivery, crafted damage, 10M zeros
    python bench/bench_salvage.py --mb 10    # a quicker run

Each case runs in a fresh subprocess, so its peak RSS (from ``wait4``) is its own. The
baseline is the standard library decoding the same file undamaged: salvage should stay
within a small factor of it whatever the damage (it is linear; see
``ctir_tui/engine/readers/framing.py`` and ``tests/readers/test_hardening.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_RECORD: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:session",
        "arn": "arn:aws:sts::111122223333:assumed-role/ops/session",
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE0000001",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/ops"},
            "attributes": {"creationDate": "2026-03-01T09:00:00Z", "mfaAuthenticated": "false"},
        },
    },
    "eventTime": "2026-03-01T10:00:00Z",
    "eventSource": "ec2.amazonaws.com",
    "eventName": "DescribeInstances",
    "awsRegion": "eu-west-1",
    "sourceIPAddress": "198.51.100.7",
    "userAgent": "aws-cli/2.15.0",
    "requestParameters": {"instancesSet": {}, "filterSet": {"items": [{"name": "x"}]}},
    "responseElements": None,
    "requestID": "req",
    "readOnly": True,
    "eventType": "AwsApiCall",
    "recipientAccountId": "111122223333",
}


def damaged(megabytes: int, every: int, *, broken: bool = True) -> bytes:
    """A delivery of about ``megabytes`` MB where every ``every``-th record lost its end."""
    parts: list[bytes] = []
    size, n = 0, 0
    while size < megabytes << 20:
        text = orjson.dumps({**_RECORD, "eventID": f"evt-{n:09d}"})
        if broken and n % every == every - 1:
            text = text[:-1]
        parts.append(text)
        size += len(text) + 1
        n += 1
    return b'{"Records":[' + b",".join(parts) + b"]}"


def open_braces(megabytes: int) -> bytes:
    """Groups of 900 objects opened and never closed, each before a good record."""
    good = orjson.dumps({**_RECORD, "eventID": "evt"})
    group = b'{"a":' * 900 + b"!," + good
    count = (megabytes << 20) // len(group) + 1
    return b'{"Records":[' + b",".join([group] * count) + b"]}"


def zeros(count: int) -> bytes:
    """``{"Records":[0,0,...]}``."""
    return b'{"Records":[' + b"0," * (count - 1) + b"0]}"


def _child(case: str, megabytes: int) -> None:  # pragma: no cover - runs in a subprocess
    from ctir_tui.engine.pipeline.discover import SourceFile
    from ctir_tui.engine.pipeline.extract import Columns
    from ctir_tui.engine.pipeline.worker import parse_file
    from ctir_tui.engine.readers.framing import ScanStats
    from ctir_tui.engine.readers.salvage import salvage

    if case == "clean-stdlib":
        data = damaged(megabytes, 1000, broken=False)
        start = time.perf_counter()
        json.loads(data)
        out: dict[str, Any] = {"records": None}
    elif case in ("damaged", "open-braces"):
        data = damaged(megabytes, 1000) if case == "damaged" else open_braces(megabytes)
        stats = ScanStats()
        start = time.perf_counter()
        parsed = salvage(data, want_raw=False, stats=stats)
        out = {
            "records": sum(1 for i in parsed.items if i.record is not None),
            "read_per_byte": round((stats.decoded + stats.scanned) / len(data), 2),
        }
    else:
        data = zeros(10_000_000)
        start = time.perf_counter()
        outcome = parse_file(SourceFile("zeros"), data, None, Columns(), 0)
        out = {"records": outcome.report.records, "rejected": outcome.report.rejected}
    seconds = time.perf_counter() - start
    out |= {"case": case, "mb": round(len(data) / (1 << 20), 1), "seconds": round(seconds, 2)}
    print(json.dumps(out))


def _run(case: str, megabytes: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", case, "--mb", str(megabytes)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{case} failed ({status})")
    result: dict[str, Any] = json.loads(line)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024)
    return result


def main() -> None:
    """Run every case and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the damaged files")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.mb)
        return
    rows = [_run(case, args.mb) for case in ("clean-stdlib", "damaged", "open-braces", "zeros")]
    base = rows[0]["mb"] / rows[0]["seconds"]
    print(f"{'case':<14}{'MB':>7}{'s':>8}{'MB/s':>9}{'vs clean':>10}{'RSS MB':>8}  notes")
    for row in rows:
        rate = row["mb"] / row["seconds"] if row["seconds"] else float("inf")
        notes = {k: v for k, v in row.items() if k in ("records", "rejected", "read_per_byte")}
        print(
            f"{row['case']:<14}{row['mb']:>7}{row['seconds']:>8}{rate:>9.1f}"
            f"{rate / base:>10.2f}{row['peak_rss_mb']:>8}  {notes}"
        )


if __name__ == "__main__":
    main()
