"""What has no SQL form is refused by name, never dropped from the query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import polars as pl
import pytest

from ctir_tui.engine.export.sql import NotExpressible, view_sql
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.context import Context
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make
from ctir_tui.engine.query.values import FilterError
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.model import Mapping

NEWEST = datetime(2025, 3, 12, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def mapping(tmp_path_factory: pytest.TempPathFactory) -> Mapping:
    return load_mapping(config_path=tmp_path_factory.mktemp("cfg") / "none.toml")


@pytest.mark.parametrize("column", ["source_file", "file_id", "rec_index"])
@pytest.mark.parametrize("dialect", ["athena", "lake"])
def test_ctirs_own_columns_are_not_expressible(mapping: Mapping, column: str, dialect: str) -> None:
    filters = Filters((make("principal", "alice"), field_clause(column, "7")))
    with pytest.raises(NotExpressible) as caught:
        view_sql(filters, mapping, NEWEST, dialect)
    assert str(caught.value).startswith(f"not expressible in SQL: {column}=7 (ctir's own column")


def test_athenas_table_has_no_source_identity_but_lake_has(mapping: Mapping) -> None:
    filters = Filters((field_clause("source_identity", "alice"),))
    with pytest.raises(NotExpressible, match=r"source_identity=alice.*no sessionContext"):
        view_sql(filters, mapping, NEWEST, "athena")
    lake = view_sql(filters, mapping, NEWEST, "lake", "store1")
    assert "NULLIF(userIdentity.sessionContext.sourceIdentity, '') = 'alice'" in lake


def test_every_inexpressible_filter_is_named_at_once(mapping: Mapping) -> None:
    filters = Filters(
        (field_clause("source_file", "a.json"), make("errors"), field_clause("file_id", "1"))
    )
    with pytest.raises(NotExpressible) as caught:
        view_sql(filters, mapping, NEWEST, "athena")
    message = str(caught.value)
    assert "source_file=a.json" in message
    assert "file_id=1" in message
    assert "errors" not in message


@dataclass(frozen=True, kw_only=True)
class _Future(Clause):
    """A clause kind added after the SQL forms were written."""

    word: ClassVar[str] = "future"

    def test(self, ctx: Context) -> pl.Expr:
        return pl.lit(True)

    def body(self) -> str:
        return "future"


def test_a_clause_kind_without_a_form_is_refused_not_dropped(mapping: Mapping) -> None:
    with pytest.raises(NotExpressible, match=r"^not expressible in SQL: not future"):
        view_sql(Filters((_Future(negate=True),)), mapping, NEWEST, "athena")


def test_not_expressible_is_a_filter_error() -> None:
    # The explorer shows FilterError messages already; this one reads the same way.
    assert issubclass(NotExpressible, FilterError)


@pytest.mark.parametrize(
    ("dialect", "table", "message"),
    [
        ("athena", "logs; DROP TABLE x", "bad Athena table"),
        ("athena", "a.b.c", "bad Athena table"),
        ("lake", "store'1", "bad event data store"),
        ("lake", "", "bad event data store"),
        ("postgres", None, "unknown SQL dialect"),
    ],
)
def test_bad_targets_are_refused(
    mapping: Mapping, dialect: str, table: str | None, message: str
) -> None:
    with pytest.raises(FilterError, match=message):
        view_sql(Filters(), mapping, NEWEST, dialect, table)


def test_lake_takes_the_store_arn_or_its_id(mapping: Mapping) -> None:
    arn = "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f"
    text = view_sql(Filters(), mapping, NEWEST, "lake", arn)
    assert "FROM EXAMPLE-f852-4e8f\n" in text
    assert "FROM EVENT_DATA_STORE_ID\n" in view_sql(Filters(), mapping, NEWEST, "lake")


def test_durations_without_events_count_back_from_now_and_say_so(mapping: Mapping) -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    text = view_sql(Filters((make("since", "6h"),)), mapping, None, "athena", now=now)
    assert "-- since 6h = 2026-06-01T06:00Z, 6h before now (2026-06-01T12:00Z)" in text
    assert "FROM_ISO8601_TIMESTAMP('2026-06-01T06:00:00Z')" in text
    assert "\"timestamp\" >= '2026/06/01'" in text
    loaded = view_sql(Filters((make("since", "6h"),)), mapping, NEWEST, "athena", now=now)
    assert "6h before the newest event loaded (2025-03-12T10:00Z)" in loaded
