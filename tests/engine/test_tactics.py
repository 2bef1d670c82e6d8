"""Tests of the tactic mapping data and the Polars tactic columns / matrix counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from ctir_tui.engine.schema import TACTICS, TACTICS_EXTENDED
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.matrix import add_tactic_columns, matrix_counts, tactic_counts
from ctir_tui.engine.tactics.model import Mapping
from tests.conftest import DATASETS
from tests.domain import SEED

IDS = ["TA0001", "TA0002", "TA0003", "TA0004", "TA0005", "TA0006", "TA0007", "TA0008"]
IDS += ["TA0010", "TA0040"]
TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")


@pytest.fixture
def mapping(tmp_path: Path) -> Mapping:
    # A path that does not exist: the user's real config never leaks into tests.
    m = load_mapping(config_path=tmp_path / "none" / "tactics.toml")
    return m


def events(*pairs: tuple[str | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"event_source": [p[0] for p in pairs], "event_name": [p[1] for p in pairs]},
        schema={"event_source": pl.String, "event_name": pl.String},
    )


def test_seed_has_every_event_in_order(mapping: Mapping) -> None:
    got = [(t.name, list(t.events)) for t in mapping.tactics]
    assert got == SEED
    assert [t.id for t in mapping.tactics] == IDS
    assert mapping.tactic_names(extended=False) == [name for name, _ in SEED]


def test_corrected_cells_carry_notes(mapping: Mapping) -> None:
    cells = {c.event: c for t in mapping.tactics for c in t.cells}
    snap, attr = cells["CreateSnapshot"], cells["ModifySnapshotAttribute"]
    assert snap.corrected
    assert attr.corrected
    assert snap.note is not None
    assert "CreateSnapShot" in snap.note
    assert attr.note is not None
    assert "ModifySnapshotAttributes" in attr.note
    assert cells["StartInstance"].note is not None
    assert "StartInstances" in cells["StartInstance"].note
    assert cells["Invoke"].data_event
    assert cells["Invoke"].note is not None
    assert "not recorded" in cells["Invoke"].note
    assert sum(c.corrected for c in cells.values()) == 2


def test_corrected_names_count_real_records(mapping: Mapping) -> None:
    frame = events(
        ("ec2.amazonaws.com", "CreateSnapshot"),
        ("ec2.amazonaws.com", "CreateSnapshot"),
        ("ec2.amazonaws.com", "ModifySnapshotAttribute"),
        ("ec2.amazonaws.com", "CreateSnapShot"),  # the cheatsheet's spelling matches nothing
        ("ec2.amazonaws.com", "StartInstances"),
    )
    matrix = matrix_counts(frame, mapping)
    exfil = next(t for t in matrix.tactics if t.id == "TA0010")
    cells = {c.event: c for c in exfil.cells}
    assert cells["CreateSnapshot"].count == 2
    assert cells["CreateSnapshot"].corrected
    assert cells["ModifySnapshotAttribute"].count == 1
    assert exfil.count == 3
    execution = next(t for t in matrix.tactics if t.id == "TA0002")
    assert [(c.event, c.count) for c in execution.cells] == [
        ("StartInstance", 0),
        ("StartInstances", 1),
        ("Invoke", 0),
        ("SendCommand", 0),
    ]


def test_counts_equal_hand_count(mapping: Mapping) -> None:
    frame = events(
        ("signin.amazonaws.com", "ConsoleLogin"),
        ("signin.amazonaws.com", "ConsoleLogin"),
        ("sts.amazonaws.com", "GetCallerIdentity"),
        ("iam.amazonaws.com", "ListUsers"),
        ("iam.amazonaws.com", "ListUsers"),
        ("iam.amazonaws.com", "ListUsers"),
        ("iam.amazonaws.com", "CreateUser"),
        ("sso-directory.amazonaws.com", "CreateUser"),  # the seed matches on name alone
        ("sts.amazonaws.com", "AssumeRole"),
        ("s3.amazonaws.com", "GetObject"),
        (None, "StopLogging"),
        (None, None),
    )
    counts = tactic_counts(frame, mapping)
    assert counts == {
        "Initial Access": 2,
        "Execution": 0,
        "Persistence": 2,
        "Privilege Escalation": 0,
        "Defense Evasion": 1,
        "Credential Access": 0,
        "Discovery": 4,
        "Lateral Movement": 1,
        "Exfiltration": 0,
        "Impact": 0,
    }
    matrix = matrix_counts(frame.lazy(), mapping)
    assert [t.count for t in matrix.tactics] == list(counts.values())
    for t, (_, names) in zip(matrix.tactics, SEED, strict=True):
        assert [c.event for c in t.cells] == names


def test_tactic_columns(mapping: Mapping) -> None:
    frame = events(
        ("ec2.amazonaws.com", "CreateSnapshot"),
        ("iam.amazonaws.com", "AttachUserPolicy"),
        ("nowhere.amazonaws.com", "Nothing"),
        (None, None),
        ("sts.amazonaws.com", "AssumeRole"),
    )
    out = add_tactic_columns(frame, mapping)
    assert out.schema[TACTICS] == pl.List(pl.String)
    assert out.schema[TACTICS_EXTENDED] == pl.List(pl.String)
    assert out["event_name"].to_list() == frame["event_name"].to_list()
    seed = out[TACTICS].to_list()
    ext = out[TACTICS_EXTENDED].to_list()
    assert seed == [["Exfiltration"], [], [], [], ["Lateral Movement"]]
    assert "Exfiltration" in ext[0]
    assert set(ext[1]) >= {"Persistence", "Privilege Escalation"}
    assert ext[2] == []
    assert ext[3] == []
    assert out[TACTICS].null_count() == 0
    assert out[TACTICS_EXTENDED].null_count() == 0
    # Calling again replaces the columns rather than failing on duplicates.
    again = add_tactic_columns(out, mapping)
    assert again.columns == out.columns


def test_seed_event_keeps_seed_tactic_in_extended(mapping: Mapping) -> None:
    out = add_tactic_columns(events(("kms.amazonaws.com", "GetSecretValue")), mapping)
    assert out[TACTICS_EXTENDED].to_list() == [["Credential Access"]]
    order = mapping.tactic_names(extended=True)
    lists = add_tactic_columns(events(("cloudtrail.amazonaws.com", "StopLogging")), mapping)
    tactics = lists[TACTICS_EXTENDED].to_list()[0]
    # The seed cell's tactic, under its ATT&CK v19 name (the default), beside the new one.
    assert tactics == ["Stealth", "Defense Impairment"]
    assert tactics == sorted(tactics, key=order.index)
    assert lists[TACTICS].to_list()[0] == ["Defense Evasion"]


def test_lambda_prefix_matching(mapping: Mapping) -> None:
    frame = events(
        ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
        ("lambda.amazonaws.com", "CreateFunction20150331"),
        ("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031"),
        ("lambda.amazonaws.com", "CreateFunctionBogus"),  # not a version suffix
        ("iam.amazonaws.com", "UpdateFunctionCode20150331v2"),  # wrong service
    )
    ext = add_tactic_columns(frame, mapping)[TACTICS_EXTENDED].to_list()
    assert ext[0]
    assert ext[1]
    assert ext[2]
    assert ext[3] == []
    assert ext[4] == []
    matrix = matrix_counts(frame, mapping, extended=True)
    shown = {c.event for t in matrix.tactics for c in t.cells if c.count}
    assert {"UpdateFunctionCode", "CreateFunction", "CreateFunctionUrlConfig"} <= shown


def test_extended_entries_are_valid(mapping: Mapping) -> None:
    seed = {e for t in mapping.tactics for e in t.events}
    known = set(load_mapping(attack_version="v19").names) | set(mapping.names)
    keys = set()
    for e in mapping.extended:
        assert e.event_source.endswith(".amazonaws.com"), e
        assert e.techniques, e
        assert all(TECHNIQUE.match(t) for t in e.techniques), e
        assert e.source == "TrailDiscover" or e.source.startswith("ctir: "), e
        assert e.tactic_ids, e
        assert set(e.tactic_ids) <= known, e
        assert (e.event_source, e.event_name) not in keys, e
        keys.add((e.event_source, e.event_name))
    beyond = {name for _, name in keys} - seed
    assert len(beyond) >= 200
    lambdas = [e for e in mapping.extended if e.event_source == "lambda.amazonaws.com"]
    assert all(e.prefix for e in lambdas if e.event_name != "Invoke")


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("iam.amazonaws.com", "AttachUserPolicy"),
        ("iam.amazonaws.com", "AttachGroupPolicy"),
        ("iam.amazonaws.com", "AttachRolePolicy"),
        ("iam.amazonaws.com", "CreatePolicyVersion"),
        ("iam.amazonaws.com", "SetDefaultPolicyVersion"),
        ("iam.amazonaws.com", "UpdateLoginProfile"),
        ("sts.amazonaws.com", "GetFederationToken"),
        ("sts.amazonaws.com", "GetSessionToken"),
        ("signin.amazonaws.com", "GetSigninToken"),
        ("iam.amazonaws.com", "CreateSAMLProvider"),
        ("iam.amazonaws.com", "UpdateSAMLProvider"),
        ("iam.amazonaws.com", "DeleteSAMLProvider"),
        ("iam.amazonaws.com", "CreateOpenIDConnectProvider"),
        ("iam.amazonaws.com", "DeleteOpenIDConnectProvider"),
        ("ec2.amazonaws.com", "CreateKeyPair"),
        ("ec2.amazonaws.com", "ImportKeyPair"),
        ("ec2.amazonaws.com", "ModifyInstanceAttribute"),
        ("ssm.amazonaws.com", "StartSession"),
        ("s3.amazonaws.com", "PutBucketLifecycle"),
        ("s3.amazonaws.com", "PutBucketLifecycleConfiguration"),
        ("s3.amazonaws.com", "PutBucketReplication"),
        ("s3.amazonaws.com", "DeleteBucket"),
        ("s3.amazonaws.com", "DeleteObjects"),
        ("s3.amazonaws.com", "PutBucketPublicAccessBlock"),
        ("s3.amazonaws.com", "DeleteBucketPublicAccessBlock"),
        ("kms.amazonaws.com", "ScheduleKeyDeletion"),
        ("kms.amazonaws.com", "DisableKey"),
        ("account.amazonaws.com", "EnableRegion"),
        ("bedrock.amazonaws.com", "InvokeModel"),
        ("ec2.amazonaws.com", "TerminateInstances"),
        ("logs.amazonaws.com", "DeleteLogGroup"),
        ("logs.amazonaws.com", "DeleteLogStream"),
        ("guardduty.amazonaws.com", "UpdateDetector"),
        ("config.amazonaws.com", "StopConfigurationRecorder"),
        ("securityhub.amazonaws.com", "DisableSecurityHub"),
        ("organizations.amazonaws.com", "LeaveOrganization"),
        ("secretsmanager.amazonaws.com", "DeleteSecret"),
        ("ec2.amazonaws.com", "ModifySnapshotAttribute"),
        ("ec2.amazonaws.com", "ModifyImageAttribute"),
    ],
)
def test_high_value_events_are_mapped(mapping: Mapping, source: str, name: str) -> None:
    out = add_tactic_columns(events((source, name)), mapping)
    assert out[TACTICS_EXTENDED].to_list()[0], (source, name)


def test_data_events_are_flagged(mapping: Mapping) -> None:
    flagged = {e.event_name for e in mapping.extended if e.data_event}
    assert {"Invoke", "GetObject", "PutObject", "DeleteObjects"} <= flagged


def test_v19_naming(tmp_path: Path) -> None:
    m = load_mapping(config_path=tmp_path / "absent.toml", attack_version="v19")
    # The seed matrix keeps the cheatsheet's name, with v19's beside it.
    assert m.tactic_names(extended=False)[4] == "Defense Evasion"
    assert m.tactics[4].attack_name == "Stealth"
    assert "Defense Evasion" not in m.tactic_names(extended=True)
    assert "Defense Impairment" in m.tactic_names(extended=True)
    assert m.tactic_id("Defense Impairment") == "TA0112"
    trail = {(e.event_source, e.event_name): e for e in m.extended}
    stop = trail[("cloudtrail.amazonaws.com", "StopLogging")]
    assert "T1562.008" not in stop.techniques
    assert "T1685.002" in stop.techniques
    assert "TA0112" in stop.tactic_ids
    all_techniques = {t for e in m.extended for t in e.techniques}
    assert not {"T1562", "T1562.007", "T1562.008"} & all_techniques
    out = add_tactic_columns(events(("cloudtrail.amazonaws.com", "StopLogging")), m)
    assert out[TACTICS].to_list() == [["Defense Evasion"]]
    assert out[TACTICS_EXTENDED].to_list() == [["Stealth", "Defense Impairment"]]
    seed = matrix_counts(out, m).tactics[4]
    assert (seed.name, seed.attack_name, seed.title) == (
        "Defense Evasion",
        "Stealth",
        "Defense Evasion (Stealth)",
    )
    # v19 is the default; v18 stays selectable and keeps the old IDs and names.
    assert load_mapping(config_path=tmp_path / "absent.toml").attack_version == "v19"
    old = load_mapping(config_path=tmp_path / "absent.toml", attack_version="v18")
    v18 = {(e.event_source, e.event_name): e for e in old.extended}
    assert "T1562.008" in v18[("cloudtrail.amazonaws.com", "StopLogging")].techniques
    assert "Defense Evasion" in old.tactic_names(extended=True)
    assert matrix_counts(out, old).tactics[4].attack_name is None


def test_attack_version_from_the_override_file(tmp_path: Path) -> None:
    path = tmp_path / "tactics.toml"
    path.write_text('attack_version = "v18"\n', encoding="utf-8")
    m = load_mapping(config_path=path)
    assert m.attack_version == "v18"
    assert not m.warnings
    # The caller's choice wins over the file's.
    assert load_mapping(config_path=path, attack_version="v19").attack_version == "v19"
    path.write_text('attack_version = "v7"\n', encoding="utf-8")
    bad = load_mapping(config_path=path)
    assert bad.attack_version == "v19"
    assert any("attack_version" in w and "'v7'" in w for w in bad.warnings)


def test_a_tactic_is_found_by_any_of_its_names(mapping: Mapping) -> None:
    aliases = mapping.tactic_aliases()
    assert aliases["stealth"] == {"stealth", "defense evasion"}
    # v18's Defense Evasion is both of v19's tactics.
    assert aliases["defense evasion"] == {"stealth", "defense evasion", "defense impairment"}
    assert aliases["defense impairment"] == {"defense impairment"}
    words = mapping.tactic_words()
    assert {"Stealth", "Defense Impairment", "Defense Evasion"} <= set(words)
    assert len(words) == len({w.lower() for w in words})


def test_unknown_version_is_an_error() -> None:
    with pytest.raises(ValueError, match="v99"):
        load_mapping(attack_version="v99")


def test_override_merges(tmp_path: Path) -> None:
    path = tmp_path / "tactics.toml"
    path.write_text(
        """
[[tactic]]
name = "Crypto mining"
id = "X-MINING"
events = ["RequestSpotInstances"]

[[add]]
tactic = "Persistence"
events = ["UpdateFunctionCode20150331v2"]
note = "mine"

[[add]]
tactic = "Collection"
events = ["GetObject"]

[[move]]
event = "RunInstances"
from = "Impact"
to = "Execution"

[[move]]
event = "GetCallerIdentity"
to = "Crypto mining"
""",
        encoding="utf-8",
    )
    m = load_mapping(config_path=path)
    assert m.warnings == []
    assert m.override_applied
    assert m.override_path == path
    names = m.tactic_names(extended=False)
    assert names[-1] == "Crypto mining"
    # Collection is an ATT&CK tactic: it takes its kill-chain place.
    assert names.index("Lateral Movement") < names.index("Collection") < names.index("Exfiltration")
    by = {t.name: t for t in m.tactics}
    assert by["Execution"].events[-1] == "RunInstances"
    assert "RunInstances" not in by["Impact"].events
    assert by["Persistence"].cells[-1].note == "mine"
    assert "GetCallerIdentity" not in by["Discovery"].events
    frame = events(
        ("ec2.amazonaws.com", "RunInstances"),
        ("ec2.amazonaws.com", "RequestSpotInstances"),
        ("sts.amazonaws.com", "GetCallerIdentity"),
        ("s3.amazonaws.com", "GetObject"),
    )
    out = add_tactic_columns(frame, m)
    assert out[TACTICS].to_list() == [
        ["Execution"],
        ["Crypto mining"],
        ["Crypto mining"],
        ["Collection"],
    ]
    # Moved without "from": it leaves the extended tactics too.
    assert out[TACTICS_EXTENDED].to_list()[2] == ["Crypto mining"]
    counts = tactic_counts(frame, m)
    assert counts["Crypto mining"] == 2
    assert counts["Impact"] == 0


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[[add]]\ntactic = "Persistence"\nevents = ["A"\n', 3, "TOML syntax"),
        ('\n\n[[add]]\ntactic = "Persistence"\nevents = ["A"]\ncolour = "red"\n', 6, "colour"),
        ('[[add]]\ntactic = "Persistence"\nevents = "A"\n', 3, "list of strings"),
        ('[[move]]\nevent = "X"\n', 1, "'to'"),
        ('[[add]]\ntactic = "Nope"\nevents = ["A"]\n', 2, "unknown tactic"),
        ('[[move]]\nevent = "NotThere"\nto = "Impact"\n', 2, "NotThere"),
        ("[extra]\nx = 1\n", 1, "extra"),
        (
            'attack_version = "v18"\n[[add]]\ntactic = "Defense Impairment"\nevents = ["A"]\n',
            3,
            "v18",
        ),
    ],
)
def test_broken_override_is_reported_and_ignored(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "tactics.toml"
    path.write_text(text, encoding="utf-8")
    m = load_mapping(config_path=path)
    assert not m.override_applied
    assert len(m.warnings) >= 1
    message = m.warnings[0]
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message
    assert "ignored" in message
    builtin = load_mapping(config_path=tmp_path / "absent.toml", attack_version=m.attack_version)
    assert m.tactics == builtin.tactics
    assert m.extended == builtin.extended


def test_unreadable_override_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tactics.toml"
    path.write_bytes(b"\xff\xfe not utf-8")
    m = load_mapping(config_path=path)
    assert m.warnings
    assert str(path) in m.warnings[0]


def test_json_shape(mapping: Mapping) -> None:
    frame = events(("ec2.amazonaws.com", "CreateSnapshot"))
    data = matrix_counts(frame, mapping).to_json()
    assert list(data) == ["attack_version", "tactics"]
    assert data["attack_version"] == "v19"
    assert len(data["tactics"]) == 10
    for tactic in data["tactics"]:
        # The seed's Defense Evasion carries v19's name beside it; no other column differs.
        beside = {"attack_name"} if tactic["id"] == "TA0005" else set()
        assert set(tactic) == {"name", "id", "count", "cells"} | beside
        for cell in tactic["cells"]:
            assert {"event", "count"} <= set(cell) <= {"event", "count", "note", "data_event"}
            assert ("data_event" in cell) == (cell["event"] == "Invoke")
    exfil = data["tactics"][8]
    assert exfil["id"] == "TA0010"
    assert exfil["count"] == 1
    assert exfil["cells"][0]["event"] == "CreateSnapshot"
    assert exfil["cells"][0]["count"] == 1
    assert "note" in exfil["cells"][0]
    assert "note" not in exfil["cells"][2]
    json.dumps(data)


def test_extended_matrix_cells(mapping: Mapping) -> None:
    frame = events(
        ("iam.amazonaws.com", "AttachUserPolicy"),
        ("iam.amazonaws.com", "AttachUserPolicy"),
        ("iam.amazonaws.com", "CreatePolicyVersion"),
        ("iam.amazonaws.com", "CreateUser"),
    )
    matrix = matrix_counts(frame, mapping, extended=True)
    assert [t.name for t in matrix.tactics] == mapping.tactic_names(extended=True)
    priv = next(t for t in matrix.tactics if t.id == "TA0004")
    seed_part = [c.event for c in priv.cells[:8]]
    assert seed_part == SEED[3][1]
    extra = [(c.event, c.count) for c in priv.cells[8:]]
    assert extra[0] == ("AttachUserPolicy", 2)
    assert ("CreatePolicyVersion", 1) in extra
    assert all(c.count > 0 for c in priv.cells[8:])
    assert priv.count == 3
    persistence = next(t for t in matrix.tactics if t.id == "TA0003")
    assert [c.event for c in persistence.cells].count("CreateUser") == 1


def test_real_data_seed_counts(mapping: Mapping) -> None:
    folder = DATASETS / "invictus-stratus"
    if not DATASETS.is_dir() or not folder.is_dir():
        pytest.skip("shared datasets not available")
    records = [
        r for f in sorted(folder.glob("*.json")) for r in json.loads(f.read_text())["Records"]
    ]
    frame = pl.DataFrame(
        {
            "event_name": [r.get("eventName") for r in records],
            "event_source": [r.get("eventSource") for r in records],
        },
        schema={"event_name": pl.String, "event_source": pl.String},
    )
    assert frame.height == 2900
    # Hand count:
    #   jq -r '.Records[].eventName' /work/shared/datasets/invictus-stratus/*.json \
    #     | sort | uniq -c
    # summed by hand over each tactic's eventNames from DOMAIN.md section 1.
    assert tactic_counts(frame, mapping) == {
        "Initial Access": 2,  # ConsoleLogin 2
        "Execution": 2,  # SendCommand 2
        "Persistence": 17,  # CreateAccessKey 2, CreateUser 4, CreateRoute 6, ...
        "Privilege Escalation": 21,  # CreateRole 13, PutRolePolicy 5, AddRoleToInstanceProfile 3
        "Defense Evasion": 14,
        "Credential Access": 91,  # GetSecretValue 60, GetPasswordData 29, UpdateAssumeRolePolicy 2
        "Discovery": 98,
        "Lateral Movement": 49,  # AssumeRole 49
        "Exfiltration": 13,
        "Impact": 8,  # RunInstances 8
    }
    cells = {c.event: c.count for t in matrix_counts(frame, mapping).tactics for c in t.cells}
    assert cells["CreateSnapshot"] == 2
    assert cells["ModifySnapshotAttribute"] == 2
    assert cells["GetBucketAcl"] == 42
    assert cells["GetCallerIdentity"] == 15
    assert cells["DescribeInstances"] == 20
    assert cells["StartInstance"] == 0


def test_a_tactic_filter_takes_any_of_its_names() -> None:
    from ctir_tui.engine.query.filters import Filters
    from ctir_tui.engine.query.language import parse_filter
    from ctir_tui.engine.session import Session
    from tests.conftest import SAMPLE_LOGS

    session = Session.open([SAMPLE_LOGS])

    def names(word: str, *, extended: bool) -> set[str]:
        view = session.view(Filters((parse_filter(f"tactic {word}"),)), extended=extended)
        return {str(n) for n in view.get_column("event_name").to_list()}

    # The seed column names the cheatsheet's tactic; v19's name finds it too.
    assert names("stealth", extended=False) == names("Defense Evasion", extended=False)
    assert "StopLogging" in names("stealth", extended=False)
    # v18's Defense Evasion stands for both of v19's tactics in the extended mapping.
    both = names("stealth", extended=True) | names("defense impairment", extended=True)
    assert names("defense evasion", extended=True) == both
    assert names("defense impairment", extended=True) < both


@pytest.mark.parametrize("extended", [False, True])
def test_a_missing_and_an_empty_event_source_are_counted_together(
    mapping: Mapping, extended: bool
) -> None:
    # Seed cells match on the name alone; a record without its eventSource still counts.
    frame = pl.DataFrame(
        {"event_source": [None, "", "signin.amazonaws.com"], "event_name": ["ConsoleLogin"] * 3}
    ).with_columns(pl.all().cast(pl.Categorical))
    matrix = matrix_counts(frame, mapping, extended=extended)
    initial = next(t for t in matrix.tactics if t.id == "TA0001")
    assert initial.count == 3
    assert [c.count for c in initial.cells if c.event == "ConsoleLogin"] == [3]
