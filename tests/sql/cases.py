"""The filters of the equality proof, with the hostile records each keeps (tests/sql/hostile).

Names are written by hand from the records, never computed by ctir; None where the case
only asks that the SQL and the view agree.
"""

from __future__ import annotations

from collections.abc import Callable

from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.field_clauses import field_clause, session_clause
from ctir_tui.engine.query.language import make
from ctir_tui.engine.query.time_clauses import window
from tests.sql import hostile

NO_TIME = {"no-time", "bad-time"}
ALL = hostile.names()

Specs = Callable[[], tuple[str | Clause, ...]]

#: (what, the filter, the names it keeps; None: whatever the view keeps).
CASES: list[tuple[str, Specs, set[str] | None]] = [
    ("principal %_", lambda: ("principal %_",), {"percent"}),
    ("principal quote", lambda: ("principal '",), {"obrien"}),
    ("principal backslash", lambda: ("principal \\",), {"backslash"}),
    ("principal comment end", lambda: ("principal */",), {"comment"}),
    ("principal newline", lambda: (make("principal", "\n"),), {"newline"}),
    ("principal unicode, other case", lambda: ("principal åsa-ł",), {"unicode"}),
    ("principal of a service", lambda: ("principal ec2.amazonaws.com",), {"service"}),
    ("principal of an SSO user", lambda: ("principal 9067-SSO",), {"sso"}),
    ("principal via the issuer", lambda: ("principal ops-break-glass",), {"assumed"}),
    ("principal via the key", lambda: ("principal asiaexamplekey00001",), {"assumed"}),
    ("principal, re-delivered", lambda: ("principal alice",), {"alice"}),
    ("text in an error", lambda: ("text accessdenied",), {"newline"}),
    ("text in a user agent", lambda: ("text drop table",), {"obrien"}),
    ("text in a request id", lambda: ("text req-weird",), {"weird", "weird-decoy"}),
    # Request parameters, response elements, additional data: ctir's text store.
    ("text in request parameters", lambda: ("text MAXitems",), ALL),
    ("text in a response", lambda: ("text credentials",), {"issuer"}),
    ("text in additional data", lambda: ("text mfaused",), {"alice", "badlogin"}),
    (
        "ip 10/8 (mapped, padded)",
        lambda: ("ip 10.0.0.0/8",),
        {"newline", "percent", "root", "no-time", "next-day", "proxy"},
    ),
    ("ip v6 CIDR", lambda: ("ip 2001:db8::/32",), {"backslash", "comment"}),
    ("ip ::/0", lambda: ("ip ::/0",), {"backslash", "comment", "sso", "assumed", "issuer"}),
    (
        "ip 0.0.0.0/0",
        lambda: ("ip 0.0.0.0/0",),
        ALL
        - {"backslash", "comment", "decoy", "unicode", "service", "sso", "assumed", "issuer"}
        - {"no-ip"},
    ),
    ("ip v6 in capitals", lambda: ("ip 2001:DB8::2",), {"comment"}),
    ("ip v4 stored mapped", lambda: ("ip 10.1.2.3",), {"newline"}),
    ("ip typed mapped", lambda: ("ip ::ffff:10.1.2.3",), {"newline"}),
    ("ip substring", lambda: ("ip AMAZONAWS",), {"unicode", "service"}),
    ("ip, second of a proxy chain", lambda: ("ip 10.77.0.1",), {"proxy"}),
    ("ip CIDR over a proxy chain", lambda: ("ip 10.77.0.0/16",), {"proxy"}),
    ("ip v6 CIDR, v4 proxy chain", lambda: ("ip 2001:db8::/32",), {"backslash", "comment"}),
    ("ip list", lambda: ("ip 10.20.30.0/24, aws internal",), {"percent", "decoy"}),
    ("event with metacharacters", lambda: ("event Weird.Name+(x)",), {"weird"}),
    ("event glob, other case", lambda: ("event create*",), {"newline", "no-time"}),
    ("event set", lambda: ("event [CD]elete*",), {"root", "midnight"}),
    ("event one character", lambda: ("event Get?bject",), {"comment"}),
    ("event negated set", lambda: ("event [!A-Z]*",), set()),
    (
        "since a time",
        lambda: ("since 2025-03-11T12:00Z",),
        {"fraction", "offset", "midnight", "next-day"},
    ),
    (
        "until a date, delivered the next day",
        lambda: ("until 2025-03-11",),
        ALL - NO_TIME - {"next-day"},
    ),
    ("since a duration", lambda: ("since 6h",), {"next-day"}),
    ("window", lambda: window("2025-03-11T12:00Z"), {"fraction", "offset"}),
    ("errors", lambda: ("errors",), {"newline", "badlogin"}),
    (
        "hide read-only",
        lambda: ("readonly",),
        {"alice", "badlogin", "newline", "service", "assumed"},
    ),
    ("seed tactic", lambda: ("tactic persistence",), {"newline", "no-time"}),
    ("seed tactic 2", lambda: ("tactic defense evasion",), {"root", "midnight", "assumed"}),
    ("tactic AssumeRole", lambda: ("tactic lateral movement",), {"service", "issuer"}),
    ("session", lambda: (session_clause(hostile.SESSION_KEY),), {"assumed", "issuer"}),
    # The session's flag; a console login's own MFAUsed is mfa_used.
    ("mfa", lambda: (field_clause("mfa", "true"),), {"assumed"}),
    ("mfa used", lambda: (field_clause("mfa_used", "true"),), {"alice"}),
    ("outcome denied", lambda: (field_clause("outcome", "denied"),), {"newline"}),
    ("outcome failure", lambda: (field_clause("outcome", "failure"),), {"badlogin"}),
    ("console login", lambda: (field_clause("console_login", "Success"),), {"alice"}),
    ("no error code", lambda: (field_clause("error_code", None),), ALL - {"newline"}),
    (
        "hostile user agent",
        lambda: (field_clause("user_agent", "ua */ -- \n SELECT 1 /*"),),
        {"comment"},
    ),
    ("time equality", lambda: (field_clause("time", "2025-03-11T12:00:00Z"),), {"offset"}),
    ("principal equality", lambda: (field_clause("principal", "9067-sso-user"),), {"sso"}),
    ("read_only equality", lambda: (field_clause("read_only", "true"),), None),
    ("tactics list", lambda: (field_clause("tactics", "Persistence"),), {"newline", "no-time"}),
    (
        "issued key",
        lambda: (field_clause("issued_access_key_id", hostile.SESSION_KEY),),
        {"issuer"},
    ),
    ("source ip as text", lambda: (field_clause("source_ip", "2001:DB8:0:0::2"),), {"comment"}),
    ("identity type", lambda: (field_clause("identity_type", "Root"),), {"root"}),
    ("no event id", lambda: (field_clause("event_id", None),), {"no-id-a", "no-id-b", "blank-id"}),
    ("region", lambda: (field_clause("region", "us-east-1"),), ALL - {"no-ip"} | {"no-ip"}),
    (
        "several at once",
        lambda: ("principal alice", "ip 203.0.113.0/24", "until 2025-03-12", "not errors"),
        {"alice"},
    ),
    # Clauses on one field OR, as in the view; the fields still AND.
    ("two principals", lambda: ("principal alice", "principal '"), {"alice", "obrien"}),
    ("two principals and an ip", lambda: ("principal alice", "principal '", "ip ::/0"), set()),
    ("nothing", lambda: (), ALL),
]

#: The cases of one clause, whose negation is tested too.
SINGLE = [c for c in CASES if len(c[1]()) == 1]
