"""The equality proof: ctir's SQL, run by DuckDB on the same events in the Athena table's
shape (and again in a CloudTrail Lake event data store's), returns exactly the events of
ctir's own view, for every kind of filter and its negation, on hand-made hostile records.
Where a case states its names, both sides must also equal that literal, so a mistake shared
by the view and the SQL is caught.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ctir_tui.engine.export.sql import athena_columns, view_sql
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import parse_filter
from ctir_tui.engine.query.time_clauses import SinceClause, UntilClause
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.data import load_mapping
from tests.sql import harness, hostile
from tests.sql.cases import ALL, CASES, NO_TIME, SINGLE, Specs


@dataclass(frozen=True)
class Trail:
    session: Session
    con: duckdb.DuckDBPyConnection
    dialect: str

    def filters(self, *specs: str | Clause) -> Filters:
        known = self.session.mapping.tactic_words()
        return Filters(tuple(parse_filter(s, known) if isinstance(s, str) else s for s in specs))

    def view(self, filters: Filters, *, extended: bool = False) -> Counter[str]:
        frame = self.session.view(filters, extended=extended)
        return Counter(str(r).removeprefix("req-") for r in frame.get_column("request_id"))

    def sql(self, filters: Filters, *, extended: bool = False) -> Counter[str]:
        table = harness.LAKE_STORE if self.dialect == "lake" else None
        mapping, newest = self.session.mapping, self.session.newest
        text = view_sql(filters, mapping, newest, self.dialect, table, extended=extended)
        names, rows = harness.run(self.con, text, dialect=self.dialect)
        if self.dialect == "athena":
            assert tuple(names) == athena_columns(), "the result has the table's columns"
        else:
            assert names == [*harness.LAKE_COLUMNS, "ctir_copy"], "the store's columns"
        return Counter(
            str(request).removeprefix("req-") for _, request in harness.keys(names, rows)
        )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, duckdb.DuckDBPyConnection]:
    root = hostile.write_trail(tmp_path_factory.mktemp("hostile"))
    mapping = load_mapping(config_path=root / "no-overrides.toml")
    session = Session.open([root], LoadOptions(use_cache=False), mapping=mapping)
    con = harness.connect()
    harness.athena_table(con, hostile.every_row(), root)
    harness.lake_table(con, hostile.every_row(), root)
    return session, con


@pytest.fixture(params=["athena", "lake"])
def trail(
    request: pytest.FixtureRequest, loaded: tuple[Session, duckdb.DuckDBPyConnection]
) -> Trail:
    return Trail(*loaded, request.param)


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
    table = harness.LAKE_STORE if trail.dialect == "lake" else None
    text = view_sql(Filters(), trail.session.mapping, trail.session.newest, trail.dialect, table)
    names, rows = harness.run(trail.con, text, dialect=trail.dialect)
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
