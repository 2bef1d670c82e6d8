# ruff: noqa: E501 - the generated rules are a table of one-line YAML detections
"""60 Sigma rules over the 1M-event trail from a warm cache: total, per rule, peak RSS.

    python bench/bench_sigma.py --data bench/data/trail-1m

The rules are ctir's shipped set plus generated ones up to 60, in the mix SigmaHQ's CloudTrail
rules have: event source and name lists, user agent substrings and regular expressions, error
codes, CIDRs, request and response parameter paths (with and without an event-name
selection), ``not 1 of filter_*``, and correlations. The alternative in the same run is a Polars
floor: one equality filter per rule on the frame, the least any per-rule engine must do.
The load is done once first (``Session.open``, which fills or reads the parse cache).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctir_tui.engine.detections import (
    TEXT_PASS,
    SigmaResult,
    evaluate,
    load_rules,
    shipped_rules,
)
from ctir_tui.engine.session import Session

TOTAL = 60
HEAD = """title: {title}
id: 00000000-0000-4000-9000-{n:012d}
author: ctir bench
level: low
logsource:
    product: aws
    service: cloudtrail
detection:
"""
GENERATED = [
    (
        "trail changes",
        "sel:\n  eventSource: cloudtrail.amazonaws.com\n  eventName: [UpdateTrail, CreateTrail, DeleteEventSelector]\ncondition: sel",
    ),
    (
        "role deletion",
        "sel:\n  eventSource: iam.amazonaws.com\n  eventName|startswith: Delete\ncondition: sel",
    ),
    ("kms key changes", "sel:\n  eventName: [UpdateKey, CreateKey, PutKeyPolicie]\ncondition: sel"),
    ("secrets changes", "sel:\n  eventName|contains: Secret\n  readOnly: false\ncondition: sel"),
    ("lambda updates", "sel:\n  eventName|startswith: UpdateFunction\ncondition: sel"),
    (
        "queue changes",
        "sel:\n  eventName|endswith: Queue\nfilter:\n  userIdentity.type: AWSService\ncondition: sel and not filter",
    ),
    (
        "terraform writes",
        "sel:\n  userAgent|contains: Terraform\n  readOnly: false\ncondition: sel",
    ),
    (
        "boto3 from linux",
        "sel:\n  userAgent|contains|all: [Boto3, linux]\n  eventName|startswith: Put\ncondition: sel",
    ),
    ("old cli", "sel:\n  userAgent|re: '^aws-cli/1\\.'\ncondition: sel"),
    (
        "go sdk",
        "sel:\n  userAgent|re|i: 'aws-sdk-go-v2/1\\.2[0-9]'\n  eventName|startswith: Create\ncondition: sel",
    ),
    (
        "denied writes",
        "sel:\n  errorCode: [AccessDenied, Client.UnauthorizedOperation]\n  readOnly: false\ncondition: sel",
    ),
    (
        "throttled",
        "sel:\n  errorCode|contains: Throttling\n  eventSource: ec2.amazonaws.com\ncondition: sel",
    ),
    (
        "private ranges",
        "sel:\n  sourceIPAddress|cidr: [10.0.0.0/8, 172.16.0.0/12]\n  eventName|startswith: Delete\ncondition: sel",
    ),
    ("one network", "sel:\n  sourceIPAddress|cidr: 102.166.0.0/16\ncondition: sel"),
    (
        "bucket prefix",
        "sel:\n  eventName: [UpdateBucketPolicy, DeleteBucketAcl, PutBucketEncryption]\n  requestParameters.bucketName|startswith: bucket-45\ncondition: sel",
    ),
    (
        "trail name",
        "sel:\n  eventSource: cloudtrail.amazonaws.com\n  requestParameters.trailName|contains: 29a\ncondition: sel",
    ),
    (
        "tagged users",
        "sel:\n  eventName: CreateUser\n  requestParameters.tags.value: shop\ncondition: sel",
    ),
    (
        "page size",
        "sel:\n  eventName|startswith: Describe\n  requestParameters.maxResults|gte: 100\ncondition: sel",
    ),
    (
        "iam user names",
        "sel:\n  eventSource: iam.amazonaws.com\n  requestParameters.userName|endswith: '7'\ncondition: sel",
    ),
    (
        "returned true",
        "sel:\n  eventName|startswith: Update\n  responseElements._return: true\nfilter_1:\n  eventSource: s3.amazonaws.com\nfilter_2:\n  userIdentity.type: AWSService\ncondition: sel and not 1 of filter_*",
    ),
    (
        "policy text",
        "sel:\n  eventName: UpdateBucketPolicy\n  requestParameters|contains: bucketpolicy\ncondition: sel",
    ),
    (
        "no session issuer",
        "sel:\n  userIdentity.type: AssumedRole\n  userIdentity.sessionContext.sessionIssuer.type: null\ncondition: sel",
    ),
]
CORRELATIONS = [
    (
        "errors per address",
        "name: bench_errors",
        "correlation:\n  type: event_count\n  rules: [bench_errors]\n  group-by: [sourceIPAddress]\n  timespan: 5m\n  condition: {gte: 20}\n",
    ),
    (
        "regions per principal",
        "name: bench_writes",
        "correlation:\n  type: value_count\n  rules: [bench_writes]\n  group-by: [userIdentity.arn]\n  timespan: 1h\n  condition: {field: awsRegion, gte: 4}\n",
    ),
]
BASES = {
    "bench_errors": "sel:\n  errorCode|exists: true\ncondition: sel",
    "bench_writes": "sel:\n  readOnly: false\ncondition: sel",
}


def write_rules(folder: Path) -> None:
    """Generated rules until shipped + generated == TOTAL."""
    shipped = len(list(shipped_rules().glob("*.yml")))
    n = 0
    for name, detection in GENERATED[: max(0, TOTAL - shipped - 2 * len(CORRELATIONS))]:
        n += 1
        body = HEAD.format(title=name, n=n) + "    " + detection.replace("\n", "\n    ") + "\n"
        (folder / f"gen_{n:02d}.yml").write_text(body, encoding="utf-8")
    for (title, name_line, correlation), (base, detection) in zip(
        CORRELATIONS, BASES.items(), strict=True
    ):
        n += 1
        head = HEAD.format(title=base, n=n).replace("author:", f"{name_line}\nauthor:")
        (folder / f"gen_{n:02d}.yml").write_text(
            head + "    " + detection.replace("\n", "\n    ") + "\n", encoding="utf-8"
        )
        n += 1
        text = f"title: {title}\nid: 00000000-0000-4000-9000-{n:012d}\nauthor: ctir bench\n"
        (folder / f"gen_{n:02d}.yml").write_text(text + "level: low\n" + correlation, "utf-8")


def rss_mb() -> float:
    """This process's resident memory now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_during(work: Callable[[], SigmaResult]) -> tuple[SigmaResult, float]:
    """Run ``work`` while sampling RSS every 5 ms; (result, peak MB)."""
    peak = [rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        result = work()
    finally:
        done.set()
        thread.join()
    return result, peak[0]


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="bench/data/trail-1m")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    session = Session.open([args.data])
    opened = time.perf_counter() - start
    frame = session.frame
    with tempfile.TemporaryDirectory() as tmp:
        write_rules(Path(tmp))
        start = time.perf_counter()
        rules = load_rules([shipped_rules(), Path(tmp)])
        parsed = time.perf_counter() - start
    if rules.not_compiled:
        for problem in rules.not_compiled:
            print(f"not compiled: {problem.rule}: {problem.reason}")
        return 1
    runs: list[tuple[float, SigmaResult]] = []
    peak = 0.0
    before = rss_mb()
    for _ in range(args.repeat):
        start = time.perf_counter()
        result, top = peak_during(lambda: evaluate(session, rules))
        runs.append((time.perf_counter() - start, result))
        peak = max(peak, top)
    total, result = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    names = frame.get_column("event_name").unique().head(rules.compiled).to_list()
    floors = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for name in names:
            frame.select((pl.col("event_name") == name).arg_true())
        floors.append(time.perf_counter() - start)
    floor = statistics.median(floors)
    titles = {d.meta.rule_id: d.meta.title for d in rules.detections}
    titles |= {c.meta.rule_id: c.meta.title for c in rules.correlations}
    hits = {h.rule.rule_id: len(h.event_ids) for h in result.hits}
    print(
        f"events {frame.height:,} in {session.report.count('read'):,} files; warm open {opened:.2f} s"
    )
    print(
        f"rules {rules.compiled} ({len(rules.detections)} detections, "
        f"{len(rules.correlations)} correlations), read and compiled in {parsed * 1000:.0f} ms"
    )
    print(
        f"evaluate: {total:.2f} s (median of {args.repeat}); "
        f"{sum(hits.values()):,} hits in {len(hits)} rules"
    )
    print(
        f"polars floor (one equality filter per rule): {floor * 1000:.0f} ms; "
        f"ratio {total / floor:.1f}x"
    )
    print(
        f"peak RSS while evaluating {peak:.0f} MB ({peak - before:+.0f} MB over the loaded "
        f"session); process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print("\n    ms     hits  rule")
    for rule_id, ms in sorted(result.timings.items(), key=lambda kv: -kv[1]):
        label = "(shared pass over request data)" if rule_id == TEXT_PASS else titles[rule_id]
        print(f"{ms:7.1f} {hits.get(rule_id, 0):8,}  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
