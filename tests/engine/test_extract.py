"""Column building: the batch path (a comprehension per column) gives exactly the rows that
adding records one at a time gives, for every form a record takes."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from ctir_tui.engine.pipeline.extract import Columns
from ctir_tui.engine.readers.typed import DELIVERY, Record, record_from_dict
from tests.conftest import SAMPLE_LOGS
from tests.factory import record


def sample_records() -> list[Record]:
    out: list[Record] = []
    for path in sorted(Path(SAMPLE_LOGS).rglob("*.json.gz")):
        data = gzip.decompress(path.read_bytes())
        if data.lstrip().startswith(b'{"Records"'):
            try:
                out.extend(DELIVERY.decode(data).Records)
            except Exception:  # the sample holds broken files on purpose
                continue
    return out


ODD = [
    record(0),
    record(1, eventName="ConsoleLogin", responseElements={"ConsoleLogin": "Failure"},
           additionalEventData={"MFAUsed": "No"}),
    record(2, eventName="AssumeRole", responseElements={
        "credentials": {"accessKeyId": "ASIAEXAMPLE"}, "assumedRoleUser": {"arn": "arn:x"}}),
    record(3, eventName="AttachUserPolicy", requestParameters={"userName": "bob",
           "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    record(4, userIdentity={"type": "IdentityCenterUser", "onBehalfOf": {"userId": "u-1"},
           "sessionContext": {"sourceIdentity": "alice", "attributes": {"mfaAuthenticated": True},
                              "sessionIssuer": {"type": "Role", "arn": "arn:r", "userName": "r"}}}),
    record(5, readOnly=False, eventTime=1741600000),
    record(6, userIdentity=None, requestParameters=None, resources=[{"ARN": "arn:b"}]),
]  # fmt: skip


def typed(values: list[dict[str, object]]) -> list[Record]:
    return DELIVERY.decode(orjson.dumps({"Records": values})).Records


@pytest.mark.parametrize("source", ["sample", "odd", "flagged"])
def test_batch_and_one_at_a_time_give_the_same_rows(source: str) -> None:
    if source == "sample":
        recs = sample_records()
        assert len(recs) > 1000
    elif source == "odd":
        recs = typed(ODD)
    else:
        recs = [record_from_dict(dict(r, userIdentity="root")) for r in ODD]
        assert all(r.flags for r in recs)
    one, many = Columns(), Columns()
    one.add(recs[0], 7, 0)
    many.add(recs[0], 7, 0)
    for index, rec in enumerate(recs[1:], start=1):
        one.add(rec, 7, index)
    many.add_many(recs[1:], 7, list(range(1, len(recs))))
    main_one, texts_one = one.frames()
    main_many, texts_many = many.frames()
    assert main_many.equals(main_one)
    assert texts_many.collect().equals(texts_one.collect())
    if source == "odd":  # and the batch path did read what the special records hold
        row = main_many.row(1, named=True)
        assert row["console_login"] == "Failure"
        assert row["mfa_used"] == "No"
        assert main_many.row(2, named=True)["issued_access_key_id"] == "ASIAEXAMPLE"
        assert main_many.row(4, named=True)["on_behalf_of"] == "u-1"
        assert main_many.row(4, named=True)["source_identity"] == "alice"
        assert main_many.row(3, named=True)["target"] is not None
