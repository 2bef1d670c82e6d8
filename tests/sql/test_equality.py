"""The equality proof: ctir's Athena SQL, run by DuckDB on the same events in the Athena
table's shape, returns exactly the events of ctir's own view, for every kind of filter and
its negation, on hand-made hostile records. Where a case states its names, both sides must
also equal that literal, so a mistake shared by the view and the SQL is caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ctir_tui.engine.export.sql import athena_columns, view_sql
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.field_clauses import field_clause, session_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make, parse_filter
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause, window
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.data import load_mapping
from tests.sql import harness, hostile

NO_TIME = {"no-time", "bad-time"}
ALL = hostile.names()


@dataclass(frozen=True)
class Trail:
    session: Session
    con: duckdb.DuckDBPyConnection

    def filters(self, *specs: str | Clause) -> Filters:
        known = self.session.mapping.tactic_names(extended=True)
        return Filters(tuple(parse_filter(s, known) if isinstance(s, str) else s for s in specs))

    def view(self, filters: Filters, *, extended: bool = False) -> Counter[str]:
        frame = self.session.view(filters, extended=extended)
        return Counter(str(r).removeprefix("req-") for r in frame.get_column("request_id"))

    def sql(self, filters: Filters, *, extended: bool = False) -> Counter[str]:
        text = view_sql(
            filters, self.session.mapping, self.session.newest, "athena", extended=extended
        )
        names, rows = harness.run(self.con, text)
        assert tuple(names) == athena_columns(), "the result has the table's columns"
        return Counter(
            str(request).removeprefix("req-") for _, request in harness.keys(names, rows)
        )


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Trail:
    root = hostile.write_trail(tmp_path_factory.mktemp("hostile"))
    mapping = load_mapping(config_path=root / "no-overrides.toml")
    session = Session.open([root], LoadOptions(use_cache=False), mapping=mapping)
    con = harness.connect()
    harness.athena_table(con, hostile.every_row(), root)
    return Trail(session, con)


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
    (
        "ip 10/8 (mapped, padded)",
        lambda: ("ip 10.0.0.0/8",),
        {"newline", "percent", "root", "no-time", "next-day"},
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
    ("errors", lambda: ("errors",), {"newline"}),
    ("hide read-only", lambda: ("readonly",), {"alice", "newline", "service", "assumed"}),
    ("seed tactic", lambda: ("tactic persistence",), {"newline", "no-time"}),
    ("seed tactic 2", lambda: ("tactic defense evasion",), {"root", "midnight", "assumed"}),
    ("tactic AssumeRole", lambda: ("tactic lateral movement",), {"service", "issuer"}),
    ("session", lambda: (session_clause(hostile.SESSION_KEY),), {"assumed", "issuer"}),
    ("mfa", lambda: (field_clause("mfa", "true"),), {"alice", "assumed"}),
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
    ("nothing", lambda: (), ALL),
]


@pytest.mark.parametrize(("what", "specs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sql_keeps_what_the_view_keeps(
    trail: Trail, what: str, specs: Specs, expected: set[str] | None
) -> None:
    filters = trail.filters(*specs())
    view = trail.view(filters)
    assert trail.sql(filters) == view
    assert max(view.values(), default=1) == 1, "one row per event, copies dropped"
    if expected is not None:
        assert set(view) == expected


SINGLE = [c for c in CASES if len(c[1]()) == 1]


@pytest.mark.parametrize(("what", "specs", "expected"), SINGLE, ids=[c[0] for c in SINGLE])
def test_negation_keeps_what_the_view_keeps(
    trail: Trail, what: str, specs: Specs, expected: set[str] | None
) -> None:
    (spec,) = specs()
    clause = spec if isinstance(spec, Clause) else trail.filters(spec).clauses[0]
    filters = Filters((clause.negated(),))
    view = trail.view(filters)
    assert trail.sql(filters) == view
    if expected is not None:
        # A negated clause keeps events whose field is null; a time bound never keeps
        # events without a time.
        dropped = NO_TIME if isinstance(clause, SinceClause | UntilClause) else set()
        assert set(view) == ALL - expected - dropped


@pytest.mark.parametrize(
    ("tactic", "kept", "not_kept"),
    [
        ("collection", {"lambda"}, {"lambda-decoy"}),
        ("persistence", {"lambda", "newline", "no-time"}, {"lambda-decoy"}),
        ("lateral movement", {"service", "issuer"}, set()),
    ],
)
def test_extended_tactics_keep_what_the_view_keeps(
    trail: Trail, tactic: str, kept: set[str], not_kept: set[str]
) -> None:
    for negate in (False, True):
        filters = trail.filters(("not " if negate else "") + f"tactic {tactic}")
        view = trail.view(filters, extended=True)
        assert trail.sql(filters, extended=True) == view
        inside, outside = (not_kept, kept) if negate else (kept, not_kept)
        assert inside <= set(view)
        assert not outside & set(view)


def test_rows_come_in_time_order_events_without_a_time_last(trail: Trail) -> None:
    text = view_sql(Filters(), trail.session.mapping, trail.session.newest, "athena")
    names, rows = harness.run(trail.con, text)
    order = [str(request).removeprefix("req-") for _, request in harness.keys(names, rows)]
    assert order[0] == "alice"
    assert set(order[-2:]) == NO_TIME
    assert order.index("midnight") < order.index("next-day")


def test_the_copy_really_is_in_the_table(tmp_path: Path) -> None:
    # Without deduplication the SQL would return alice twice: the table holds both copies.
    con = harness.connect()
    harness.athena_table(con, hostile.every_row(), tmp_path)
    count = con.execute(
        "SELECT count(*) FROM cloudtrail_logs WHERE requestid = 'req-alice'"
    ).fetchone()
    assert count == (2,)
