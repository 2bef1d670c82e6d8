"""The generator's facts about the sample: they match the committed copy and hold together.

``tests/fixtures/sample_facts.json`` is where tests take their expected values from; these
checks keep it from drifting away from the generator and from ``sample_logs/``, and check that
its figures agree with each other and with the bytes of the evidence (read here with nothing
but gzip and json).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from bench.gen.sample import write_sample
from tests.conftest import REPO, SAMPLE_LOGS

FACTS = REPO / "tests" / "fixtures" / "sample_facts.json"
SEED = 20250312
#: The story's numbered steps, as the sample's README tells them.
STEPS = ["recon", "console", "persistence", "role hop", "defence evasion", "exfiltration", "impact"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The sample written afresh into a temporary folder, and the facts the run wrote."""
    base = tmp_path_factory.mktemp("sample")
    write_sample(base / "evidence", SEED, force=False, facts_path=base / "facts.json")
    return base / "evidence", json.loads((base / "facts.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    """The committed facts."""
    loaded: dict[str, Any] = json.loads(FACTS.read_text(encoding="utf-8"))
    return loaded


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_committed_facts_are_what_the_generator_writes(
    regenerated: tuple[Path, dict[str, Any]], facts: dict[str, Any]
) -> None:
    assert regenerated[1] == facts


def test_committed_sample_is_what_the_generator_writes(
    regenerated: tuple[Path, dict[str, Any]],
) -> None:
    # The facts describe sample_logs/ only while it is the generator's output, byte for byte.
    assert files_under(regenerated[0]) == files_under(SAMPLE_LOGS)


def test_facts_are_never_written_inside_the_evidence(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        write_sample(tmp_path / "ev", SEED, force=False, facts_path=tmp_path / "ev" / "f.json")
    assert not (tmp_path / "ev").exists()


def test_load_figures_reconcile(facts: dict[str, Any]) -> None:
    load = facts["load"]
    files = load["files"]
    assert files["total"] == files["read"] + files["skipped"] + files["failed"]
    assert files["total"] == len(facts["files"])
    assert load["records_seen"] == load["events"] + load["duplicates"] + load["rejected"]
    assert load["records_seen"] == sum(f["records"] for f in facts["files"])
    assert load["rejected"] == len(load["rejected_records"])
    assert [s["path"] for s in load["skipped"]] == [
        f["path"] for f in facts["files"] if f["status"] == "skipped"
    ]
    assert all(f["records"] == 0 for f in facts["files"] if f["status"] != "read")
    assert load["salvaged"] == [f["path"] for f in facts["files"] if f.get("salvaged")]


def test_counts_add_up_to_the_events(facts: dict[str, Any]) -> None:
    counts, events = facts["counts"], facts["load"]["events"]
    # Every event has a name, a region and a recipient account.
    for key in ("by_event_name", "by_region", "by_account"):
        assert sum(counts[key].values()) == events, key
    assert sum(counts["by_error_code"].values()) == counts["errors"]
    assert counts["console_login_failures"] <= counts["by_event_name"]["ConsoleLogin"]
    assert counts["read_only"] <= events
    for key in ("by_source_ip", "by_access_key", "by_principal_arn", "by_user_name"):
        assert 0 < sum(counts[key].values()) <= events, key


def test_incident_steps_cover_its_events(facts: dict[str, Any]) -> None:
    inc, counts = facts["incident"], facts["counts"]
    assert [s["name"] for s in inc["steps"]] == STEPS
    assert [e for s in inc["steps"] for e in s["event_ids"]] == inc["event_ids"]
    assert len(set(inc["event_ids"])) == len(inc["event_ids"])
    for step in inc["steps"]:
        assert sum(step["event_names"].values()) == len(step["event_ids"]), step["name"]
    assert sum(inc["by_event_name"].values()) == len(inc["event_ids"])
    assert sum(inc["by_source_ip"].values()) == len(inc["event_ids"])
    assert set(inc["by_source_ip"]) == set(inc["attacker_ips"])
    # The pivots are the incident's own: its keys are among the ones it used.
    assert {inc["leaked_key"], inc["new_user_key"], inc["asia_key"]} <= set(inc["by_access_key"])
    for key, n in inc["by_access_key"].items():
        assert n <= counts["by_access_key"][key]
    first, last = facts["time_range"]["first"], facts["time_range"]["last"]
    assert first <= inc["start"] <= inc["end"] <= last
    assert facts["newest"]["time"] == last


def test_trail_files_hold_what_the_facts_say(regenerated: tuple[Path, dict[str, Any]]) -> None:
    folder, facts = regenerated
    listed = {f["path"]: f for f in facts["files"]}
    trail = sorted(folder.glob("AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz"))
    assert trail
    ids: list[str] = []
    for path in trail:
        records = json.loads(gzip.decompress(path.read_bytes()))["Records"]
        entry = listed[path.relative_to(folder).as_posix()]
        assert (entry["shape"], entry["status"], entry["records"]) == (
            "s3-delivery",
            "read",
            len(records),
        )
        ids += [r["eventID"] for r in records]
    # The trail holds every incident event; the events outside it come from other-shapes/.
    assert set(facts["incident"]["event_ids"]) <= set(ids)
    assert len(set(ids)) <= facts["load"]["events"]
