"""The attacker does damage: blinds the defenders, exfiltrates, abuses compute.

Steps 5 to 7 of the story in ``incident``, all with the assumed role's session; they share one
walk of times.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from bench.gen.agents import UA_KALI_CLI, cli_agent
from bench.gen.api import bucket_resources, s3_additional, s3_req, snapshot_response
from bench.gen.identities import ACCOUNT, ATTACKER_ACCOUNT, Actor
from bench.gen.ids import hexid, uuid4
from bench.gen.scenario import ATTACKER_IP, Scenario

#: The bucket opened to the world and the region of the compute abuse.
BUCKET = "acme-customer-exports"
COMPUTE_REGION = "ap-southeast-2"


def _session(hop: dict[str, Any], source: str, name: str, ip: str = ATTACKER_IP) -> Actor:
    return Actor(hop, ip, cli_agent(source, name, UA_KALI_CLI))


def defence_evasion(s: Scenario, hop: dict[str, Any], times: Iterator[datetime]) -> None:
    """5. Stop and blind the trail, delete detectors, flow logs and the Config recorder."""
    r = s.rng
    sess = partial(_session, hop)
    calls: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = [
        ("sts", "GetCallerIdentity", "us-east-1", None, None),
        ("cloudtrail", "StopLogging", "us-east-1", {"name": "acme-main-trail"}, None),
        (
            "cloudtrail",
            "PutEventSelectors",
            "us-east-1",
            {
                "trailName": "acme-main-trail",
                "eventSelectors": [
                    {
                        "readWriteType": "ReadOnly",
                        "includeManagementEvents": False,
                        "dataResources": [],
                        "excludeManagementEventSources": [],
                    }
                ],
            },
            {"trailARN": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/acme-main-trail"},
        ),
        (
            "cloudtrail",
            "UpdateTrail",
            "us-east-1",
            {
                "name": "acme-main-trail",
                "isMultiRegionTrail": False,
                "includeGlobalServiceEvents": False,
            },
            {
                "name": "acme-main-trail",
                "s3BucketName": f"acme-cloudtrail-logs-{ACCOUNT}",
                "includeGlobalServiceEvents": False,
                "isMultiRegionTrail": False,
                "trailARN": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/acme-main-trail",
                "logFileValidationEnabled": True,
                "isOrganizationTrail": False,
            },
        ),
        ("cloudtrail", "DeleteTrail", "us-east-1", {"name": "acme-legacy-trail"}, None),
        ("guardduty", "DeleteDetector", "us-east-1", {"detectorId": hexid(r, 32)}, None),
        ("guardduty", "DeleteDetector", "eu-west-1", {"detectorId": hexid(r, 32)}, None),
        (
            "ec2",
            "DeleteFlowLogs",
            "us-east-1",
            {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": f"fl-{hexid(r)}"}}},
            {
                "DeleteFlowLogsResponse": {
                    "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/",
                    "requestId": uuid4(r),
                    "unsuccessful": "",
                }
            },
        ),
        (
            "config",
            "StopConfigurationRecorder",
            "us-east-1",
            {"configurationRecorderName": "default"},
            None,
        ),
    ]
    for svc, name, region, req, resp in calls:
        s.emit(
            next(times),
            sess(svc, name),
            f"{svc}.amazonaws.com",
            name,
            region,
            req=req,
            resp=resp,
        )


def exfiltration(s: Scenario, hop: dict[str, Any], times: Iterator[datetime]) -> tuple[str, str]:
    """6. Share a database volume's snapshot, open a bucket to the world.

    Return (volume id, snapshot id).
    """
    r = s.rng
    sess = partial(_session, hop)
    vol, snap = s.volumes[0], f"snap-{hexid(r)}"
    t = next(times)
    s.emit(
        t,
        sess("ec2", "CreateSnapshot"),
        "ec2.amazonaws.com",
        "CreateSnapshot",
        "us-east-1",
        req={"volumeId": vol, "description": "maintenance"},
        resp=snapshot_response(r, t, vol, snap, encrypted=False),
    )
    s.emit(
        next(times) + timedelta(minutes=6),
        sess("ec2", "ModifySnapshotAttribute"),
        "ec2.amazonaws.com",
        "ModifySnapshotAttribute",
        "us-east-1",
        req={
            "snapshotId": snap,
            "createVolumePermission": {"add": {"items": [{"userId": ATTACKER_ACCOUNT}]}},
            "attributeType": "CREATE_VOLUME_PERMISSION",
        },
        resp={"requestId": uuid4(r), "_return": True},
    )
    bucket = BUCKET
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }

    def s3_call(name: str, req: dict[str, Any], resources: bool = True) -> None:
        s.emit(
            next(times),
            sess("s3", name, ATTACKER_IP),
            "s3.amazonaws.com",
            name,
            "us-east-1",
            req=req,
            additional=s3_additional(r),
            resources=bucket_resources(bucket) if resources else None,
        )

    s3_call(
        "DeleteAccountPublicAccessBlock",
        {"accountId": ACCOUNT, "Host": f"{ACCOUNT}.s3-control.us-east-1.amazonaws.com"},
        resources=False,
    )
    s3_call(
        "PutBucketPublicAccessBlock",
        s3_req(
            bucket,
            "us-east-1",
            publicAccessBlock="",
            PublicAccessBlockConfiguration={
                "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
                "BlockPublicAcls": False,
                "IgnorePublicAcls": False,
                "BlockPublicPolicy": False,
                "RestrictPublicBuckets": False,
            },
        ),
    )
    s3_call("PutBucketPolicy", s3_req(bucket, "us-east-1", bucketPolicy=policy, policy=""))
    return vol, snap


def impact(s: Scenario, hop: dict[str, Any], times: Iterator[datetime]) -> None:
    """7. Compute abuse in a region the account never used."""
    r = s.rng
    sess = partial(_session, hop)
    region = COMPUTE_REGION
    sg = f"sg-{hexid(r)}"
    s.emit(
        next(times),
        sess("ec2", "CreateKeyPair"),
        "ec2.amazonaws.com",
        "CreateKeyPair",
        region,
        req={"keyName": "ops-maint", "keyType": "ed25519"},
        resp={
            "requestId": uuid4(r),
            "keyName": "ops-maint",
            "keyFingerprint": hexid(r, 40),
            "keyPairId": f"key-{hexid(r)}",
            "keyMaterial": "<sensitiveDataRemoved>",
        },
    )
    s.emit(
        next(times),
        sess("ec2", "AuthorizeSecurityGroupIngress"),
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        region,
        req={
            "groupId": sg,
            "ipPermissions": {
                "items": [
                    {
                        "ipProtocol": "tcp",
                        "fromPort": 22,
                        "toPort": 22,
                        "groups": {},
                        "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
                        "ipv6Ranges": {},
                        "prefixListIds": {},
                    }
                ]
            },
        },
        resp={"requestId": uuid4(r), "_return": True},
    )
    ami = f"ami-{hexid(r)}"
    for itype, ok in (("p5.48xlarge", False), ("p4d.24xlarge", True)):
        t = next(times)
        req = {
            "instancesSet": {
                "items": [{"imageId": ami, "minCount": 8, "maxCount": 8, "keyName": "ops-maint"}]
            },
            "groupSet": {"items": [{"groupId": sg}]},
            "instanceType": itype,
            "blockDeviceMapping": {},
            "monitoring": {"enabled": False},
            "disableApiTermination": False,
            "disableApiStop": False,
            "clientToken": uuid4(r).upper(),
        }
        kw: dict[str, Any]
        if ok:
            items = [
                {
                    "instanceId": f"i-{hexid(r)}",
                    "imageId": ami,
                    "instanceState": {"code": 0, "name": "pending"},
                    "instanceType": itype,
                    "keyName": "ops-maint",
                    "launchTime": int(t.timestamp() * 1000),
                    "placement": {
                        "availabilityZone": f"{region}{'abc'[i % 3]}",
                        "tenancy": "default",
                    },
                    "amiLaunchIndex": i,
                }
                for i in range(8)
            ]
            kw = {
                "resp": {
                    "requestId": uuid4(r),
                    "reservationId": f"r-{hexid(r)}",
                    "ownerId": ACCOUNT,
                    "groupSet": {},
                    "instancesSet": {"items": items},
                }
            }
        else:
            kw = {
                "error": "Client.VcpuLimitExceeded",
                "error_message": (
                    "You have requested more vCPU capacity than your current vCPU limit of 0"
                    " allows for the instance bucket that the specified instance type"
                    " belongs to."
                ),
            }
        s.emit(
            t,
            sess("ec2", "RunInstances"),
            "ec2.amazonaws.com",
            "RunInstances",
            region,
            req=req,
            **kw,
        )
