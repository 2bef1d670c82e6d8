"""Tabular inputs: an Athena UNLOAD Parquet and result CSV against the same trail as JSON.

Usage::

    python bench/bench_tables.py                # 200,000 events
    python bench/bench_tables.py --events 1000000

The same synthetic records are written as one delivery file (``{"Records":[...]}``, the
typed fast path), as Athena Parquet and as Athena's result CSV (every value quoted,
``useridentity`` as Trino's ROW text); each is parsed into columns by the worker, in a
fresh subprocess (peak RSS from ``wait4``). Printed: seconds, events/s and the ratio to
the delivery file.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import polars as pl

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_USERS = [f"user{n:03d}" for n in range(200)]
_NAMES = ["ListBuckets", "GetObject", "DescribeInstances", "AssumeRole", "CreateAccessKey"]


def _records(count: int) -> list[dict[str, Any]]:
    out = []
    for n in range(count):
        user = _USERS[n % len(_USERS)]
        out.append(
            {
                "eventVersion": "1.09",
                "userIdentity": {
                    "type": "IAMUser",
                    "principalId": f"AIDA{user.upper()}",
                    "arn": f"arn:aws:iam::111122223333:user/{user}",
                    "accountId": "111122223333",
                    "accessKeyId": f"AKIA{user.upper()}",
                    "userName": user,
                },
                "eventTime": f"2026-03-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": _NAMES[n % len(_NAMES)],
                "awsRegion": "us-east-1",
                "sourceIPAddress": f"198.51.100.{n % 250}",
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": {"bucketName": f"bucket-{n % 40}", "maxKeys": 100},
                "responseElements": None,
                "requestID": f"req-{n:09d}",
                "eventID": f"evt-{n:09d}",
                "readOnly": True,
                "eventType": "AwsApiCall",
                "recipientAccountId": "111122223333",
                "eventCategory": "Management",
            }
        )
    return out


def _row_text(value: Any) -> str:
    """Trino's ROW text of a struct, as Athena's console CSV prints it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k.lower()}={_row_text(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value)


def write_inputs(folder: Path, count: int) -> dict[str, Path]:
    """The three files of the same records."""
    records = _records(count)
    delivery = folder / "delivery.json"
    delivery.write_bytes(orjson.dumps({"Records": records}))
    rows = []
    for rec in records:
        row = {k.lower(): v for k, v in rec.items()}
        row["useridentity"] = {k.lower(): v for k, v in rec["userIdentity"].items()}
        row["requestparameters"] = orjson.dumps(rec["requestParameters"]).decode()
        row["responseelements"] = None
        row["readonly"] = "true"
        rows.append(row)
    parquet = folder / "unload.parquet"
    pl.DataFrame(rows).write_parquet(parquet)
    buffer = io.StringIO()
    names = list(rows[0])
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(names)
    for row in rows:
        cells = [row[n] for n in names]
        writer.writerow(["" if c is None else _row_text(c) for c in cells])
    result_csv = folder / "result.csv"
    result_csv.write_text(buffer.getvalue())
    return {"delivery-json": delivery, "athena-parquet": parquet, "athena-csv": result_csv}


_FILES = {
    "delivery-json": "delivery.json",
    "athena-parquet": "unload.parquet",
    "athena-csv": "result.csv",
}


def _child(path: str) -> None:  # pragma: no cover - runs in a subprocess
    from ctir_tui.engine.pipeline.discover import SourceFile
    from ctir_tui.engine.pipeline.extract import Columns
    from ctir_tui.engine.pipeline.worker import parse_file

    data = Path(path).read_bytes()
    start = time.perf_counter()
    cols = Columns()
    outcome = parse_file(SourceFile(path), data, None, cols, 0)
    cols.frames()
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": len(cols), "seconds": seconds, "shape": outcome.report.shape}))


def main() -> None:
    """Write the inputs, parse each in its own process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--write", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    if args.write:
        write_inputs(Path(args.write), args.events)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # Written by a child, so that this process stays small: a child forked from a big
        # parent would count the parent's pages in its own peak RSS.
        write = [sys.executable, __file__, "--write", tmp, "--events", str(args.events)]
        subprocess.run(write, check=True)
        inputs = {name: Path(tmp) / file for name, file in _FILES.items()}
        results = {}
        for name, path in inputs.items():
            argv = [sys.executable, __file__, "--child", str(path)]
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            assert proc.stdout is not None
            out = json.loads(proc.stdout.read())
            _pid, _status, usage = os.wait4(proc.pid, 0)
            out["rss"] = usage.ru_maxrss // 1024
            out["mb"] = path.stat().st_size / (1 << 20)
            results[name] = out
    base = results["delivery-json"]["seconds"]
    print(f"{'input':<16}{'MB':>8}{'rows':>10}{'s':>8}{'events/s':>12}{'vs json':>9}{'RSS MB':>8}")
    for name, r in results.items():
        rate = r["rows"] / r["seconds"]
        print(
            f"{name:<16}{r['mb']:>8.1f}{r['rows']:>10,}{r['seconds']:>8.2f}{rate:>12,.0f}"
            f"{base / r['seconds']:>9.2f}{r['rss']:>8}"
        )


if __name__ == "__main__":
    main()
