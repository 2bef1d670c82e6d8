"""The people of the sample account and their ordinary days (the background of the trail).

alice (admin: console with MFA, CLI, a Terraform run), bob (developer: CLI, AccessDenied on
IAM), carol (SSO administrator in the console); the machines' calls are in ``machines``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bench.gen import machines
from bench.gen.agents import UA_BROWSER, UA_CLI_LINUX, UA_TERRAFORM, cli_agent
from bench.gen.api import bucket_resources, denied_message, read_call, s3_additional, s3_req
from bench.gen.identities import ACCOUNT, Actor, iam_user, role_session
from bench.gen.ids import hexid, key_id, uuid4, walk
from bench.gen.record import Record
from bench.gen.scenario import (
    BOB_IP,
    BUCKETS,
    CAROL_IP,
    DAYS,
    OFFICE_IP,
    SSO_PATH,
    SSO_ROLE,
    START,
    Scenario,
)


def background(s: Scenario) -> list[Record]:
    """Return the ordinary activity of the three days (unsorted)."""
    for d in range(DAYS):
        day = START + timedelta(days=d)
        alice_day(s, day, terraform=d == 1)
        bob_day(s, day)
        if d != 1:
            carol_day(s, day)
        for _ in range(3):
            machines.ci_deploy(
                s, day + timedelta(hours=s.rng.randint(9, 16), minutes=s.rng.randint(0, 50))
            )
        machines.backup_night(s, day + timedelta(hours=1, seconds=s.rng.randint(0, 90)))
        for h in range(0, 24, 1):
            for region in ("us-east-1", "eu-west-1"):
                machines.instance_tick(
                    s, day + timedelta(hours=h, seconds=s.rng.randint(5, 200)), region, h
                )
            if h % 6 == 3:
                machines.config_sweep(s, day + timedelta(hours=h, minutes=7))
    return s.out


def alice_day(s: Scenario, day: datetime, *, terraform: bool) -> None:
    """alice: a console session with MFA, two CLI bursts, and on one day a Terraform run."""
    r = s.rng
    t = day + timedelta(hours=8, minutes=r.randint(20, 50), seconds=r.randint(0, 59))
    s.console_login(t, "alice", OFFICE_IP, UA_BROWSER, mfa=True)
    ident = iam_user("alice", s.pids["alice"], key_id(r, "ASIA"), session_created=t, mfa=True)
    sources = [
        "ec2.amazonaws.com",
        "monitoring.amazonaws.com",
        "logs.amazonaws.com",
        "iam.amazonaws.com",
        "lambda.amazonaws.com",
        "cloudformation.amazonaws.com",
    ]
    for ts in walk(r, t, 45, 5, 40):
        region = r.choice(["us-east-1", "eu-west-1", "eu-west-1"])
        call = read_call(r, sources, region)
        ua = r.choice([UA_BROWSER, "console.ec2.amazonaws.com", "AWS Internal"])
        ip = "AWS Internal" if ua == "AWS Internal" else OFFICE_IP
        s.emit_read(ts, Actor(ident, ip, ua), region, call, from_console=True)
    for _ in range(2):
        t = day + timedelta(hours=r.randint(10, 16), minutes=r.randint(0, 55))
        for ts in walk(r, t, r.randint(12, 20)):
            region = r.choice(["us-east-1", "eu-west-1"])
            call = read_call(r, [*sources, "ssm.amazonaws.com"], region)
            s.emit_read(ts, s.user("alice", OFFICE_IP, cli_agent(*call[:2])), region, call)
    if terraform:
        terraform_run(s, day + timedelta(hours=14, minutes=12))


def terraform_run(s: Scenario, t: datetime) -> None:
    """A Terraform plan/apply as alice: reads, bucket settings, one ingress rule, versioning."""
    r = s.rng
    times = iter(walk(r, t, 60, 0, 3))
    for _ in range(24):
        region = r.choice(["us-east-1", "eu-west-1"])
        call = read_call(r, ["ec2.amazonaws.com", "iam.amazonaws.com"], region)
        actor = s.user("alice", OFFICE_IP, UA_TERRAFORM.format(svc=call[0].split(".", 1)[0]))
        s.emit_read(next(times), actor, region, call)
    s3_actor = s.user("alice", OFFICE_IP, UA_TERRAFORM.format(svc="s3"))
    for bucket in BUCKETS:
        for name in (
            "GetBucketPolicy",
            "GetBucketAcl",
            "GetBucketVersioning",
            "GetBucketTagging",
        ):
            s.emit(
                next(times),
                s3_actor,
                "s3.amazonaws.com",
                name,
                "us-east-1",
                req=s3_req(bucket, "us-east-1", **{name[3:].lower(): ""}),
                additional=s3_additional(r, 512),
                resources=bucket_resources(bucket),
            )
    ec2_actor = s.user("alice", OFFICE_IP, UA_TERRAFORM.format(svc="ec2"))
    sg = f"sg-{hexid(r)}"
    s.emit(
        next(times),
        ec2_actor,
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        "eu-west-1",
        req={
            "groupId": sg,
            "ipPermissions": {
                "items": [
                    {
                        "ipProtocol": "tcp",
                        "fromPort": 443,
                        "toPort": 443,
                        "groups": {},
                        "ipRanges": {
                            "items": [{"cidrIp": "10.20.0.0/16", "description": "internal https"}]
                        },
                        "ipv6Ranges": {},
                        "prefixListIds": {},
                    }
                ]
            },
        },
        resp={
            "requestId": uuid4(r),
            "_return": True,
            "securityGroupRuleSet": {
                "items": [
                    {
                        "groupOwnerId": ACCOUNT,
                        "groupId": sg,
                        "securityGroupRuleId": f"sgr-{hexid(r)}",
                        "isEgress": False,
                        "ipProtocol": "tcp",
                        "fromPort": 443,
                        "toPort": 443,
                        "cidrIpv4": "10.20.0.0/16",
                    }
                ]
            },
        },
    )
    s.emit(
        next(times),
        s3_actor,
        "s3.amazonaws.com",
        "PutBucketVersioning",
        "us-east-1",
        req=s3_req(
            "acme-terraform-state",
            "us-east-1",
            versioning="",
            VersioningConfiguration={
                "Status": "Enabled",
                "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
            },
        ),
        additional=s3_additional(r),
        resources=bucket_resources("acme-terraform-state"),
    )


def bob_day(s: Scenario, day: datetime) -> None:
    """bob: four CLI bursts from his address, half his IAM reads denied."""
    r = s.rng
    arn = f"arn:aws:iam::{ACCOUNT}:user/bob"
    sources = [
        "ec2.amazonaws.com",
        "ecs.amazonaws.com",
        "logs.amazonaws.com",
        "lambda.amazonaws.com",
        "ssm.amazonaws.com",
        "cloudformation.amazonaws.com",
        "iam.amazonaws.com",
    ]
    for _ in range(4):
        t = day + timedelta(hours=r.randint(9, 17), minutes=r.randint(0, 55))
        s.emit(
            t,
            s.user("bob", BOB_IP, cli_agent("sts", "GetCallerIdentity", UA_CLI_LINUX)),
            "sts.amazonaws.com",
            "GetCallerIdentity",
            "us-east-1",
        )
        for ts in walk(r, t, r.randint(20, 34)):
            region = "eu-west-1" if r.random() < 0.8 else "us-east-1"
            call = read_call(r, sources, region)
            source, name, _ = call
            actor = s.user("bob", BOB_IP, cli_agent(source, name, UA_CLI_LINUX))
            err = msg = None
            if source == "iam.amazonaws.com" and r.random() < 0.5:
                err = "AccessDenied"
                msg = denied_message(arn, f"iam:{name}", f"arn:aws:iam::{ACCOUNT}:user/")
            elif source == "ec2.amazonaws.com" and r.random() < 0.08:
                err = "Client.UnauthorizedOperation"
                msg = "You are not authorized to perform this operation."
            s.emit_read(ts, actor, region, call, error=err, error_message=msg)


def carol_day(s: Scenario, day: datetime) -> None:
    """carol: an SSO administrator's console session (health checks, reads)."""
    r = s.rng
    t = day + timedelta(hours=9, minutes=r.randint(0, 40))
    ident = role_session(
        SSO_ROLE,
        s.role_pids[SSO_ROLE],
        "carol@acme.example",
        key_id(r, "ASIA"),
        t,
        path=SSO_PATH,
    )
    sources = [
        "ec2.amazonaws.com",
        "iam.amazonaws.com",
        "cloudformation.amazonaws.com",
        "monitoring.amazonaws.com",
    ]
    for ts in walk(r, t, 22, 5, 45):
        if r.random() < 0.2:
            s.emit(
                ts,
                Actor(ident, "AWS Internal", "AWS Internal"),
                "health.amazonaws.com",
                "DescribeEventAggregates",
                "us-east-1",
                req={
                    "aggregateField": "eventTypeCategory",
                    "filter": {"eventStatusCodes": ["open", "upcoming"]},
                },
                from_console=True,
            )
            continue
        region = r.choice(["us-east-1", "eu-west-1"])
        call = read_call(r, sources, region)
        s.emit_read(ts, Actor(ident, CAROL_IP, UA_BROWSER), region, call, from_console=True)


def extras(s: Scenario, n: int) -> list[Record]:
    """Return ``n`` more records of bob's, never delivered to the trail (for other shapes)."""
    saved, s.out = s.out, []
    day = START + timedelta(days=DAYS - 1)
    while len(s.out) < n:
        bob_day(s, day)
    extra, s.out = s.out[:n], saved
    return extra
