"""``ctir sql --ddl athena`` prints AWS's documented CloudTrail table, partition projected.

The expected shape is written here by hand from AWS's Athena guide ("Create the table for
CloudTrail logs in Athena using partition projection"), not read from ctir's template.
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from ctir_tui.engine.export.sql import athena_columns, athena_ddl
from ctir_tui.engine.query.values import FilterError

LOCATION = "s3://acme-trail/org/AWSLogs/o-abc123/111122223333/CloudTrail/"

S = "STRING"
SESSION_CONTEXT = (
    "STRUCT<attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>, "
    "sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, "
    "username: STRING>, ec2roledelivery: STRING, webidfederationdata: "
    "STRUCT<federatedprovider: STRING, attributes: MAP<STRING, STRING>>>"
)
DOCUMENTED: list[tuple[str, str]] = [
    ("eventversion", S),
    (
        "useridentity",
        "STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, "
        "invokedby: STRING, accesskeyid: STRING, username: STRING, "
        "onbehalfof: STRUCT<userid: STRING, identitystorearn: STRING>, "
        f"sessioncontext: {SESSION_CONTEXT}>",
    ),
    ("eventtime", S),
    ("eventsource", S),
    ("eventname", S),
    ("awsregion", S),
    ("sourceipaddress", S),
    ("useragent", S),
    ("errorcode", S),
    ("errormessage", S),
    ("requestparameters", S),
    ("responseelements", S),
    ("additionaleventdata", S),
    ("requestid", S),
    ("eventid", S),
    ("readonly", S),
    ("resources", "ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>"),
    ("eventtype", S),
    ("apiversion", S),
    ("recipientaccountid", S),
    ("serviceeventdetails", S),
    ("sharedeventid", S),
    ("vpcendpointid", S),
    ("vpcendpointaccountid", S),
    ("eventcategory", S),
    (
        "addendum",
        "STRUCT<reason: STRING, updatedfields: STRING, originalrequestid: STRING, "
        "originaleventid: STRING>",
    ),
    ("sessioncredentialfromconsole", S),
    ("edgedevicedetails", S),
    (
        "tlsdetails",
        "STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>",
    ),
]
PROPERTIES = {
    "projection.enabled": "true",
    "projection.timestamp.format": "yyyy/MM/dd",
    "projection.timestamp.interval": "1",
    "projection.timestamp.interval.unit": "DAYS",
    "projection.timestamp.range": "2020/01/01,NOW",
    "projection.timestamp.type": "date",
    "storage.location.template": (
        "s3://acme-trail/org/AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/${timestamp}"
    ),
}


def _type(sql: str) -> str:
    return exp.DataType.build(sql, dialect="hive").sql(dialect="hive")


def test_the_table_has_the_documented_columns_and_partition() -> None:
    create = sqlglot.parse_one(athena_ddl(LOCATION, region="eu-west-1"), read="athena")
    got = [(c.name, c.args["kind"].sql(dialect="hive")) for c in create.this.expressions]
    assert got == [(name, _type(kind)) for name, kind in DOCUMENTED]
    partition = create.find(exp.PartitionedByProperty)
    assert partition is not None
    assert [(c.name, c.args["kind"].sql(dialect="hive")) for c in partition.this.expressions] == [
        ("timestamp", "STRING")
    ]
    assert athena_columns() == (*(name for name, _ in DOCUMENTED), "timestamp")


def test_the_table_reads_cloudtrail_files_with_projected_days() -> None:
    text = athena_ddl(LOCATION, table="forensics.trail", region="eu-west-1")
    assert text.startswith("CREATE EXTERNAL TABLE forensics.trail (\n")
    assert "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'" in text
    assert "STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'" in text
    assert (
        "LOCATION 's3://acme-trail/org/AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1'" in text
    )
    create = sqlglot.parse_one(text, read="athena")
    props = {
        p.name: p.args["value"].this
        for p in create.find_all(exp.Property)
        if p.name.startswith(("projection.", "storage."))
    }
    assert props == PROPERTIES


@pytest.mark.parametrize(
    "location",
    [
        "s3://acme-trail/AWSLogs/111122223333/",
        "s3://acme-trail/AWSLogs/111122223333/CloudTrail/' ) DROP TABLE x --/CloudTrail/",
        "https://acme-trail/AWSLogs/111122223333/CloudTrail/",
        "s3://acme-trail/${x}/CloudTrail/",
    ],
)
def test_a_location_that_is_no_trail_prefix_is_refused(location: str) -> None:
    with pytest.raises(FilterError, match="bad --location"):
        athena_ddl(location)


def test_a_bad_region_or_table_is_refused() -> None:
    with pytest.raises(FilterError, match="bad --region"):
        athena_ddl(LOCATION, region="us-east-1'")
    with pytest.raises(FilterError, match="bad Athena table"):
        athena_ddl(LOCATION, table="t`; DROP")
