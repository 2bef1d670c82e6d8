"""The machines of the sample account: CI deploys, the nightly backup, an instance role's
agent, AWS Config sweeps (the automated part of the background)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bench.gen.agents import UA_BOTO3, UA_GHA, UA_SSM
from bench.gen.api import (
    assume_role_response,
    bucket_resources,
    decrypt_params,
    role_resources,
    s3_additional,
    s3_req,
    snapshot_response,
)
from bench.gen.identities import ACCOUNT, Actor, role_session, service_identity
from bench.gen.ids import hexid, key_id, uuid4, walk
from bench.gen.scenario import BACKUP_SERVER_IP, GHA_IPS, GHA_SUBJECT, OIDC_ARN, Scenario


def ci_deploy(s: Scenario, t: datetime) -> None:
    """GitHub Actions: AssumeRoleWithWebIdentity, an ECR push, an ECS deploy."""
    r = s.rng
    role = "github-actions-deploy"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
    ip = r.choice(GHA_IPS)
    asia = key_id(r, "ASIA")
    web = {
        "type": "WebIdentityUser",
        "principalId": f"{OIDC_ARN}:sts.amazonaws.com:{GHA_SUBJECT}",
        "userName": GHA_SUBJECT,
        "identityProvider": OIDC_ARN,
    }
    resp = assume_role_response(r, t, role, s.role_pids[role], "GitHubActions", asia)
    resp.update(
        {
            "subjectFromWebIdentityToken": GHA_SUBJECT,
            "provider": OIDC_ARN,
            "audience": "sts.amazonaws.com",
        }
    )
    s.emit(
        t,
        Actor(web, ip, UA_GHA),
        "sts.amazonaws.com",
        "AssumeRoleWithWebIdentity",
        "us-east-1",
        req={"roleArn": role_arn, "roleSessionName": "GitHubActions", "durationSeconds": 3600},
        resp=resp,
        resources=role_resources(role_arn),
        read_only=True,
    )
    ident = role_session(
        role,
        s.role_pids[role],
        "GitHubActions",
        asia,
        t,
        web_identity={"federatedProvider": OIDC_ARN, "attributes": {}},
    )
    actor = Actor(ident, ip, UA_GHA)
    repo = {"repositoryName": "shop-api", "registryId": ACCOUNT}
    steps: list[tuple[str, str, dict[str, Any] | None]] = [
        ("ecr", "GetAuthorizationToken", {"registryIds": [ACCOUNT]}),
        (
            "ecr",
            "BatchCheckLayerAvailability",
            {**repo, "layerDigests": [f"sha256:{hexid(r, 64)}"]},
        ),
        ("ecr", "InitiateLayerUpload", repo),
        ("ecr", "UploadLayerPart", {**repo, "uploadId": uuid4(r), "partFirstByte": 0}),
        ("ecr", "CompleteLayerUpload", {**repo, "uploadId": uuid4(r)}),
        ("ecr", "PutImage", {**repo, "imageTag": hexid(r, 7)}),
        ("ecs", "DescribeTaskDefinition", {"taskDefinition": "shop-api"}),
        (
            "ecs",
            "RegisterTaskDefinition",
            {"family": "shop-api", "networkMode": "awsvpc", "cpu": "512", "memory": "1024"},
        ),
        (
            "ecs",
            "UpdateService",
            {"cluster": "shop-prod", "service": "shop-api", "forceNewDeployment": False},
        ),
        ("ecs", "DescribeServices", {"cluster": "shop-prod", "services": ["shop-api"]}),
        ("ecs", "DescribeServices", {"cluster": "shop-prod", "services": ["shop-api"]}),
    ]
    for ts, (svc, name, req) in zip(walk(r, t, len(steps), 3, 20), steps, strict=True):
        s.emit(ts, actor, f"{svc}.amazonaws.com", name, "eu-west-1", req=req)


def backup_night(s: Scenario, t: datetime) -> None:
    """svc-backup's nightly job from the backup server: snapshot three volumes, prune three."""
    r = s.rng
    actor = s.user("svc-backup", BACKUP_SERVER_IP, UA_BOTO3)
    times = iter(walk(r, t, 10, 1, 15))
    s.emit(
        next(times),
        actor,
        "ec2.amazonaws.com",
        "DescribeVolumes",
        "us-east-1",
        req={
            "volumeSet": {},
            "filterSet": {
                "items": [{"name": "tag:backup", "valueSet": {"items": [{"value": "daily"}]}}]
            },
        },
    )
    for vol in s.volumes[:3]:
        snap = f"snap-{hexid(r)}"
        s.emit(
            next(times),
            actor,
            "ec2.amazonaws.com",
            "CreateSnapshot",
            "us-east-1",
            req={"volumeId": vol, "description": f"daily backup {t:%Y-%m-%d}"},
            resp=snapshot_response(r, t, vol, snap, encrypted=True),
        )
    s.emit(
        next(times),
        actor,
        "ec2.amazonaws.com",
        "DescribeSnapshots",
        "us-east-1",
        req={"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]}, "filterSet": {}},
    )
    for _ in range(3):
        s.emit(
            next(times),
            actor,
            "ec2.amazonaws.com",
            "DeleteSnapshot",
            "us-east-1",
            req={"snapshotId": f"snap-{hexid(r)}"},
            resp={"requestId": uuid4(r), "_return": True},
        )


def instance_tick(s: Scenario, t: datetime, region: str, hour: int) -> None:
    """An instance role's hour: a new session every 6 hours, the SSM agent, a Decrypt."""
    r = s.rng
    iid = s.instances[region]
    role = "app-server-role"
    if hour % 6 == 0 or region not in s.instance_keys:
        asia = key_id(r, "ASIA")
        s.instance_keys[region] = (asia, t)
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
        s.emit(
            t,
            Actor(service_identity("ec2.amazonaws.com"), "ec2.amazonaws.com", "ec2.amazonaws.com"),
            "sts.amazonaws.com",
            "AssumeRole",
            region,
            req={"roleArn": role_arn, "roleSessionName": iid},
            resp=assume_role_response(r, t, role, s.role_pids[role], iid, asia, 6),
            resources=role_resources(role_arn),
            shared_event=True,
            read_only=True,
        )
        t += timedelta(seconds=4)
    asia, created = s.instance_keys[region]
    ident = role_session(role, s.role_pids[role], iid, asia, created, ec2=True)
    actor = Actor(ident, s.eips[region], UA_SSM)
    times = walk(r, t, 3, 1, 20)
    s.emit(
        times[0],
        actor,
        "ssm.amazonaws.com",
        "UpdateInstanceInformation",
        region,
        req={
            "instanceId": iid,
            "agentVersion": "3.3.40.0",
            "agentStatus": "Active",
            "platformType": "Linux",
            "platformName": "Amazon Linux",
            "platformVersion": "2023",
            "iPAddress": "10.20.1.15",
            "computerName": f"ip-10-20-1-15.{region}.compute.internal",
            "agentName": "amazon-ssm-agent",
            "availabilityZone": f"{region}a",
        },
    )
    s.emit(
        times[1],
        actor,
        "ssm.amazonaws.com",
        "ListInstanceAssociations",
        region,
        req={"instanceId": iid, "maxResults": 20},
    )
    for ts in walk(r, times[1], 3, 1, 10):
        s.emit(
            ts,
            actor,
            "ec2messages.amazonaws.com",
            "GetMessages",
            region,
            req={
                "destination": iid,
                "messagesRequestId": uuid4(r),
                "visibilityTimeoutInSeconds": 10,
            },
        )
    s.emit(
        times[2] + timedelta(seconds=30),
        Actor(ident, s.eips[region], UA_BOTO3),
        "kms.amazonaws.com",
        "Decrypt",
        region,
        req=decrypt_params(r, region)[0],
        resources=[
            {
                "accountId": ACCOUNT,
                "type": "AWS::KMS::Key",
                "ARN": f"arn:aws:kms:{region}:{ACCOUNT}:key/{s.kms_key}",
            }
        ],
    )
    s.emit(
        times[2],
        Actor(ident, s.eips[region], UA_BOTO3),
        "ssm.amazonaws.com",
        "GetParameter",
        region,
        req={"name": "/app/prod/db_host", "withDecryption": False},
    )


def config_sweep(s: Scenario, t: datetime) -> None:
    """AWS Config's service role describes resources; CloudTrail checks its bucket's ACL."""
    r = s.rng
    role = "AWSServiceRoleForConfig"
    path = "aws-service-role/config.amazonaws.com/"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{path}{role}"
    asia = key_id(r, "ASIA")
    svc = Actor(
        service_identity("config.amazonaws.com"), "config.amazonaws.com", "config.amazonaws.com"
    )
    s.emit(
        t,
        svc,
        "sts.amazonaws.com",
        "AssumeRole",
        "us-east-1",
        req={"roleArn": role_arn, "roleSessionName": "AWSConfig-Describe"},
        resp=assume_role_response(r, t, role, s.role_pids[role], "AWSConfig-Describe", asia),
        resources=role_resources(role_arn),
        shared_event=True,
        read_only=True,
    )
    ident = role_session(role, s.role_pids[role], "AWSConfig-Describe", asia, t, path=path)
    ident["invokedBy"] = "config.amazonaws.com"
    actor = Actor(ident, "config.amazonaws.com", "config.amazonaws.com")
    s.reads(
        walk(r, t, 14, 1, 6),
        actor,
        ["ec2.amazonaws.com", "iam.amazonaws.com"],
        ["us-east-1", "eu-west-1"],
    )
    trail = Actor(
        service_identity("cloudtrail.amazonaws.com"),
        "cloudtrail.amazonaws.com",
        "cloudtrail.amazonaws.com",
    )
    bucket = f"acme-cloudtrail-logs-{ACCOUNT}"
    s.emit(
        t + timedelta(minutes=1),
        trail,
        "s3.amazonaws.com",
        "GetBucketAcl",
        "us-east-1",
        req=s3_req(bucket, "us-east-1", acl=""),
        resources=bucket_resources(bucket),
        additional=s3_additional(r, 1024),
        tls=False,
    )
