"""The repo's ``sample_logs/``: the trail, the other shapes, and the README telling the story."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path

from bench.gen.delivery import TRAIL_DUPLICATES, deliver
from bench.gen.facts import SAMPLE_FACTS, sample_facts, write_facts
from bench.gen.identities import ACCOUNT
from bench.gen.incident import STORY, IncidentFacts, incident
from bench.gen.ledger import Entry, Ledger
from bench.gen.output import SIGNATURE, check_out_dir, dumps, gz, write_bytes
from bench.gen.personas import background
from bench.gen.questions import readme_lines
from bench.gen.scenario import DAYS, START, Scenario
from bench.gen.shapes import FOLDER, write_other_shapes

#: What the sample folder may hold (anything else makes the generator refuse to rewrite it).
OWN_TOP = {"README.md", "AWSLogs", FOLDER}


def write_sample(out: Path, seed: int, force: bool, facts_path: Path | None = SAMPLE_FACTS) -> None:
    """Write the sample evidence folder from scratch, and the facts about it to ``facts_path``."""
    if facts_path is not None and facts_path.resolve().is_relative_to(out.resolve()):
        sys.exit(f"refusing to write the facts inside the evidence folder: {facts_path}")
    check_out_dir(out, force, OWN_TOP)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    ledger = Ledger()
    scenario = Scenario(seed)
    trail_bg = background(scenario)
    attack, facts = incident(scenario)
    trail = trail_bg + attack
    files = deliver(scenario.rng, trail)
    for f in files:
        write_bytes(out, f.key, gz(dumps({"Records": f.records})))
        again = {id(r) for r in f.redelivered}
        ledger.add(
            f.key,
            "s3-delivery",
            [Entry(r, "duplicate" if id(r) in again else "load") for r in f.records],
        )
    notes = write_other_shapes(out, scenario, attack, files, ledger)
    counts = Counter(r["eventName"] for r in attack)
    delivered = sum(len(f.records) for f in files)
    asked = readme_lines(ledger.events(), facts)
    (out / "README.md").write_text(
        readme(seed, facts, counts, len(trail), delivered, len(files), notes, asked),
        encoding="utf-8",
    )
    ledger.add("README.md", "text", status="skipped", why="not a log (the folder's README)")
    if facts_path is not None:
        write_facts(facts_path, sample_facts(ledger, facts, seed))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"wrote {out}: {len(files)} trail files, {len(trail)} distinct trail events "
        f"({delivered} delivered, {len(attack)} incident), {size / 1e6:.2f} MB"
        + (f"; facts in {facts_path}" if facts_path is not None else "")
    )


def readme(
    seed: int,
    facts: IncidentFacts,
    counts: Counter[str],
    events: int,
    delivered: int,
    nfiles: int,
    notes: dict[str, str],
    asked: list[str],
) -> str:
    """Return sample_logs/README.md."""
    story = STORY
    count_lines = "\n".join(f"| {name} | {n} |" for name, n in sorted(counts.items()))
    shape_lines = "\n".join(f"| `{name}` | {desc} |" for name, desc in notes.items())
    question_lines = "\n".join(asked)
    ips = ", ".join(f"`{ip}`" for ip in facts.attacker_ips)
    return f"""{SIGNATURE}
# Sample CloudTrail evidence (synthetic)

Written by `python bench/generate.py sample --out sample_logs --seed {seed}`; every record is
made up (account {ACCOUNT}). Do not edit by hand: rerun the generator.

## The trail

`AWSLogs/{ACCOUNT}/CloudTrail/<region>/...json.gz`: {nfiles} delivery files, one per region per
5 minutes with activity, {events} distinct events over {DAYS} days from {START:%Y-%m-%d}
({delivered} records delivered: {TRAIL_DUPLICATES} events are delivered twice, in two files).
Background: IAM users alice (admin, console with MFA + CLI from {"198.51.100.23"}), bob
(developer, CLI, AccessDenied on IAM), an SSO administrator (carol), the CI role
github-actions-deploy (AssumeRoleWithWebIdentity then ECR/ECS), instance-role sessions
(`app-server-role/i-0abc...`), AWS Config and CloudTrail service calls, svc-backup's nightly
snapshot job from 198.51.100.24.

## The incident
{story}
Pivots:

| what | value |
|---|---|
| leaked user / key | `{facts.leaked_user}` / `{facts.leaked_key}` |
| attacker IPs | {ips} |
| new user / its key | `{facts.new_user}` / `{facts.new_user_key}` |
| role assumed | `{facts.role_arn}` session `{facts.session_name}` |
| ASIA key issued by AssumeRole | `{facts.asia_key}` |
| snapshot shared | `{facts.snapshot_id}` (of `{facts.volume_id}`) with `{facts.external_account}` |
| bucket made public | `{facts.bucket}` |
| new region | `{facts.compute_region}` |
| first / last incident event | {facts.start} / {facts.end} |

Incident events ({sum(counts.values())} in all) by eventName:

| eventName | count |
|---|---|
{count_lines}

## Triage questions (`ctir triage sample_logs`)

Which of the fifteen questions the sample lights, and which events each must find: the
generator's own account (`bench/gen/questions.py`), checked by `tests/analyses/`. "Exactly":
those are all the events it may find; "at least": the background adds some.

| question | lights | what it finds |
|---|---|---|
{question_lines}

## Other input shapes (`other-shapes/`)

Small files that partly repeat trail events (same eventID, so dedup shows) and partly add
events found nowhere else.

| file | content |
|---|---|
{shape_lines}

## Facts for tests

The same run writes what a correct loader must find in this folder to a JSON file outside it
(`tests/fixtures/sample_facts.json` for the repo's copy, `--facts PATH` otherwise), recorded by
the generator as it wrote each file: every file's shape and status (read, skipped and why,
salvaged), the records seen, distinct events, duplicates and rejected records, counts of the
distinct events (by source IP, event name, access key, principal, user, region, account, error
code), the incident's pivots and eventIDs step by step, and the time range. Tests take their
expected values from there, never from the explorer.
"""
