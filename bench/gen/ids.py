"""Random identifiers and times, all drawn from a seeded ``random.Random``."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

#: Characters of access key ids and unique ids (AWS uses base32-like upper case).
KEY_CHARS = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits


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


def parse_time(value: str) -> datetime:
    """Parse a CloudTrail eventTime."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def millis(value: str) -> int:
    """Return an eventTime as epoch milliseconds."""
    return int(parse_time(value).timestamp() * 1000)


def aws_date(t: datetime) -> str:
    """Format a time the way IAM writes ``createDate`` in responseElements."""
    return t.strftime("%b %-d, %Y, %-I:%M:%S %p")


def walk(rng: random.Random, t: datetime, n: int, lo: int = 2, hi: int = 40) -> list[datetime]:
    """Return ``n`` increasing times after ``t``, each ``lo``..``hi`` seconds apart."""
    out = []
    for _ in range(n):
        t = t + timedelta(seconds=rng.randint(lo, hi))
        out.append(t)
    return out
