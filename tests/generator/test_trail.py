"""Benchmark trails: laid out as CloudTrail delivers them, and the same bytes for the same seed.

Expected values come from the arguments given to the generator and from CloudTrail's layout
rules, checked on the files read back with nothing but gzip and json.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from bench.gen.trailset import write_trail

KEY = re.compile(
    r"AWSLogs/(?P<acct>\d{12})/CloudTrail/(?P<region>[a-z0-9-]+)/(?P<y>\d{4})/(?P<m>\d\d)/"
    r"(?P<d>\d\d)/(?P=acct)_CloudTrail_(?P=region)_(?P=y)(?P=m)(?P=d)T\d{4}Z_[A-Za-z0-9]{16}"
    r"\.json\.gz"
)
GLOBAL = {"iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com"}
EVENTS = 5000


def read_trail(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Return {relative path: records} of every delivery file."""
    return {
        p.relative_to(folder).as_posix(): json.loads(gzip.decompress(p.read_bytes()))["Records"]
        for p in folder.rglob("*.json.gz")
    }


def manifest(folder: Path) -> dict[str, Any]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text[text.find("{") : text.rfind("}") + 1])
    return loaded


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trail") / "t"
    write_trail(out, 7, False, workers=2, events=EVENTS, accounts=2, days=1, files=600)
    return out


def test_files_are_where_cloudtrail_puts_them(trail: Path) -> None:
    files = read_trail(trail)
    assert files
    accounts = set()
    for rel, records in files.items():
        match = KEY.fullmatch(rel)
        assert match, rel
        accounts.add(match["acct"])
        for rec in records:
            assert rec["recipientAccountId"] == match["acct"]
            assert rec["awsRegion"] == match["region"]
            assert rec["eventSource"] not in GLOBAL or match["region"] == "us-east-1"
    assert len(accounts) == 2


def test_events_are_exact_and_a_few_are_delivered_twice(trail: Path) -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for rel, records in read_trail(trail).items():
        for rec in records:
            where[rec["eventID"]].append(rel)
    assert len(where) == EVENTS
    twice = {eid: rels for eid, rels in where.items() if len(rels) > 1}
    assert 0 < len(twice) < EVENTS / 100
    for rels in twice.values():
        # Delivered again by a later file of the same account and region.
        assert len(rels) == 2
        assert len(set(rels)) == 2
        assert {r.rsplit("/", 4)[0] for r in rels} == {rels[0].rsplit("/", 4)[0]}
    assert manifest(trail)["events"] == EVENTS


def test_records_per_file_are_skewed(trail: Path) -> None:
    sizes = sorted(len(r) for r in read_trail(trail).values())
    assert sizes[len(sizes) // 2] <= 50
    assert sizes[-1] >= 10 * sizes[len(sizes) // 2]
    man = manifest(trail)
    assert man["files"] == len(sizes)
    assert (man["records_per_file"]["min"], man["records_per_file"]["max"]) == (
        sizes[0],
        sizes[-1],
    )


def test_same_seed_same_bytes_whatever_the_workers(trail: Path, tmp_path: Path) -> None:
    again = tmp_path / "t"
    write_trail(again, 7, False, workers=1, events=EVENTS, accounts=2, days=1, files=600)

    def digest(folder: Path) -> dict[str, str]:
        return {
            p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*.json.gz")
        }

    assert digest(again) == digest(trail)


def test_fixed_records_per_file(tmp_path: Path) -> None:
    write_trail(tmp_path / "t", 7, False, accounts=3, days=1, files=200, per_file=(1, 3))
    sizes = [len(r) for r in read_trail(tmp_path / "t").values()]
    assert len(sizes) == 200
    assert set(sizes) <= {1, 2, 3}
