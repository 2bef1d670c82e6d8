"""Write the Parquet fixtures from the literal rows below (run by hand; the files are kept).

``python -m tests.readers.make_parquet_fixtures`` rewrites
``tests/readers/fixtures/athena-unload.parquet`` and ``ocsf-1.1.parquet``. Their shapes:

* Athena's ``UNLOAD (SELECT * FROM cloudtrail_logs ...) WITH (format = 'PARQUET')`` keeps
  the table's types: lower-case columns, ``useridentity`` a struct (its fields lower-case),
  ``resources`` a list of structs, the JSON objects as strings, ``timestamp`` last.
* Security Lake writes OCSF as nested Parquet (``api``, ``actor``, ``metadata`` structs,
  ``time`` an int64 of epoch ms); its ``unmapped`` map arrives in Polars as a list of
  ``{key, value}``, which is how it is written here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

FIXTURES = Path(__file__).parent / "fixtures"

ATHENA_ROWS: list[dict[str, Any]] = [
    {
        "eventversion": "1.09",
        "useridentity": {
            "type": "AssumedRole",
            "principalid": "AROAUNLOAD:ops",
            "arn": "arn:aws:sts::111122223333:assumed-role/ops/ops",
            "accountid": "111122223333",
            "invokedby": None,
            "accesskeyid": "ASIAUNLOAD0000000001",
            "username": None,
            "onbehalfof": None,
            "sessioncontext": {
                "attributes": {"mfaauthenticated": "true", "creationdate": "2026-03-04T06:00:00Z"},
                "sessionissuer": {
                    "type": "Role",
                    "principalid": "AROAUNLOAD",
                    "arn": "arn:aws:iam::111122223333:role/ops",
                    "accountid": "111122223333",
                    "username": "ops",
                },
                "ec2roledelivery": None,
            },
        },
        "eventtime": "2026-03-04T06:01:00Z",
        "eventsource": "ec2.amazonaws.com",
        "eventname": "ModifySnapshotAttribute",
        "awsregion": "eu-west-1",
        "sourceipaddress": "198.51.100.44",
        "useragent": "aws-cli/2.15.0",
        "errorcode": None,
        "errormessage": None,
        "requestparameters": (
            '{"snapshotId":"snap-0123",'
            '"createVolumePermission":{"add":{"items":[{"userId":"999988887777"}]}}}'
        ),
        "responseelements": '{"_return":true}',
        "additionaleventdata": None,
        "requestid": "req-unload-01",
        "eventid": "unload-01",
        "readonly": "false",
        "resources": [
            {
                "arn": "arn:aws:ec2:eu-west-1::snapshot/snap-0123",
                "accountid": "111122223333",
                "type": None,
            }
        ],
        "eventtype": "AwsApiCall",
        "recipientaccountid": "111122223333",
        "eventcategory": "Management",
        "timestamp": "2026/03/04",
    },
    {
        "eventversion": "1.09",
        "useridentity": {
            "type": "AWSService",
            "principalid": None,
            "arn": None,
            "accountid": None,
            "invokedby": "config.amazonaws.com",
            "accesskeyid": None,
            "username": None,
            "onbehalfof": None,
            "sessioncontext": None,
        },
        "eventtime": "2026-03-04T06:02:00Z",
        "eventsource": "s3.amazonaws.com",
        "eventname": "GetBucketAcl",
        "awsregion": "eu-west-1",
        "sourceipaddress": "config.amazonaws.com",
        "useragent": "config.amazonaws.com",
        "errorcode": None,
        "errormessage": None,
        "requestparameters": '{"bucketName":"evidence-bucket","acl":""}',
        "responseelements": None,
        "additionaleventdata": None,
        "requestid": "req-unload-02",
        "eventid": "unload-02",
        "readonly": "true",
        "resources": [],
        "eventtype": "AwsApiCall",
        "recipientaccountid": "111122223333",
        "eventcategory": "Management",
        "timestamp": "2026/03/04",
    },
]

OCSF_ROWS: list[dict[str, Any]] = [
    {
        "metadata": {
            "product": {"version": "1.09", "name": "CloudTrail", "feature": {"name": "Management"}},
            "uid": "ocsf-pq-01",
            "version": "1.1.0",
            "event_code": "AwsApiCall",
        },
        "time": 1772604000000,
        "cloud": {"region": "us-east-2", "provider": "AWS"},
        "api": {
            "operation": "PutBucketPublicAccessBlock",
            "service": {"name": "s3.amazonaws.com"},
            "request": {"uid": "req-ocsf-pq-01", "data": '{"bucketName":"evidence-bucket"}'},
            "response": {"error": None, "message": None, "data": None},
        },
        "actor": {
            "user": {
                "type": "IAMUser",
                "name": "frank",
                "uid": "arn:aws:iam::111122223333:user/frank",
                "uid_alt": "AIDAOCSFPQ000FRANK",
                "account": {"uid": "111122223333"},
                "credential_uid": "AKIAOCSFPQ0000000001",
                "uuid": None,
                "account_uid": None,
            },
            "session": {"issuer": None, "is_mfa": None, "mfa": None},
        },
        "http_request": {"user_agent": "aws-sdk-java/2.20"},
        "src_endpoint": {"ip": "203.0.113.150", "domain": None},
        "class_uid": 6003,
        "unmapped": [
            {"key": "recipientAccountId", "value": "111122223333"},
            {"key": "readOnly", "value": "false"},
        ],
    },
    {
        "metadata": {
            "product": {"version": "1.08", "name": "CloudTrail", "feature": {"name": None}},
            "uid": "ocsf-pq-02",
            "version": "1.0.0-rc.2",
            "event_code": None,
        },
        "time": 1772604005000,
        "cloud": {"region": "us-east-2", "provider": "AWS"},
        "api": {
            "operation": "DeleteDetector",
            "service": {"name": "guardduty.amazonaws.com"},
            "request": {"uid": "req-ocsf-pq-02", "data": None},
            "response": {"error": None, "message": None, "data": None},
        },
        "actor": {
            "user": {
                "type": "IAMUser",
                "name": "grace",
                "uid": "AIDAOCSFPQ000GRACE",
                "uid_alt": None,
                "account": None,
                "credential_uid": "AKIAOCSFPQ0000000002",
                "uuid": "arn:aws:iam::111122223333:user/grace",
                "account_uid": "111122223333",
            },
            "session": {"issuer": None, "is_mfa": None, "mfa": False},
        },
        "http_request": {"user_agent": "aws-cli/1.29"},
        "src_endpoint": {"ip": None, "domain": "guardduty.amazonaws.com"},
        "class_uid": 6003,
        "unmapped": [{"key": "recipientAccountId", "value": "111122223333"}],
    },
]


def main() -> None:
    """Write both files."""
    pl.DataFrame(ATHENA_ROWS).write_parquet(FIXTURES / "athena-unload.parquet")
    pl.DataFrame(OCSF_ROWS).write_parquet(FIXTURES / "ocsf-1.1.parquet")


if __name__ == "__main__":
    main()
