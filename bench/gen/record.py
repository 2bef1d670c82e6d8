"""The CloudTrail record: its fields in CloudTrail's order, TLS details, readOnly."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from bench.gen.identities import ACCOUNT, Actor
from bench.gen.ids import iso, uuid4

Record = dict[str, Any]

#: Services that log in us-east-1 whatever region the caller names.
GLOBAL_SOURCES = frozenset({"iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com"})
READ_PREFIXES = ("Describe", "List", "Get", "Lookup", "Head", "BatchGet", "Search", "Check")

TLS_12 = "ECDHE-RSA-AES128-GCM-SHA256"
TLS_13 = "TLS_AES_128_GCM_SHA256"


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
