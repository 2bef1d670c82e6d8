"""API call shapes: request parameters, response elements and resources of the calls made."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bench.gen.identities import ACCOUNT
from bench.gen.ids import ALNUM, aws_date, uuid4
from bench.gen.record import TLS_12

Params = tuple[dict[str, Any] | None, dict[str, Any] | None]
#: A read call picked for a caller: (eventSource, eventName, (request, response)).
ReadCall = tuple[str, str, Params]


def denied_message(arn: str, action: str, resource: str) -> str:
    """Return the errorMessage IAM writes for an implicit deny."""
    return (
        f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


def s3_req(bucket: str, region: str, **extra: Any) -> dict[str, Any]:
    """Return S3 request parameters naming ``bucket`` (S3 always logs the Host)."""
    return {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com", **extra}


def s3_additional(rng: random.Random, out_bytes: int = 0) -> dict[str, Any]:
    """Return the additionalEventData S3 writes for authenticated calls."""
    return {
        "SignatureVersion": "SigV4",
        "CipherSuite": TLS_12,
        "bytesTransferredIn": 0,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": "".join(rng.choices(ALNUM + "+/", k=76)) + "=",
        "bytesTransferredOut": out_bytes,
    }


ParamsFn = Callable[[random.Random, str], Params]


def _describe_instances(rng: random.Random, region: str) -> Params:
    return {"instancesSet": {}, "filterSet": {}}, None


def _describe_volumes(rng: random.Random, region: str) -> Params:
    return {"volumeSet": {}, "filterSet": {}}, None


def _describe_sgs(rng: random.Random, region: str) -> Params:
    return {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}}, None


def _describe_snapshots(rng: random.Random, region: str) -> Params:
    return {"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]}, "filterSet": {}}, None


def _empty(rng: random.Random, region: str) -> Params:
    return None, None


def _list_max(rng: random.Random, region: str) -> Params:
    return {"maxItems": 100}, None


def _get_parameter(rng: random.Random, region: str) -> Params:
    name = rng.choice(["/app/prod/db_host", "/app/prod/feature_flags", "/app/prod/api_url"])
    return {"name": name, "withDecryption": False}, None


def _describe_log_groups(rng: random.Random, region: str) -> Params:
    return {"logGroupNamePrefix": rng.choice(["/aws/lambda/", "/ecs/shop", "/app/"])}, None


def _describe_alarms(rng: random.Random, region: str) -> Params:
    return {"maxRecords": 100, "alarmTypes": ["CompositeAlarm", "MetricAlarm"]}, None


def _list_functions(rng: random.Random, region: str) -> Params:
    return {"maxItems": 50}, None


def _describe_services(rng: random.Random, region: str) -> Params:
    return {"cluster": "shop-prod", "services": ["shop-api", "shop-worker"]}, None


def _describe_stacks(rng: random.Random, region: str) -> Params:
    return {"stackName": rng.choice(["shop-network", "shop-data", "shop-app"])}, None


def decrypt_params(rng: random.Random, region: str) -> Params:
    return {
        "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "encryptionContext": {"aws:ssm:parameter-name": "/app/prod/db_password"},
    }, None


#: Everyday read calls: eventSource -> [(eventName, builder)].
READ_CALLS: dict[str, list[tuple[str, ParamsFn]]] = {
    "ec2.amazonaws.com": [
        ("DescribeInstances", _describe_instances),
        ("DescribeVolumes", _describe_volumes),
        ("DescribeSecurityGroups", _describe_sgs),
        ("DescribeSnapshots", _describe_snapshots),
        ("DescribeVpcs", _empty),
        ("DescribeSubnets", _empty),
        ("DescribeInstanceStatus", _describe_instances),
    ],
    "iam.amazonaws.com": [
        ("ListUsers", _list_max),
        ("ListRoles", _list_max),
        ("ListPolicies", _list_max),
        ("GetAccountSummary", _empty),
        ("ListGroups", _list_max),
    ],
    "ssm.amazonaws.com": [("GetParameter", _get_parameter), ("DescribeParameters", _empty)],
    "logs.amazonaws.com": [("DescribeLogGroups", _describe_log_groups)],
    "monitoring.amazonaws.com": [("DescribeAlarms", _describe_alarms)],
    "lambda.amazonaws.com": [("ListFunctions20150331", _list_functions)],
    "ecs.amazonaws.com": [("DescribeServices", _describe_services)],
    "cloudformation.amazonaws.com": [("DescribeStacks", _describe_stacks)],
    "kms.amazonaws.com": [("Decrypt", decrypt_params)],
}


def read_call(rng: random.Random, sources: list[str], region: str) -> ReadCall:
    """Pick a read call among ``sources`` and return (eventSource, eventName, params)."""
    source = rng.choice(sources)
    name, fn = rng.choice(READ_CALLS[source])
    return source, name, fn(rng, region)


def bucket_resources(bucket: str) -> list[dict[str, Any]]:
    """Return the ``resources`` entry S3 writes for a bucket-level call."""
    return [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]


def role_resources(role_arn: str) -> list[dict[str, Any]]:
    """Return the ``resources`` entry STS writes for AssumeRole."""
    return [{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": role_arn}]


def session_token(rng: random.Random) -> str:
    """Return a fake, session-token-looking string (long, base64-ish)."""
    return "IQoJb3JpZ2luX2Vj" + "".join(rng.choices(ALNUM + "+/", k=340)) + "="


def assume_role_response(
    rng: random.Random,
    t: datetime,
    role: str,
    role_pid: str,
    session: str,
    asia: str,
    hours: int = 1,
) -> dict[str, Any]:
    """Return AssumeRole's responseElements, whose credentials hold the new ASIA key."""
    exp = t + timedelta(hours=hours)
    return {
        "credentials": {
            "accessKeyId": asia,
            "sessionToken": session_token(rng),
            "expiration": aws_date(exp),
        },
        "assumedRoleUser": {
            "assumedRoleId": f"{role_pid}:{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        },
    }


def snapshot_response(
    rng: random.Random, t: datetime, volume: str, snapshot: str, *, encrypted: bool
) -> dict[str, Any]:
    """Return CreateSnapshot's responseElements."""
    return {
        "requestId": uuid4(rng),
        "snapshotId": snapshot,
        "volumeId": volume,
        "status": "pending",
        "startTime": int(t.timestamp() * 1000),
        "ownerId": ACCOUNT,
        "volumeSize": "100",
        "encrypted": encrypted,
    }
