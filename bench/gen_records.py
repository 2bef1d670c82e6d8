"""Record builders for the sample and benchmark generators.

Everything here is synthetic: identifiers come from a seeded ``random.Random`` and the field
shapes follow real CloudTrail delivery files (userIdentity variants, sessionContext,
tlsDetails, requestParameters/responseElements of IAM, STS, EC2 and S3 calls). No record is
copied from any data set.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Record = dict[str, Any]
Params = tuple[dict[str, Any] | None, dict[str, Any] | None]

ACCOUNT = "111122223333"
#: The attacker's own account, which receives the shared snapshot.
ATTACKER_ACCOUNT = "444455556666"
#: Characters of access key ids and unique ids (AWS uses base32-like upper case).
KEY_CHARS = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits

#: Services that log in us-east-1 whatever region the caller names.
GLOBAL_SOURCES = frozenset({"iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com"})
READ_PREFIXES = ("Describe", "List", "Get", "Lookup", "Head", "BatchGet", "Search", "Check")

TLS_12 = "ECDHE-RSA-AES128-GCM-SHA256"
TLS_13 = "TLS_AES_128_GCM_SHA256"

UA_CLI = (
    "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.11.8 "
    "md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off "
    "md/command#{cmd}"
)
UA_CLI_LINUX = (
    "aws-cli/2.13.25 Python/3.11.5 Linux/6.2.0-1016-aws exe/x86_64.ubuntu.22 prompt/off "
    "command/{cmd}"
)
UA_BOTO3 = (
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0-1055-aws md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69"
)
UA_TERRAFORM = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) "
    "terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.25.3 os/macos lang/go#1.21.8 md/GOOS#darwin md/GOARCH#arm64 "
    "api/{svc}#1.30.0"
)
UA_BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36"
)
UA_GHA = (
    "aws-sdk-nodejs/3.515.0 linux/v20.11.1 configure-aws-credentials-for-github-actions "
    "exec-env/GitHub_Actions"
)
UA_SSM = "aws-sdk-go/1.44.302 (go1.20.10; linux; amd64) amazon-ssm-agent/3.3.40.0"


def uuid4(rng: random.Random) -> str:
    """Return a version-4 UUID string drawn from ``rng``."""
    h = f"{rng.getrandbits(128):032x}"
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


def key_id(rng: random.Random, prefix: str) -> str:
    """Return an access key id (``AKIA``/``ASIA``) or unique id (``AIDA``/``AROA``) of 20 chars."""
    return prefix + "".join(rng.choices(KEY_CHARS, k=20 - len(prefix)))


def unique_id(rng: random.Random, prefix: str) -> str:
    """Return a 21-character IAM unique id such as ``AIDA...`` or ``AROA...``."""
    return prefix + "".join(rng.choices(KEY_CHARS, k=21 - len(prefix)))


def alnum(rng: random.Random, k: int) -> str:
    """Return ``k`` random letters and digits (the random part of delivery file names)."""
    return "".join(rng.choices(ALNUM, k=k))


def hexid(rng: random.Random, k: int = 17) -> str:
    """Return ``k`` lower-case hex digits (EC2 resource ids)."""
    return f"{rng.getrandbits(4 * k):0{k}x}"


def iso(t: datetime) -> str:
    """Format a UTC datetime the way CloudTrail writes ``eventTime``."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def aws_date(t: datetime) -> str:
    """Format a time the way IAM writes ``createDate`` in responseElements."""
    return t.strftime("%b %-d, %Y, %-I:%M:%S %p")


def host_header(source: str, region: str) -> str:
    """Return the endpoint a client would have named for ``source`` in ``region``."""
    svc = source.split(".", 1)[0]
    if svc == "iam":
        return "iam.amazonaws.com"
    if svc == "signin":
        return "signin.aws.amazon.com"
    if svc == "sts" and region == "us-east-1":
        return "sts.amazonaws.com"
    return f"{svc}.{region}.amazonaws.com"


def is_read_only(name: str) -> bool:
    """Guess ``readOnly`` from the event name, as CloudTrail's own table mostly does."""
    return name.startswith(READ_PREFIXES)


# --- identities -----------------------------------------------------------------------------


def iam_user(
    name: str,
    pid: str,
    akid: str | None,
    *,
    session_created: datetime | None = None,
    mfa: bool = False,
) -> dict[str, Any]:
    """Return the userIdentity of an IAM user, with a sessionContext for console sessions."""
    ident: dict[str, Any] = {
        "type": "IAMUser",
        "principalId": pid,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
    }
    if akid is not None:
        ident["accessKeyId"] = akid
    ident["userName"] = name
    if session_created is not None:
        ident["sessionContext"] = {
            "sessionIssuer": {},
            "webIdFederationData": {},
            "attributes": {
                "creationDate": iso(session_created),
                "mfaAuthenticated": "true" if mfa else "false",
            },
        }
    return ident


def role_session(
    role: str,
    role_pid: str,
    session: str,
    akid: str,
    created: datetime,
    *,
    path: str = "",
    mfa: bool = False,
    ec2: bool = False,
    web_identity: dict[str, Any] | None = None,
    source_identity: str | None = None,
) -> dict[str, Any]:
    """Return the userIdentity of an assumed-role session (SSO, CI, instance or plain)."""
    context: dict[str, Any] = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": role_pid,
            "arn": f"arn:aws:iam::{ACCOUNT}:role/{path}{role}",
            "accountId": ACCOUNT,
            "userName": role,
        },
        "webIdFederationData": web_identity or {},
        "attributes": {"creationDate": iso(created), "mfaAuthenticated": str(mfa).lower()},
    }
    if source_identity is not None:
        context["sourceIdentity"] = source_identity
    if ec2:
        context["ec2RoleDelivery"] = "2.0"
    return {
        "type": "AssumedRole",
        "principalId": f"{role_pid}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": akid,
        "sessionContext": context,
    }


def service_identity(invoked_by: str) -> dict[str, Any]:
    """Return the userIdentity of a call made by an AWS service on the account's behalf."""
    return {"type": "AWSService", "invokedBy": invoked_by}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a call: identity plus the address and agent they usually call from."""

    identity: dict[str, Any]
    ip: str
    user_agent: str


# --- the record -----------------------------------------------------------------------------


def event(
    rng: random.Random,
    *,
    t: datetime,
    actor: Actor,
    source: str,
    name: str,
    region: str,
    req: dict[str, Any] | None = None,
    resp: dict[str, Any] | None = None,
    error: str | None = None,
    error_message: str | None = None,
    event_type: str = "AwsApiCall",
    additional: dict[str, Any] | None = None,
    resources: list[dict[str, Any]] | None = None,
    read_only: bool | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    shared_event: bool = False,
    from_console: bool = False,
    tls: bool | None = None,
) -> Record:
    """Build one CloudTrail record with the fields in the order CloudTrail writes them."""
    if source in GLOBAL_SOURCES:
        region = "us-east-1"
    src_ip = ip or actor.ip
    rec: Record = {
        "eventVersion": "1.09" if event_type != "AwsConsoleSignIn" else "1.08",
        "userIdentity": actor.identity,
        "eventTime": iso(t),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": src_ip,
        "userAgent": user_agent or actor.user_agent,
    }
    if error is not None:
        rec["errorCode"] = error
        if error_message is not None:
            rec["errorMessage"] = error_message
    rec["requestParameters"] = req
    rec["responseElements"] = None if error is not None and resp is None else resp
    if additional is not None:
        rec["additionalEventData"] = additional
    rec["requestID"] = uuid4(rng)
    rec["eventID"] = uuid4(rng)
    rec["readOnly"] = is_read_only(name) if read_only is None else read_only
    if resources is not None:
        rec["resources"] = resources
    rec["eventType"] = event_type
    rec["managementEvent"] = True
    rec["recipientAccountId"] = ACCOUNT
    if shared_event:
        rec["sharedEventID"] = uuid4(rng)
    rec["eventCategory"] = "Management"
    # Calls made by a service from inside AWS carry no TLS details.
    if tls is None:
        tls = not src_ip.endswith(".amazonaws.com") and src_ip != "AWS Internal"
    if tls:
        modern = rng.random() < 0.6
        rec["tlsDetails"] = {
            "tlsVersion": "TLSv1.3" if modern else "TLSv1.2",
            "cipherSuite": TLS_13 if modern else TLS_12,
            "clientProvidedHostHeader": host_header(source, region),
        }
    if from_console:
        rec["sessionCredentialFromConsole"] = "true"
    return rec


def denied_message(arn: str, action: str, resource: str) -> str:
    """Return the errorMessage IAM writes for an implicit deny."""
    return (
        f"User: {arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


# --- request/response shapes ----------------------------------------------------------------

SERVICE_PREFIX = {
    "ec2": "ec2",
    "s3": "s3",
    "iam": "iam",
    "sts": "sts",
    "lambda": "lambda",
    "logs": "logs",
    "monitoring": "cloudwatch",
    "ssm": "ssm",
    "kms": "kms",
    "ecr": "ecr",
    "ecs": "ecs",
    "rds": "rds",
    "cloudtrail": "cloudtrail",
    "config": "config",
    "guardduty": "guardduty",
    "secretsmanager": "secretsmanager",
    "cloudformation": "cloudformation",
    "dynamodb": "dynamodb",
    "sns": "sns",
    "sqs": "sqs",
    "elasticloadbalancing": "elasticloadbalancing",
    "autoscaling": "autoscaling",
    "route53": "route53",
    "health": "health",
    "signin": "signin",
}


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


def _decrypt(rng: random.Random, region: str) -> Params:
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
    "kms.amazonaws.com": [("Decrypt", _decrypt)],
}


def read_call(rng: random.Random, sources: list[str], region: str) -> tuple[str, str, Params]:
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


def cli_agent(source: str, name: str, template: str = UA_CLI) -> str:
    """Return an aws-cli user agent naming the command that made ``name``."""
    svc = SERVICE_PREFIX.get(source.split(".", 1)[0], source.split(".", 1)[0])
    cmd = re.sub(r"(?<!^)(?=[A-Z])", "-", name.rstrip("0123456789v")).lower()
    return template.format(cmd=f"{svc}.{cmd}")


def walk(rng: random.Random, t: datetime, n: int, lo: int = 2, hi: int = 40) -> list[datetime]:
    """Return ``n`` increasing times after ``t``, each ``lo``..``hi`` seconds apart."""
    out = []
    for _ in range(n):
        t = t + timedelta(seconds=rng.randint(lo, hi))
        out.append(t)
    return out


START = datetime(2025, 3, 10, tzinfo=UTC)
DAYS = 3
OFFICE_IP = "198.51.100.23"
BOB_IP = "203.0.113.77"
CAROL_IP = "198.51.100.40"
BACKUP_SERVER_IP = "198.51.100.24"
GHA_IPS = ("20.57.130.61", "4.227.184.17", "172.183.51.40", "20.42.11.197")
ATTACKER_IP = "185.220.101.47"
ATTACKER_CONSOLE_IP = "185.220.101.53"
ATTACKER_IPV6 = "2a0b:f4c2:2::1"
BUCKETS = (
    "acme-prod-assets",
    "acme-terraform-state",
    "acme-app-logs-111122223333",
    "acme-customer-exports",
    "acme-ci-artifacts",
)
SSO_ROLE = "AWSReservedSSO_AdministratorAccess_4f1e2d3c2b1a0f9e"
SSO_PATH = "aws-reserved/sso.amazonaws.com/eu-west-1/"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
GHA_SUBJECT = "repo:acme/shop:ref:refs/heads/main"
UA_KALI_BOTO = (
    "Boto3/1.28.85 md/Botocore#1.31.85 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.85"
)
UA_KALI_CLI = (
    "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 "
    "lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe "
    "md/distrib#kali.2024 md/prompt#off md/command#{cmd}"
)
UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """The identifiers a responder pivots on, for the README and for tests."""

    leaked_user: str
    leaked_key: str
    attacker_ips: tuple[str, ...]
    new_user: str
    new_user_key: str
    role_arn: str
    session_name: str
    asia_key: str
    snapshot_id: str
    volume_id: str
    bucket: str
    compute_region: str
    external_account: str
    start: str
    end: str
    event_ids: tuple[str, ...]


class Scenario:
    """Three days of an ordinary account, and the incident on the third night."""

    def __init__(self, seed: int) -> None:
        self.rng = r = random.Random(seed)
        self.out: list[Record] = []
        self.pids = {n: unique_id(r, "AIDA") for n in ("alice", "bob", "svc-backup", "backup-sync")}
        self.keys = {n: key_id(r, "AKIA") for n in ("alice", "bob", "svc-backup", "backup-sync")}
        self.role_pids = {
            n: unique_id(r, "AROA")
            for n in (
                SSO_ROLE,
                "github-actions-deploy",
                "app-server-role",
                "AWSServiceRoleForConfig",
                "ops-break-glass",
            )
        }
        self.instances = {"eu-west-1": "i-0abc1234def567890", "us-east-1": "i-0abc5678fed123450"}
        self.eips = {"eu-west-1": "3.248.112.45", "us-east-1": "54.210.17.3"}
        self.volumes = [f"vol-{hexid(r)}" for _ in range(4)]
        self.kms_key = uuid4(r)

    # helpers

    def emit(
        self, t: datetime, actor: Actor, source: str, name: str, region: str, **kw: Any
    ) -> Record:
        rec = event(self.rng, t=t, actor=actor, source=source, name=name, region=region, **kw)
        self.out.append(rec)
        return rec

    def user(self, name: str, ip: str, ua: str, **kw: Any) -> Actor:
        return Actor(iam_user(name, self.pids[name], self.keys[name], **kw), ip, ua)

    def console_login(
        self, t: datetime, name: str, ip: str, ua: str, *, mfa: bool, ok: bool = True
    ) -> Record:
        ident = iam_user(name, self.pids.get(name, ""), None)
        if name == "HIDDEN_DUE_TO_SECURITY_REASONS":
            ident = {"type": "IAMUser", "accountId": ACCOUNT, "accessKeyId": "", "userName": name}
        extra: dict[str, Any] = {
            "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
            "MobileVersion": "No",
        }
        if mfa:
            extra["MFAIdentifier"] = f"arn:aws:iam::{ACCOUNT}:mfa/{name}-phone"
        extra["MFAUsed"] = "Yes" if mfa else "No"
        err = None if ok else "Failed authentication"
        if not ok and name == "HIDDEN_DUE_TO_SECURITY_REASONS":
            err = "No username found in supplied account"
        return self.emit(
            t,
            Actor(ident, ip, ua),
            "signin.amazonaws.com",
            "ConsoleLogin",
            "us-east-1",
            resp={"ConsoleLogin": "Success" if ok else "Failure"},
            error=err,
            error_message=err,
            additional=extra,
            event_type="AwsConsoleSignIn",
            read_only=False,
        )

    def reads(
        self, times: list[datetime], actor: Actor, sources: list[str], regions: list[str], **kw: Any
    ) -> None:
        for t in times:
            region = self.rng.choice(regions)
            source, name, (req, resp) = read_call(self.rng, sources, region)
            self.emit(t, actor, source, name, region, req=req, resp=resp, **kw)

    # background

    def background(self) -> list[Record]:
        """Return the ordinary activity of the three days (unsorted)."""
        for d in range(DAYS):
            day = START + timedelta(days=d)
            self.alice_day(day, terraform=d == 1)
            self.bob_day(day)
            if d != 1:
                self.carol_day(day)
            for _ in range(3):
                self.ci_deploy(
                    day + timedelta(hours=self.rng.randint(9, 16), minutes=self.rng.randint(0, 50))
                )
            self.backup_night(day + timedelta(hours=1, seconds=self.rng.randint(0, 90)))
            for h in range(0, 24, 1):
                for region in ("us-east-1", "eu-west-1"):
                    self.instance_tick(
                        day + timedelta(hours=h, seconds=self.rng.randint(5, 200)), region, h
                    )
                if h % 6 == 3:
                    self.config_sweep(day + timedelta(hours=h, minutes=7))
        return self.out

    def alice_day(self, day: datetime, *, terraform: bool) -> None:
        r = self.rng
        t = day + timedelta(hours=8, minutes=r.randint(20, 50), seconds=r.randint(0, 59))
        self.console_login(t, "alice", OFFICE_IP, UA_BROWSER, mfa=True)
        ident = iam_user(
            "alice", self.pids["alice"], key_id(r, "ASIA"), session_created=t, mfa=True
        )
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
            source, name, (req, resp) = read_call(r, sources, region)
            ua = r.choice([UA_BROWSER, "console.ec2.amazonaws.com", "AWS Internal"])
            ip = "AWS Internal" if ua == "AWS Internal" else OFFICE_IP
            self.emit(
                ts,
                Actor(ident, ip, ua),
                source,
                name,
                region,
                req=req,
                resp=resp,
                from_console=True,
            )
        for _ in range(2):
            t = day + timedelta(hours=r.randint(10, 16), minutes=r.randint(0, 55))
            for ts in walk(r, t, r.randint(12, 20)):
                region = r.choice(["us-east-1", "eu-west-1"])
                source, name, (req, resp) = read_call(r, [*sources, "ssm.amazonaws.com"], region)
                actor = self.user("alice", OFFICE_IP, cli_agent(source, name))
                self.emit(ts, actor, source, name, region, req=req, resp=resp)
        if terraform:
            self.terraform_run(day + timedelta(hours=14, minutes=12))

    def terraform_run(self, t: datetime) -> None:
        r = self.rng
        times = iter(walk(r, t, 60, 0, 3))
        for _ in range(24):
            region = r.choice(["us-east-1", "eu-west-1"])
            source, name, (req, resp) = read_call(
                r, ["ec2.amazonaws.com", "iam.amazonaws.com"], region
            )
            svc = source.split(".", 1)[0]
            actor = self.user("alice", OFFICE_IP, UA_TERRAFORM.format(svc=svc))
            self.emit(next(times), actor, source, name, region, req=req, resp=resp)
        s3_actor = self.user("alice", OFFICE_IP, UA_TERRAFORM.format(svc="s3"))
        for bucket in BUCKETS:
            for name in (
                "GetBucketPolicy",
                "GetBucketAcl",
                "GetBucketVersioning",
                "GetBucketTagging",
            ):
                self.emit(
                    next(times),
                    s3_actor,
                    "s3.amazonaws.com",
                    name,
                    "us-east-1",
                    req=s3_req(bucket, "us-east-1", **{name[3:].lower(): ""}),
                    additional=s3_additional(r, 512),
                    resources=bucket_resources(bucket),
                )
        ec2_actor = self.user("alice", OFFICE_IP, UA_TERRAFORM.format(svc="ec2"))
        sg = f"sg-{hexid(r)}"
        self.emit(
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
                                "items": [
                                    {"cidrIp": "10.20.0.0/16", "description": "internal https"}
                                ]
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
        self.emit(
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

    def bob_day(self, day: datetime) -> None:
        r = self.rng
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
            self.emit(
                t,
                self.user("bob", BOB_IP, cli_agent("sts", "GetCallerIdentity", UA_CLI_LINUX)),
                "sts.amazonaws.com",
                "GetCallerIdentity",
                "us-east-1",
            )
            for ts in walk(r, t, r.randint(20, 34)):
                region = "eu-west-1" if r.random() < 0.8 else "us-east-1"
                source, name, (req, resp) = read_call(r, sources, region)
                actor = self.user("bob", BOB_IP, cli_agent(source, name, UA_CLI_LINUX))
                err = msg = None
                if source == "iam.amazonaws.com" and r.random() < 0.5:
                    err = "AccessDenied"
                    msg = denied_message(arn, f"iam:{name}", f"arn:aws:iam::{ACCOUNT}:user/")
                elif source == "ec2.amazonaws.com" and r.random() < 0.08:
                    err = "Client.UnauthorizedOperation"
                    msg = "You are not authorized to perform this operation."
                self.emit(
                    ts,
                    actor,
                    source,
                    name,
                    region,
                    req=req,
                    resp=resp,
                    error=err,
                    error_message=msg,
                )

    def carol_day(self, day: datetime) -> None:
        r = self.rng
        t = day + timedelta(hours=9, minutes=r.randint(0, 40))
        ident = role_session(
            SSO_ROLE,
            self.role_pids[SSO_ROLE],
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
                self.emit(
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
            source, name, (req, resp) = read_call(r, sources, region)
            self.emit(
                ts,
                Actor(ident, CAROL_IP, UA_BROWSER),
                source,
                name,
                region,
                req=req,
                resp=resp,
                from_console=True,
            )

    def ci_deploy(self, t: datetime) -> None:
        r = self.rng
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
        resp = assume_role_response(r, t, role, self.role_pids[role], "GitHubActions", asia)
        resp.update(
            {
                "subjectFromWebIdentityToken": GHA_SUBJECT,
                "provider": OIDC_ARN,
                "audience": "sts.amazonaws.com",
            }
        )
        self.emit(
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
            self.role_pids[role],
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
            self.emit(ts, actor, f"{svc}.amazonaws.com", name, "eu-west-1", req=req)

    def backup_night(self, t: datetime) -> None:
        r = self.rng
        actor = self.user("svc-backup", BACKUP_SERVER_IP, UA_BOTO3)
        times = iter(walk(r, t, 10, 1, 15))
        self.emit(
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
        for vol in self.volumes[:3]:
            snap = f"snap-{hexid(r)}"
            self.emit(
                next(times),
                actor,
                "ec2.amazonaws.com",
                "CreateSnapshot",
                "us-east-1",
                req={"volumeId": vol, "description": f"daily backup {t:%Y-%m-%d}"},
                resp={
                    "requestId": uuid4(r),
                    "snapshotId": snap,
                    "volumeId": vol,
                    "status": "pending",
                    "startTime": int(t.timestamp() * 1000),
                    "ownerId": ACCOUNT,
                    "volumeSize": "100",
                    "encrypted": True,
                },
            )
        self.emit(
            next(times),
            actor,
            "ec2.amazonaws.com",
            "DescribeSnapshots",
            "us-east-1",
            req={"snapshotSet": {}, "ownersSet": {"items": [{"owner": "self"}]}, "filterSet": {}},
        )
        for _ in range(3):
            self.emit(
                next(times),
                actor,
                "ec2.amazonaws.com",
                "DeleteSnapshot",
                "us-east-1",
                req={"snapshotId": f"snap-{hexid(r)}"},
                resp={"requestId": uuid4(r), "_return": True},
            )

    def instance_tick(self, t: datetime, region: str, hour: int) -> None:
        r = self.rng
        iid = self.instances[region]
        role = "app-server-role"
        if hour % 6 == 0 or not hasattr(self, f"_key_{region}"):
            asia = key_id(r, "ASIA")
            setattr(self, f"_key_{region}", (asia, t))
            role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
            self.emit(
                t,
                Actor(
                    service_identity("ec2.amazonaws.com"), "ec2.amazonaws.com", "ec2.amazonaws.com"
                ),
                "sts.amazonaws.com",
                "AssumeRole",
                region,
                req={"roleArn": role_arn, "roleSessionName": iid},
                resp=assume_role_response(r, t, role, self.role_pids[role], iid, asia, 6),
                resources=role_resources(role_arn),
                shared_event=True,
                read_only=True,
            )
            t += timedelta(seconds=4)
        asia, created = getattr(self, f"_key_{region}")
        ident = role_session(role, self.role_pids[role], iid, asia, created, ec2=True)
        actor = Actor(ident, self.eips[region], UA_SSM)
        times = walk(r, t, 3, 1, 20)
        self.emit(
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
        self.emit(
            times[1],
            actor,
            "ssm.amazonaws.com",
            "ListInstanceAssociations",
            region,
            req={"instanceId": iid, "maxResults": 20},
        )
        for ts in walk(r, times[1], 3, 1, 10):
            self.emit(
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
        self.emit(
            times[2] + timedelta(seconds=30),
            Actor(ident, self.eips[region], UA_BOTO3),
            "kms.amazonaws.com",
            "Decrypt",
            region,
            req=_decrypt(r, region)[0],
            resources=[
                {
                    "accountId": ACCOUNT,
                    "type": "AWS::KMS::Key",
                    "ARN": f"arn:aws:kms:{region}:{ACCOUNT}:key/{self.kms_key}",
                }
            ],
        )
        self.emit(
            times[2],
            Actor(ident, self.eips[region], UA_BOTO3),
            "ssm.amazonaws.com",
            "GetParameter",
            region,
            req={"name": "/app/prod/db_host", "withDecryption": False},
        )

    def config_sweep(self, t: datetime) -> None:
        r = self.rng
        role = "AWSServiceRoleForConfig"
        path = "aws-service-role/config.amazonaws.com/"
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{path}{role}"
        asia = key_id(r, "ASIA")
        svc = Actor(
            service_identity("config.amazonaws.com"), "config.amazonaws.com", "config.amazonaws.com"
        )
        self.emit(
            t,
            svc,
            "sts.amazonaws.com",
            "AssumeRole",
            "us-east-1",
            req={"roleArn": role_arn, "roleSessionName": "AWSConfig-Describe"},
            resp=assume_role_response(r, t, role, self.role_pids[role], "AWSConfig-Describe", asia),
            resources=role_resources(role_arn),
            shared_event=True,
            read_only=True,
        )
        ident = role_session(role, self.role_pids[role], "AWSConfig-Describe", asia, t, path=path)
        ident["invokedBy"] = "config.amazonaws.com"
        actor = Actor(ident, "config.amazonaws.com", "config.amazonaws.com")
        self.reads(
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
        self.emit(
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

    def extras(self, n: int) -> list[Record]:
        """Return ``n`` more records of bob's, never delivered to the trail (for other shapes)."""
        saved, self.out = self.out, []
        day = START + timedelta(days=DAYS - 1)
        while len(self.out) < n:
            self.bob_day(day)
        extra, self.out = self.out[:n], saved
        return extra

    # the incident

    def incident(self) -> tuple[list[Record], IncidentFacts]:
        """Return the attacker's records and the identifiers to pivot on."""
        saved, self.out = self.out, []
        r = self.rng
        t0 = START + timedelta(days=DAYS - 1, hours=1, minutes=47, seconds=12)
        leaked = "svc-backup"
        arn = f"arn:aws:iam::{ACCOUNT}:user/{leaked}"

        def kali(ip: str = ATTACKER_IP, user: str = leaked) -> Actor:
            return self.user(user, ip, UA_KALI_BOTO)

        # 1. The leaked key is tried, then the account is mapped.
        times = iter(walk(r, t0, 40, 3, 25))
        self.emit(t0, kali(), "sts.amazonaws.com", "GetCallerIdentity", "us-east-1")
        denied = "AccessDenied"
        recon: list[tuple[str, str, str, dict[str, Any] | None, str | None]] = [
            ("iam", "ListUsers", "us-east-1", {"maxItems": 1000}, None),
            ("iam", "ListRoles", "us-east-1", {"maxItems": 1000}, None),
            ("iam", "ListGroups", "us-east-1", None, None),
            ("s3", "ListBuckets", "us-east-1", {"Host": "s3.amazonaws.com"}, None),
            (
                "iam",
                "GetAccountAuthorizationDetails",
                "us-east-1",
                {"filter": ["User", "Role", "Group", "LocalManagedPolicy"]},
                denied,
            ),
            ("iam", "ListAccessKeys", "us-east-1", {"userName": leaked}, None),
            ("iam", "ListAccessKeys", "us-east-1", {"userName": "alice"}, denied),
            ("iam", "ListAttachedUserPolicies", "us-east-1", {"userName": leaked}, None),
            ("ec2", "DescribeInstances", "us-east-1", {"instancesSet": {}, "filterSet": {}}, None),
            ("ec2", "DescribeInstances", "eu-west-1", {"instancesSet": {}, "filterSet": {}}, None),
            ("secretsmanager", "ListSecrets", "us-east-1", None, denied),
            ("rds", "DescribeDBInstances", "us-east-1", None, denied),
            (
                "s3",
                "GetBucketAcl",
                "us-east-1",
                s3_req("acme-customer-exports", "us-east-1", acl=""),
                None,
            ),
            ("cloudtrail", "DescribeTrails", "us-east-1", {"includeShadowTrails": True}, None),
            ("guardduty", "ListDetectors", "us-east-1", None, None),
        ]
        for svc, name, region, req, err in recon:
            msg = None
            if err:
                action = f"{SERVICE_PREFIX.get(svc, svc)}:{name}"
                msg = denied_message(
                    arn, action, f"arn:aws:{svc}:{region if svc != 'iam' else ''}:{ACCOUNT}:*"
                )
            self.emit(
                next(times),
                kali(),
                f"{svc}.amazonaws.com",
                name,
                region,
                req=req,
                error=err,
                error_message=msg,
                additional=s3_additional(r, 2048) if svc == "s3" else None,
            )

        # 2. Console: a guessed user name, a wrong password, then the real one, no MFA.
        t = t0 + timedelta(minutes=16)
        self.console_login(
            t,
            "HIDDEN_DUE_TO_SECURITY_REASONS",
            ATTACKER_CONSOLE_IP,
            UA_FIREFOX,
            mfa=False,
            ok=False,
        )
        t += timedelta(seconds=31)
        self.console_login(t, leaked, ATTACKER_CONSOLE_IP, UA_FIREFOX, mfa=False, ok=False)
        t += timedelta(seconds=24)
        self.console_login(t, leaked, ATTACKER_CONSOLE_IP, UA_FIREFOX, mfa=False)
        console = Actor(
            iam_user(leaked, self.pids[leaked], key_id(r, "ASIA"), session_created=t),
            ATTACKER_CONSOLE_IP,
            UA_FIREFOX,
        )
        self.emit(
            t + timedelta(seconds=9),
            console,
            "iam.amazonaws.com",
            "GetAccountSummary",
            "us-east-1",
            from_console=True,
        )
        self.emit(
            t + timedelta(seconds=12),
            console,
            "iam.amazonaws.com",
            "ListAccountAliases",
            "us-east-1",
            from_console=True,
        )

        # 3. Persistence: a new user with keys and a password.
        new = "backup-sync"

        def cli(name: str) -> Actor:
            return self.user(leaked, ATTACKER_IP, cli_agent("iam", name, UA_KALI_CLI))

        times = iter(walk(r, t0 + timedelta(minutes=22), 12, 15, 30))
        t = next(times)
        self.emit(
            t,
            cli("CreateUser"),
            "iam.amazonaws.com",
            "CreateUser",
            "us-east-1",
            req={"userName": new},
            resp={
                "user": {
                    "path": "/",
                    "userName": new,
                    "userId": self.pids[new],
                    "arn": f"arn:aws:iam::{ACCOUNT}:user/{new}",
                    "createDate": aws_date(t),
                }
            },
        )
        t = next(times)
        self.emit(
            t,
            cli("CreateAccessKey"),
            "iam.amazonaws.com",
            "CreateAccessKey",
            "us-east-1",
            req={"userName": new},
            resp={
                "accessKey": {
                    "accessKeyId": self.keys[new],
                    "status": "Active",
                    "userName": new,
                    "createDate": aws_date(t),
                }
            },
        )
        t = next(times)
        self.emit(
            t,
            cli("CreateLoginProfile"),
            "iam.amazonaws.com",
            "CreateLoginProfile",
            "us-east-1",
            req={"userName": new, "passwordResetRequired": False},
            resp={
                "loginProfile": {
                    "userName": new,
                    "createDate": aws_date(t),
                    "passwordResetRequired": False,
                }
            },
        )

        # 4. Privilege escalation of the new user.
        self.emit(
            next(times),
            cli("AttachUserPolicy"),
            "iam.amazonaws.com",
            "AttachUserPolicy",
            "us-east-1",
            req={"userName": new, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        )
        doc = (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
        )
        self.emit(
            next(times),
            cli("PutUserPolicy"),
            "iam.amazonaws.com",
            "PutUserPolicy",
            "us-east-1",
            req={"userName": new, "policyName": "sync-access", "policyDocument": doc},
        )
        self.emit(
            next(times),
            cli("AddUserToGroup"),
            "iam.amazonaws.com",
            "AddUserToGroup",
            "us-east-1",
            req={"groupName": "Admins", "userName": new},
        )

        # 5. The new user's key, from IPv6, hops into a privileged role.
        t = t0 + timedelta(minutes=27, seconds=2)
        v6 = self.user(new, ATTACKER_IPV6, cli_agent("sts", "GetCallerIdentity", UA_KALI_CLI))
        self.emit(t, v6, "sts.amazonaws.com", "GetCallerIdentity", "us-east-1")
        role = "ops-break-glass"
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
        session = "maint-0312"
        asia = key_id(r, "ASIA")
        t += timedelta(seconds=28)
        self.emit(
            t,
            Actor(v6.identity, ATTACKER_IPV6, cli_agent("sts", "AssumeRole", UA_KALI_CLI)),
            "sts.amazonaws.com",
            "AssumeRole",
            "us-east-1",
            req={"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600},
            resp=assume_role_response(r, t, role, self.role_pids[role], session, asia),
            resources=role_resources(role_arn),
            read_only=True,
        )
        hop = role_session(role, self.role_pids[role], session, asia, t)

        def sess(source: str, name: str, ip: str = ATTACKER_IP) -> Actor:
            return Actor(hop, ip, cli_agent(source, name, UA_KALI_CLI))

        # 6. Blind the defenders.
        times = iter(walk(r, t + timedelta(minutes=2), 40, 8, 40))
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
            self.emit(
                next(times),
                sess(svc, name),
                f"{svc}.amazonaws.com",
                name,
                region,
                req=req,
                resp=resp,
            )

        # 7. Exfiltration: share a database volume's snapshot, open a bucket to the world.
        vol, snap = self.volumes[0], f"snap-{hexid(r)}"
        t = next(times)
        self.emit(
            t,
            sess("ec2", "CreateSnapshot"),
            "ec2.amazonaws.com",
            "CreateSnapshot",
            "us-east-1",
            req={"volumeId": vol, "description": "maintenance"},
            resp={
                "requestId": uuid4(r),
                "snapshotId": snap,
                "volumeId": vol,
                "status": "pending",
                "startTime": int(t.timestamp() * 1000),
                "ownerId": ACCOUNT,
                "volumeSize": "100",
                "encrypted": False,
            },
        )
        self.emit(
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
        bucket = "acme-customer-exports"
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
        s3_ip = ATTACKER_IP
        self.emit(
            next(times),
            sess("s3", "DeleteAccountPublicAccessBlock", s3_ip),
            "s3.amazonaws.com",
            "DeleteAccountPublicAccessBlock",
            "us-east-1",
            req={"accountId": ACCOUNT, "Host": f"{ACCOUNT}.s3-control.us-east-1.amazonaws.com"},
            additional=s3_additional(r),
        )
        self.emit(
            next(times),
            sess("s3", "PutBucketPublicAccessBlock", s3_ip),
            "s3.amazonaws.com",
            "PutBucketPublicAccessBlock",
            "us-east-1",
            req=s3_req(
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
            additional=s3_additional(r),
            resources=bucket_resources(bucket),
        )
        self.emit(
            next(times),
            sess("s3", "PutBucketPolicy", s3_ip),
            "s3.amazonaws.com",
            "PutBucketPolicy",
            "us-east-1",
            req=s3_req(bucket, "us-east-1", bucketPolicy=policy, policy=""),
            additional=s3_additional(r),
            resources=bucket_resources(bucket),
        )

        # 8. Compute abuse in a region the account never used.
        region = "ap-southeast-2"
        sg = f"sg-{hexid(r)}"
        self.emit(
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
        self.emit(
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
                    "items": [
                        {"imageId": ami, "minCount": 8, "maxCount": 8, "keyName": "ops-maint"}
                    ]
                },
                "groupSet": {"items": [{"groupId": sg}]},
                "instanceType": itype,
                "blockDeviceMapping": {},
                "monitoring": {"enabled": False},
                "disableApiTermination": False,
                "disableApiStop": False,
                "clientToken": uuid4(r).upper(),
            }
            if not ok:
                self.emit(
                    t,
                    sess("ec2", "RunInstances"),
                    "ec2.amazonaws.com",
                    "RunInstances",
                    region,
                    req=req,
                    error="Client.VcpuLimitExceeded",
                    error_message=(
                        "You have requested more vCPU capacity than your current vCPU limit of 0"
                        " allows for the instance bucket that the specified instance type"
                        " belongs to."
                    ),
                )
                continue
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
            self.emit(
                t,
                sess("ec2", "RunInstances"),
                "ec2.amazonaws.com",
                "RunInstances",
                region,
                req=req,
                resp={
                    "requestId": uuid4(r),
                    "reservationId": f"r-{hexid(r)}",
                    "ownerId": ACCOUNT,
                    "groupSet": {},
                    "instancesSet": {"items": items},
                },
            )

        records, self.out = self.out, saved
        times_all = sorted(rec["eventTime"] for rec in records)
        facts = IncidentFacts(
            leaked_user=leaked,
            leaked_key=self.keys[leaked],
            attacker_ips=(ATTACKER_IP, ATTACKER_CONSOLE_IP, ATTACKER_IPV6),
            new_user=new,
            new_user_key=self.keys[new],
            role_arn=role_arn,
            session_name=session,
            asia_key=asia,
            snapshot_id=snap,
            volume_id=vol,
            bucket=bucket,
            compute_region=region,
            external_account=ATTACKER_ACCOUNT,
            start=times_all[0],
            end=times_all[-1],
            event_ids=tuple(rec["eventID"] for rec in records),
        )
        return records, facts
