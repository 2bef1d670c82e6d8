"""Tabular inputs that reconcile with the records they came from, and hostile ones.

The reconciliation tests write the same literal records as a trail delivery and in each
engine's shape (converted here, by this test's own code, the way Athena's JSON SerDe and
Security Lake lay them out) and require the same canonical frame.
"""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from ctir_tui.engine.export.records import write_csv
from ctir_tui.engine.export.sql.ddl import athena_columns
from ctir_tui.engine.schema import EVENT_SCHEMA, FILE_ID, REC_INDEX, SOURCE_FILE
from tests.factory import file_report, load, record, write_s3

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = Path(__file__).parents[2] / "ctir_tui" / "engine" / "readers" / "tables.toml"

RECORDS: list[dict[str, Any]] = [
    record(1),
    record(
        2,
        eventName="AssumeRole",
        eventSource="sts.amazonaws.com",
        userIdentity={
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:s",
            "arn": "arn:aws:sts::111122223333:assumed-role/r/s",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLE000000001",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLE",
                    "arn": "arn:aws:iam::111122223333:role/r",
                    "accountId": "111122223333",
                    "userName": "r",
                },
                "attributes": {"creationDate": "2026-03-01T09:00:00Z", "mfaAuthenticated": "true"},
            },
        },
        requestParameters={"roleArn": "arn:aws:iam::444455556666:role/x", "roleSessionName": "s"},
        responseElements={"credentials": {"accessKeyId": "ASIAEXAMPLE000000002"}},
        readOnly=False,
    ),
    record(
        3,
        eventName="DeleteTrail",
        eventSource="cloudtrail.amazonaws.com",
        errorCode="AccessDenied",
        errorMessage="no",
        resources=[
            {
                "ARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
                "accountId": "111122223333",
            }
        ],
        requestParameters={"name": "t"},
    ),
]
COMPARED = [n for n in EVENT_SCHEMA if n not in (SOURCE_FILE, FILE_ID, REC_INDEX)]


def _lower(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.lower(): _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def _athena_row(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as the JSON SerDe reads it into the table: objects as JSON text."""
    row: dict[str, Any] = {}
    for key, value in rec.items():
        name = key.lower()
        if name in ("requestparameters", "responseelements", "additionaleventdata"):
            row[name] = None if value is None else orjson.dumps(value).decode()
        elif name in ("useridentity", "resources"):
            row[name] = _lower(value)
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        else:
            row[name] = value
    return row


def _frame(path: Path) -> pl.DataFrame:
    return load(path).frame.sort("event_id").select(COMPARED)


def test_athena_parquet_and_csv_reconcile_with_the_delivery(tmp_path: Path) -> None:
    write_s3(tmp_path / "json" / "d.json.gz", RECORDS)
    rows = [_athena_row(r) for r in RECORDS]
    (tmp_path / "pq").mkdir()
    pl.DataFrame(rows).write_parquet(tmp_path / "pq" / "unload.parquet")
    # The console's CSV: every value quoted, structs as JSON text (CAST(... AS JSON)).
    buffer = io.StringIO()
    names = sorted({k for r in rows for k in r})
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(names)
    for row in rows:
        cells = [row.get(n) for n in names]
        writer.writerow(
            [
                "" if c is None else c if isinstance(c, str) else orjson.dumps(c).decode()
                for c in cells
            ]
        )
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "result.csv").write_text(buffer.getvalue())
    expected = _frame(tmp_path / "json")
    assert expected.height == 3
    assert _frame(tmp_path / "pq").equals(expected)
    assert _frame(tmp_path / "csv").equals(expected)


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _ocsf(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as Security Lake maps it into OCSF 1.1 (this test's own conversion)."""
    ui = rec["userIdentity"]
    session = ui.get("sessionContext") or {}
    attributes = session.get("attributes", {})
    moment = datetime.fromisoformat(rec["eventTime"].replace("Z", "+00:00"))
    product = {"version": rec["eventVersion"], "feature": {"name": rec["eventCategory"]}}
    api = {
        "operation": rec["eventName"],
        "service": {"name": rec["eventSource"]},
        "request": {"uid": rec["requestID"], "data": _json(rec["requestParameters"])},
        "response": {
            "error": rec.get("errorCode"),
            "message": rec.get("errorMessage"),
            "data": _json(rec.get("responseElements")),
        },
    }
    user = {
        "type": ui["type"],
        "uid": ui["arn"],
        "uid_alt": ui["principalId"],
        "account": {"uid": ui["accountId"]},
        "credential_uid": ui["accessKeyId"],
        "name": ui.get("userName"),
    }
    mfa = attributes.get("mfaAuthenticated")
    actor_session = {
        "issuer": session.get("sessionIssuer", {}).get("arn"),
        "is_mfa": None if mfa is None else mfa == "true",
        "created_time_dt": attributes.get("creationDate"),
    }
    resources = [{"uid": r["ARN"]} for r in rec["resources"]] if "resources" in rec else None
    return {
        "metadata": {
            "uid": rec["eventID"],
            "version": "1.1.0",
            "event_code": rec["eventType"],
            "product": product,
        },
        "time": int(moment.timestamp() * 1000),
        "cloud": {"region": rec["awsRegion"]},
        "api": api,
        "actor": {"user": user, "session": actor_session},
        "http_request": {"user_agent": rec["userAgent"]},
        "src_endpoint": {"ip": rec["sourceIPAddress"]},
        "class_uid": 6003,
        "resources": resources,
        "unmapped": {
            "recipientAccountId": rec["recipientAccountId"],
            "readOnly": "true" if rec["readOnly"] else "false",
        },
    }


def test_ocsf_json_and_parquet_agree_and_keep_what_ocsf_maps(tmp_path: Path) -> None:
    events = [_ocsf(r) for r in RECORDS]
    (tmp_path / "json").mkdir()
    (tmp_path / "json" / "ocsf.jsonl").write_bytes(b"\n".join(orjson.dumps(e) for e in events))
    (tmp_path / "pq").mkdir()
    pl.DataFrame(events).write_parquet(tmp_path / "pq" / "ocsf.parquet")
    write_s3(tmp_path / "trail" / "d.json.gz", RECORDS)
    from_json, from_parquet = _frame(tmp_path / "json"), _frame(tmp_path / "pq")
    assert from_parquet.equals(from_json)
    # OCSF keeps no session issuer's type or name: everything else matches the trail.
    kept = [c for c in COMPARED if c not in ("session_issuer_type", "session_issuer_name",
                                            "user_name", "content_hash")]  # fmt: skip
    assert from_json.select(kept).equals(_frame(tmp_path / "trail").select(kept))


def test_the_athena_mapping_covers_the_ddl_columns() -> None:
    data = tomllib.loads(TABLES.read_text())
    mapped = {f if isinstance(f, str) else f["from"] for f in data["sql"]["fields"].values()}
    assert mapped | set(data["sql"]["unread"]) == set(athena_columns())


# --- hostile -----------------------------------------------------------------------------------


def _athena_csv(rows: list[list[str]]) -> str:
    header = ["eventname", "eventid", "eventtime", "eventsource", "useridentity", "sourceipaddress"]
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows([header, *rows])
    return buffer.getvalue()


def test_truncated_parquet_fails_alone(tmp_path: Path) -> None:
    data = (FIXTURES / "ocsf-1.1.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    write_s3(tmp_path / "ok.json.gz", [record(1)])
    result = load(tmp_path)
    report = file_report(result, "cut.parquet")
    assert report.status == "failed"
    assert report.reason is not None
    assert report.reason.startswith("unreadable Parquet")
    assert result.frame["event_id"].to_list() == ["evt-00000001"]


def test_csv_formulas_controls_quotes_and_bom_stay_text(tmp_path: Path) -> None:
    formula = "=cmd|' /C calc'!A0"
    ui = (
        '{"type":"IAMUser","arn":"arn:aws:iam::1:user/x\\u001b]52;c;evil\\u0007",'
        '"username":"a\\"b"}'
    )
    text = _athena_csv([[formula, "h-1", "2026-03-05T00:00:00Z", "+x", ui, "@1.2.3.4"]])
    (tmp_path / "r.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = load(tmp_path)
    row = result.frame.row(0, named=True)
    assert row["event_name"] == formula
    assert row["principal_arn"] == "arn:aws:iam::1:user/x\x1b]52;c;evil\x07"
    assert row["user_name"] == 'a"b'
    assert file_report(result, "r.csv").note == "UTF-8 byte-order mark removed"
    out = io.StringIO()
    write_csv(result.frame, out)
    exported = out.getvalue()
    assert "'=cmd|' /C calc'!A0" in exported
    assert "\x1b" not in exported


def test_wrong_columns_are_not_logs(tmp_path: Path) -> None:
    (tmp_path / "alerts.csv").write_text("Event Type,Event Name,Event ID,Alert\nx,y,z,w\n")
    pl.DataFrame({"a": [1], "b": ["x"]}).write_parquet(tmp_path / "other.parquet")
    write_s3(tmp_path / "ok.json.gz", [record(1)])
    result = load(tmp_path)
    assert file_report(result, "alerts.csv").status == "skipped"
    other = file_report(result, "other.parquet")
    assert (other.status, other.reason) == ("skipped", "Parquet, but not CloudTrail or OCSF (a, b)")


def test_a_huge_cell_is_cut_and_flagged(tmp_path: Path) -> None:
    huge = "A" * (3 << 20)
    text = _athena_csv([["ListUsers", "h-2", "2026-03-05T00:00:00Z", huge, "", "1.2.3.4"]])
    (tmp_path / "r.csv").write_text(text)
    row = load(tmp_path).frame.row(0, named=True)
    assert len(row["event_source"]) == 1 << 20
    assert row["flags"] == "cut-cell"


def test_a_column_given_twice_is_flagged_with_both_values(tmp_path: Path) -> None:
    text = '"eventname","eventid","eventtime","useridentity","eventsource","eventname"\n'
    text += '"ListBuckets","h-3","2026-03-05T00:00:00Z","","s3.amazonaws.com","DeleteTrail"\n'
    (tmp_path / "r.csv").write_text(text)
    result = load(tmp_path)
    row = result.frame.row(0, named=True)
    assert row["event_name"] == "ListBuckets"
    assert row["flags"] == "duplicate-keys"
    assert (
        row["notes"]
        == 'duplicate keys: column eventname given 2 times: "ListBuckets" / "DeleteTrail"'
    )
    assert result.report.flagged == 1


def test_ocsf_json_repeating_a_key_is_flagged(tmp_path: Path) -> None:
    line = (FIXTURES / "ocsf-1.1.jsonl").read_text().splitlines()[0]
    forged = line.replace(
        '"operation":"GetSecretValue"', '"operation":"GetSecretValue","operation":"DeleteTrail"'
    )
    (tmp_path / "o.jsonl").write_text(
        forged + "\n" + line.replace("ocsf-11-01", "ocsf-11-09") + "\n"
    )
    result = load(tmp_path)
    flagged = result.frame.filter(pl.col("flags") == "duplicate-keys")
    assert flagged["event_id"].to_list() == ["ocsf-11-01"]
    assert '"GetSecretValue" / "DeleteTrail"' in flagged["notes"][0]


def test_empty_tables_and_rows_without_events(tmp_path: Path) -> None:
    (tmp_path / "header-only.csv").write_text(
        '"eventname","eventid","eventtime","eventsource","useridentity"\n'
    )
    (tmp_path / "blank.csv").write_text("")
    pl.DataFrame(
        schema={"api": pl.Struct({"operation": pl.String}), "class_uid": pl.Int64}
    ).write_parquet(tmp_path / "empty.parquet")
    (tmp_path / "rows.csv").write_text(
        _athena_csv([["", "h-4", "", "", "", ""], ["GetCallerIdentity", "h-5", "", "", "", ""]])
    )
    result = load(tmp_path)
    assert file_report(result, "header-only.csv").records == 0
    assert file_report(result, "blank.csv").reason == "empty file"
    assert file_report(result, "empty.parquet").records == 0
    rows = file_report(result, "rows.csv")
    assert (rows.records, rows.rejected) == (2, 1)
    assert [(r.index, r.reason) for r in result.report.rejected_details] == [
        (0, "not a CloudTrail event (no event name)")
    ]
    assert result.frame["event_id"].to_list() == ["h-5"]


def test_every_shape_side_by_side_in_one_folder(tmp_path: Path) -> None:
    names = [
        "athena-results.csv", "athena-unload.parquet", "lake-results.csv",
        "lake-query-results.json", "ocsf-1.1.jsonl", "ocsf-rc2.json", "ocsf-1.1.parquet",
        "event-history.csv", "s3-delivery.json", "json-lines.jsonl", "lookup-events.json",
        "cloudwatch-export-lines.txt",
    ]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes((FIXTURES / name).read_bytes())
    result = load(tmp_path)
    assert result.report.count("read") == len(names)
    assert result.frame.height == 3 + 2 + 2 + 2 + 2 + 1 + 2 + 2 + 3 + 4 + 3 + 2


@pytest.mark.parametrize("cell", ["{type=IAMUser, arn=", "[1, 2", "plain words", "[]"])
def test_odd_struct_text_is_flagged_not_fatal(tmp_path: Path, cell: str) -> None:
    (tmp_path / "r.csv").write_text(
        _athena_csv([["ListUsers", "h-6", "2026-03-05T00:00:00Z", "iam", cell, "1.2.3.4"]])
    )
    row = load(tmp_path).frame.row(0, named=True)
    assert row["event_id"] == "h-6"
    assert row["event_name"] == "ListUsers"
    assert row["flags"] == "bad-identity"


def test_a_struct_field_of_the_wrong_type_is_read_as_text(tmp_path: Path) -> None:
    cell = '{"type": 5, "arn": ["a"]}'
    text = _athena_csv([["ListUsers", "h-7", "2026-03-05T00:00:00Z", "iam", cell, "1.2.3.4"]])
    (tmp_path / "r.csv").write_text(text)
    row = load(tmp_path).frame.row(0, named=True)
    assert (row["identity_type"], row["principal_arn"]) == ("5", '["a"]')


def test_a_table_larger_than_a_batch_maps_every_row(tmp_path: Path) -> None:
    from ctir_tui.engine.readers.tabular import BATCH_ROWS

    count = BATCH_ROWS + 3
    rows = [
        [f"Call{n % 7}", f"b-{n:06d}", "2026-03-05T00:00:00Z", "s3", "", "1.2.3.4"]
        for n in range(count)
    ]
    (tmp_path / "r.csv").write_text(_athena_csv(rows))
    frame = load(tmp_path).frame
    assert frame.height == count
    last = frame.filter(pl.col("event_id") == f"b-{count - 1:06d}").row(0, named=True)
    assert last["event_name"] == f"Call{(count - 1) % 7}"


def test_rows_longer_than_the_header_are_cut_and_said_so(tmp_path: Path) -> None:
    text = _athena_csv([["ListUsers", "r-1", "2026-03-05T00:00:00Z", "iam", "", "1.2.3.4"]])
    text += '"GetUser","r-2","2026-03-05T00:00:01Z","iam","","1.2.3.5","extra","more"\n'
    (tmp_path / "r.csv").write_text(text)
    result = load(tmp_path)
    assert sorted(result.frame["event_id"].to_list()) == ["r-1", "r-2"]
    assert file_report(result, "r.csv").salvage == (
        "some rows held more fields than the header: the extra fields were dropped"
    )


def test_a_short_first_row_and_a_quote_left_open_lose_nothing_else(tmp_path: Path) -> None:
    header = '"eventname","eventid","eventtime","eventsource","useridentity","sourceipaddress"\n'
    (tmp_path / "short.csv").write_text(
        header + '"ListUsers","s-1"\n"GetUser","s-2","","iam","",""\n'
    )
    (tmp_path / "open.csv").write_text(
        header + '"ListUsers","o-1","","","",""\n"GetUser","o-2","unterminated\n'
    )
    result = load(tmp_path)
    assert sorted(result.frame["event_id"].to_list()) == ["o-1", "o-2", "s-1", "s-2"]
    salvage = file_report(result, "open.csv").salvage
    assert salvage is not None
    assert salvage.startswith("damaged CSV (")
    assert file_report(result, "short.csv").salvage is None
