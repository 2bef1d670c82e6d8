"""Values users give to filters: text, IP addresses and networks, event-name globs, tactics.

Every value may come from a log file (a pivot copies it) and is treated as a literal: never
as a regex, never as markup. Times are parsed by :mod:`ctir_tui.engine.times`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, TypeAlias

from ctir_tui.engine.times import TimeError
from ctir_tui.text import inert

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

# What the Rust regex crate escapes (regex::escape); all are valid escapes in Python's re too.
_REGEX_META: Final = frozenset("\\.+*?()|[]{}^$#&-~")


class FilterError(ValueError):
    """A filter value that cannot be used; the message is one line, fit to show a user."""


#: Bad times are bad filter values too.
FILTER_ERRORS: Final = (FilterError, TimeError)


def shown(text: str, limit: int = 60) -> str:
    """``text`` fit for a one-line message: inert and short."""
    return inert(text, limit=limit)


def clean(text: str) -> str:
    """Return ``text`` as valid UTF-8 (lone surrogates from undecodable argv become U+FFFD)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


# --- IP addresses -------------------------------------------------------------------------


def canonical_address(address: Address) -> Address:
    """Fold IPv4-mapped IPv6 addresses (``::ffff:1.2.3.4``) onto IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_address(text: str) -> Address | None:
    """An address as written in a record, or None when the text is not one."""
    try:
        return canonical_address(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def parse_addresses(text: str) -> tuple[Address, ...]:
    """Every address a ``sourceIPAddress`` holds: one, or several (``"81.2.69.142, 10.0.0.1"``,
    as a proxy chain writes them). Parts that are not addresses are left out."""
    if "," not in text and " " not in text.strip():
        found = parse_address(text)
        return (found,) if found is not None else ()
    parts = (parse_address(p) for p in text.replace(",", " ").split())
    return tuple(p for p in parts if p is not None)


def several_addresses(text: str) -> bool:
    """Whether a source IP value holds more than one address."""
    return len(parse_addresses(text)) > 1


@lru_cache(maxsize=256)
def ip_target(value: str, what: str = "ip") -> Address | Network | None:
    """Classify an IP filter value: an address, a network, or None for a substring.

    Raises:
        FilterError: An empty value, or a ``/`` that is no CIDR.
    """
    text = value.strip()
    address = parse_address(text)
    if address is not None:
        return address
    error = FilterError(
        f"bad {what} value '{shown(value)}': expected an address, a CIDR such as "
        "10.0.0.0/8 or 2001:db8::/32, or part of a source IP"
    )
    if not text:
        raise error
    if "/" in text:  # source IPs never hold a "/", so this can only be meant as a CIDR
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise error from None
    return None


def ip_parts(value: str) -> list[str]:
    """Split an IP filter value on commas: ``10.0.0.0/8,2001:db8::/32`` matches either."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return parts or [value]


# --- event-name globs ---------------------------------------------------------------------


def _set_body(members: str, pattern: str) -> str:
    def esc(char: str) -> str:
        return "\\" + char if char in _REGEX_META else char

    parts: list[str] = []
    k = 0
    while k < len(members):
        low = members[k]
        if k + 2 < len(members) and members[k + 1] == "-":
            high = members[k + 2]
            if low > high:
                raise FilterError(
                    f"bad event pattern '{shown(pattern)}': range {low}-{high} is reversed"
                )
            parts.append(f"{esc(low)}-{esc(high)}")
            k += 3
        else:
            parts.append(esc(low))
            k += 1
    return "".join(parts)


def glob_body(pattern: str) -> str:
    """Translate one shell glob into an unanchored regex body.

    ``*`` matches any run of characters, ``?`` one character, ``[abc]``, ``[a-z]`` and
    ``[!abc]`` (or ``[^abc]``) a set; an unclosed ``[`` is literal. Every other regex
    metacharacter is escaped, so ``Get.Object`` matches only itself.

    Raises:
        FilterError: The pattern is empty or has a reversed range like ``[z-a]``.
    """
    if not pattern:
        raise FilterError("bad event pattern '': expected a name or a glob like Create*")
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        i += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            j = i
            negated = j < n and pattern[j] in "!^"
            j += negated
            # A "]" first in the set is a literal, as in the shell.
            end = pattern.find("]", j + 1 if j < n and pattern[j] == "]" else j)
            if end < 0:
                out.append("\\[")
                continue
            body = _set_body(pattern[j:end], pattern)
            out.append("[" + ("^" if negated else "") + body + "]")
            i = end + 1
        else:
            out.append("\\" + char if char in _REGEX_META else char)
    return "".join(out)


def literal_pattern(text: str) -> str:
    """A regex (Rust's syntax, as Polars reads it) matching ``text`` literally."""
    return "".join("\\" + char if char in _REGEX_META else char for char in text)


def globs_regex(globs: Sequence[str]) -> str:
    """One anchored, case-insensitive regex matching any of ``globs``."""
    return "(?is)^(?:" + "|".join(glob_body(g) for g in globs) + ")$"


# --- tactics ------------------------------------------------------------------------------


def check_tactic(name: str, known: Sequence[str]) -> str:
    """Return the canonical spelling of a tactic name, or raise listing the valid ones."""
    by_lower = {k.lower(): k for k in known}
    found = by_lower.get(name.strip().lower())
    if found is None:
        raise FilterError(f"unknown tactic '{shown(name)}': expected one of {', '.join(known)}")
    return found
