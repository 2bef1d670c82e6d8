"""The benchmark's world: about 300 calls, 200 principals, 5,000 addresses, and its records.

Built from templates so that a million records take seconds: every worker process builds the
same world from the seed, then draws records from it with its own generator.
"""

from __future__ import annotations

import functools
import random
import re
from datetime import UTC, datetime
from typing import Any

from bench.gen.agents import UA_BOTO3, UA_BROWSER, UA_CLI, UA_CLI_LINUX, UA_TERRAFORM
from bench.gen.identities import ACCOUNT, iam_user, role_session, service_identity
from bench.gen.ids import hexid, iso, key_id, unique_id
from bench.gen.record import GLOBAL_SOURCES, Record, host_header

BENCH_REGIONS = (
    ("us-east-1", 30),
    ("eu-west-1", 20),
    ("us-west-2", 10),
    ("eu-central-1", 8),
    ("us-east-2", 6),
    ("ap-southeast-1", 4),
    ("ap-northeast-1", 4),
    ("eu-west-2", 4),
    ("ap-southeast-2", 3),
    ("ca-central-1", 3),
    ("sa-east-1", 2),
    ("eu-north-1", 2),
    ("ap-south-1", 2),
    ("us-west-1", 1),
    ("eu-west-3", 1),
)
BENCH_SERVICES: dict[str, tuple[str, ...]] = {
    "ec2": (
        "Instances",
        "Volumes",
        "Snapshots",
        "SecurityGroups",
        "Vpcs",
        "Subnets",
        "RouteTables",
        "NetworkInterfaces",
        "Images",
        "KeyPairs",
        "Addresses",
        "NatGateways",
        "LaunchTemplates",
        "Tags",
        "FlowLogs",
        "VpcEndpoints",
    ),
    "iam": (
        "Users",
        "Roles",
        "Policies",
        "Groups",
        "AccessKeys",
        "InstanceProfiles",
        "AttachedUserPolicies",
        "AttachedRolePolicies",
        "RolePolicies",
        "MFADevices",
    ),
    "s3": (
        "BucketPolicy",
        "BucketAcl",
        "BucketVersioning",
        "BucketEncryption",
        "BucketTagging",
        "BucketLogging",
        "BucketLifecycle",
        "BucketReplication",
        "BucketCors",
    ),
    "lambda": (
        "Functions20150331",
        "EventSourceMappings20150331",
        "Layers20181031",
        "Aliases20150331",
    ),
    "logs": ("LogGroups", "LogStreams", "MetricFilters", "SubscriptionFilters", "Destinations"),
    "ssm": ("Parameters", "Documents", "Associations", "InstanceInformation", "Sessions"),
    "kms": ("Keys", "Aliases", "Grants", "KeyPolicies"),
    "rds": ("DBInstances", "DBClusters", "DBSnapshots", "DBSubnetGroups", "DBParameterGroups"),
    "dynamodb": ("Tables", "Backups", "GlobalTables", "ContributorInsights"),
    "ecs": ("Clusters", "Services", "TaskDefinitions", "Tasks", "ContainerInstances"),
    "ecr": ("Repositories", "Images", "LifecyclePolicy", "RepositoryPolicy"),
    "cloudformation": ("Stacks", "StackResources", "StackEvents", "ChangeSets", "StackSets"),
    "monitoring": ("Alarms", "Dashboards", "MetricStreams", "InsightRules"),
    "sns": ("Topics", "Subscriptions", "PlatformApplications"),
    "sqs": ("Queues", "QueueAttributes", "DeadLetterSourceQueues"),
    "elasticloadbalancing": ("LoadBalancers", "TargetGroups", "Listeners", "Rules"),
    "secretsmanager": ("Secrets", "SecretVersionIds", "ResourcePolicy"),
    "cloudtrail": ("Trails", "EventSelectors", "InsightSelectors", "TrailStatus"),
    "guardduty": ("Detectors", "Findings", "Members", "Filters"),
    "config": ("ConfigRules", "ConfigurationRecorders", "DeliveryChannels", "ConformancePacks"),
}
READ_VERBS = ("Describe", "List", "Get")
WRITE_VERBS = ("Create", "Delete", "Update", "Put", "Modify")


def bench_catalog(rng: Any) -> list[tuple[str, str, bool]]:
    """Return about 300 (eventSource, eventName, readOnly), reads first."""
    reads, writes = [], []
    for svc, nouns in BENCH_SERVICES.items():
        source = f"{svc}.amazonaws.com"
        for i, noun in enumerate(nouns):
            reads.append((source, f"{READ_VERBS[i % 3]}{noun}", True))
            if i % 2 == 0:
                reads.append((source, f"{READ_VERBS[(i + 1) % 3]}{noun}", True))
            singular = noun.rstrip("s0123456789") or noun
            writes.append((source, f"{WRITE_VERBS[i % 5]}{singular}", False))
            if i % 3 == 0:
                writes.append((source, f"{WRITE_VERBS[(i + 2) % 5]}{singular}", False))
    return reads + writes


BENCH_START = datetime(2025, 2, 1, tzinfo=UTC)
BENCH_DAYS = 14
BENCH_UAS = (
    UA_CLI.format(cmd="s3.ls"),
    UA_CLI_LINUX.format(cmd="ec2.describe-instances"),
    UA_BOTO3,
    UA_TERRAFORM.format(svc="ec2"),
    UA_BROWSER,
    "aws-sdk-java/2.25.11 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.149.1",
    "console.amazonaws.com",
)
SERVICE_HOSTS = (
    "ec2.amazonaws.com",
    "config.amazonaws.com",
    "lambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "autoscaling.amazonaws.com",
)


#: The range of each octet of the world's public IPv4 addresses.
OCTETS = ((3, 223), (0, 255), (0, 255), (1, 254))


class _Stamps(dict[int, str]):
    """eventTime strings of the seconds after ``base``, each formatted when first drawn."""

    def __init__(self, base: int) -> None:
        super().__init__()
        self.base = base

    def __missing__(self, second: int) -> str:
        value = self[second] = iso(datetime.fromtimestamp(self.base + second, UTC))
        return value


class BenchWorld:
    """The fixed cast of one account: principals, addresses, calls (same in every worker)."""

    def __init__(self, seed: int, account: str = ACCOUNT) -> None:
        rng = random.Random(seed)
        self.seed = seed
        self.account = account
        self._regions: dict[str, tuple[list[tuple[str, str, bool]], dict[str, Any]]] = {}
        catalog = bench_catalog(rng)
        self.global_calls = [c for c in catalog if c[0] in GLOBAL_SOURCES]
        self.regional_calls = [c for c in catalog if c[0] not in GLOBAL_SOURCES]
        self.names = len(catalog)
        ips = {".".join(str(rng.randint(lo, hi)) for lo, hi in OCTETS) for _ in range(5200)}
        pool = sorted(ips)[:5000]
        created = iso(BENCH_START)
        self.principals: list[tuple[dict[str, Any], list[str], str]] = []
        for i in range(200):
            kind = i % 10
            if kind < 3:
                name = f"user{i:03d}"
                ident = iam_user(name, unique_id(rng, "AIDA"), key_id(rng, "AKIA"), account=account)
            elif kind < 9:
                role = f"app-role-{i % 23:02d}"
                session = f"i-{hexid(rng)}" if kind < 5 else f"session-{hexid(rng, 8)}"
                ident = role_session(
                    role,
                    unique_id(rng, "AROA"),
                    session,
                    key_id(rng, "ASIA"),
                    BENCH_START,
                    ec2=kind < 5,
                    account=account,
                )
                ident["sessionContext"]["attributes"]["creationDate"] = created
            else:
                host = SERVICE_HOSTS[i % len(SERVICE_HOSTS)]
                self.principals.append((service_identity(host), [host], host))
                continue
            start = (len(self.principals) * 28) % len(pool)
            addrs = (pool + pool)[start : start + 28]
            self.principals.append((ident, addrs, BENCH_UAS[i % len(BENCH_UAS)]))
        # A skewed choice table: a few principals make most of the calls.
        self.who = [int(len(self.principals) * (rng.random() ** 2)) for _ in range(4096)]
        self.params: dict[str, dict[str, Any]] = {}
        for source, name, read in catalog:
            noun = re.sub(r"^(Describe|List|Get|Create|Update|Put|Modify|Delete)", "", name)
            req: dict[str, Any] = (
                {"maxResults": 100}
                if read
                else {
                    f"{noun[:1].lower()}{noun[1:]}Name": f"{noun.lower()}-{hexid(rng, 8)}",
                    "tags": [{"key": "team", "value": rng.choice(("shop", "data", "platform"))}],
                }
            )
            if source == "s3.amazonaws.com":
                req = {
                    "bucketName": f"bucket-{hexid(rng, 6)}",
                    "Host": "s3.amazonaws.com",
                    noun.lower(): "",
                }
            self.params[name] = req
        self.responses = {n: {"requestId": "", "_return": True} for _, n, r in catalog if not r}

    def region(self, region: str) -> tuple[list[tuple[str, str, bool]], dict[str, Any]]:
        """Return the calls made in ``region`` (global services only in us-east-1) and their TLS."""
        if region not in self._regions:
            calls = self.regional_calls + (self.global_calls if region == "us-east-1" else [])
            tls = {
                source: {
                    "tlsVersion": "TLSv1.3",
                    "cipherSuite": "TLS_AES_128_GCM_SHA256",
                    "clientProvidedHostHeader": host_header(source, region),
                }
                for source, _, _ in calls
            }
            self._regions[region] = (calls, tls)
        return self._regions[region]

    def records(self, rng: random.Random, n: int, region: str, t0: int) -> list[Record]:
        """Return ``n`` records of ``region`` with times in the 300 seconds before ``t0``."""
        bits = rng.getrandbits
        calls, tls = self.region(region)
        seconds = _Stamps(t0 - 300)
        recs: list[Record] = []
        for _ in range(n):
            ident, addrs, ua = self.principals[self.who[bits(12)]]
            source, name, read = calls[bits(16) % len(calls)]
            ip = addrs[bits(8) % len(addrs)]
            h = f"{bits(128):032x}"
            k = f"{bits(128):032x}"
            rec: Record = {
                "eventVersion": "1.09",
                "userIdentity": ident,
                "eventTime": seconds[bits(16) % 300],
                "eventSource": source,
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": ip,
                "userAgent": ua,
            }
            failed = bits(5) == 0  # about 3 %, plus throttling below
            if failed:
                rec["errorCode"] = "AccessDenied" if read else "Client.UnauthorizedOperation"
                rec["errorMessage"] = "You are not authorized to perform this operation."
            elif bits(6) == 0:
                failed = True
                rec["errorCode"] = "ThrottlingException"
                rec["errorMessage"] = "Rate exceeded"
            rec["requestParameters"] = self.params[name]
            rec["responseElements"] = None if read or failed else self.responses[name]
            rec["requestID"] = f"{k[:8]}-{k[8:12]}-4{k[13:16]}-a{k[17:20]}-{k[20:]}"
            rec["eventID"] = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:]}"
            rec["readOnly"] = read
            rec["eventType"] = "AwsApiCall"
            rec["managementEvent"] = True
            rec["recipientAccountId"] = self.account
            rec["eventCategory"] = "Management"
            if not ip.endswith("amazonaws.com"):
                rec["tlsDetails"] = tls[source]
            recs.append(rec)
        return recs


@functools.cache
def world(seed: int, account: str = ACCOUNT) -> BenchWorld:
    """Return the world of ``account``, built once per process."""
    return BenchWorld(seed, account)
