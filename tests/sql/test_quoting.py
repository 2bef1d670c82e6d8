"""Values from users and logs never change a query: hostile text stays one quoted literal.

For each hostile value the statement must have exactly the structure it has for a plain
value (literals aside), hold the value verbatim, and its comments must end where ctir
ended them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlglot
from sqlglot import exp

from ctir_tui.engine.export.sql import view_sql
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.field_clauses import field_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import make
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.model import Mapping

HOSTILE = [
    "x' OR '1'='1",
    "a\\'; DROP TABLE cloudtrail_logs; --",
    "*/ SELECT 1 /*",
    "line\n-- comment\nSELECT 1",
    "cr\r\nDELETE",
    "100%_",
    "\\",
    "'",
    '"quoted"',
    "ünï日本",
    "sep\u2028arator",
    "$.key') OR ('1",
]
NEWEST = datetime(2025, 3, 12, 10, tzinfo=UTC)
WRITES = {"athena": "athena", "lake": "trino"}


@pytest.fixture(scope="module")
def mapping(tmp_path_factory: pytest.TempPathFactory) -> Mapping:
    return load_mapping(config_path=tmp_path_factory.mktemp("cfg") / "none.toml")


def _clauses(value: str) -> list[Clause]:
    return [
        make("principal", value),
        make("text", value, negate=True),
        make("ip", value.replace(",", "").replace("/", "") or "x"),
        make("event", value.replace(",", "").replace("|", "") or "x"),
        field_clause("user_agent", value),
        field_clause("event_name", value, negate=True),
    ]


def _statement(text: str) -> str:
    """The statement without its leading comments (every one on its own ``--`` line)."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if not line.startswith("-- "))
    assert lines[start] == "SELECT"
    return "\n".join(lines[start:])


def _skeleton(sql: str, read: str) -> tuple[str, list[str]]:
    """The statement with every string literal replaced, and the literals themselves."""
    (tree,) = sqlglot.parse(sql, read=read)  # exactly one statement
    assert tree is not None
    literals = [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string]

    def blank(node: exp.Expr) -> exp.Expr:
        return exp.Literal.string("?") if isinstance(node, exp.Literal) and node.is_string else node

    return tree.transform(blank).sql(dialect=read), literals


@pytest.mark.parametrize("dialect", ["athena", "lake"])
@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_is_one_literal(mapping: Mapping, dialect: str, value: str) -> None:
    table = "store1" if dialect == "lake" else None
    for hostile, plain in zip(_clauses(value), _clauses("plain"), strict=True):
        got = view_sql(Filters((hostile,)), mapping, NEWEST, dialect, table)
        want = view_sql(Filters((plain,)), mapping, NEWEST, dialect, table)
        shape, literals = _skeleton(_statement(got), WRITES[dialect])
        assert shape == _skeleton(_statement(want), WRITES[dialect])[0]
        if not hostile.label().startswith(("ip", "not ip", "event", "not event")):
            assert value in literals


@pytest.mark.parametrize("value", HOSTILE)
def test_comments_show_a_hostile_label_inert(mapping: Mapping, value: str) -> None:
    text = view_sql(Filters((make("principal", value),)), mapping, NEWEST, "athena")
    comments = text.split("\nSELECT\n")[0].split("\n")
    assert all(line.startswith("-- ") for line in comments)
    assert "filters: principal~" in comments[1]


def test_a_plain_statement_reads_as_documented(mapping: Mapping) -> None:
    # What a responder pastes: the partition and time predicates, dedup, Trino functions.
    filters = Filters((make("since", "2025-03-11"), make("until", "2025-03-11T18:00Z")))
    text = view_sql(filters, mapping, NEWEST, "athena")
    assert "\"timestamp\" BETWEEN '2025/03/11' AND '2025/03/12'" in text
    assert "TRY(FROM_ISO8601_TIMESTAMP(eventtime)) >= FROM_ISO8601_TIMESTAMP(" in text
    assert "ROW_NUMBER() OVER (PARTITION BY NULLIF(eventid, '')" in text
    assert text.rstrip().endswith("ORDER BY\n  TRY(FROM_ISO8601_TIMESTAMP(eventtime))")
