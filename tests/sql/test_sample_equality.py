"""The equality proof on the sample trail: Athena's view of ``sample_logs/AWSLogs`` (every
delivered record, the three re-delivered ones too, under their delivery days) is ctir's.
"""

from __future__ import annotations

import gzip
from collections import Counter
from typing import Any

import duckdb
import orjson
import pytest

from ctir_tui.engine.export.sql import view_sql
from ctir_tui.engine.pipeline.load import LoadOptions
from ctir_tui.engine.query.clauses import Clause
from ctir_tui.engine.query.field_clauses import field_clause, session_clause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import parse_filter
from ctir_tui.engine.query.time_clauses import window
from ctir_tui.engine.session import Session
from ctir_tui.engine.tactics.data import load_mapping
from tests.conftest import SAMPLE_LOGS
from tests.facts import incident
from tests.sql import harness

TRAIL = SAMPLE_LOGS / "AWSLogs"


def delivered() -> list[tuple[str, dict[str, Any]]]:
    """Every record of the trail with its delivery day, as Athena's table holds them."""
    rows = []
    for path in sorted(TRAIL.rglob("*.json.gz")):
        parts = path.relative_to(TRAIL).parts  # ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/file
        day = "/".join(parts[3:6])
        rows += [(day, r) for r in orjson.loads(gzip.decompress(path.read_bytes()))["Records"]]
    return rows


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, duckdb.DuckDBPyConnection]:
    folder = tmp_path_factory.mktemp("sample")
    mapping = load_mapping(config_path=folder / "no-overrides.toml")
    session = Session.open([TRAIL], LoadOptions(use_cache=False), mapping=mapping)
    con = harness.connect()
    harness.athena_table(con, delivered(), folder)
    return session, con


def _filters(session: Session, specs: tuple[str | Clause, ...]) -> Filters:
    known = session.mapping.tactic_words()
    return Filters(tuple(parse_filter(s, known) if isinstance(s, str) else s for s in specs))


def _compare(
    sample: tuple[Session, duckdb.DuckDBPyConnection], filters: Filters, *, extended: bool
) -> int:
    session, con = sample
    view = Counter(session.view(filters, extended=extended).get_column("event_id").to_list())
    text = view_sql(filters, session.mapping, session.newest, "athena", extended=extended)
    got = Counter(event_id for event_id, _ in harness.keys(*harness.run(con, text)))
    assert got == view
    return sum(view.values())


ATTACK = incident()
CASES: list[tuple[str | Clause, ...]] = [
    *[(f"ip {ip}",) for ip in ATTACK["attacker_ips"]],
    ("ip 185.220.101.0/24",),
    ("ip 2a0b:f4c2::/32",),
    ("ip aws internal",),
    ("ip 198.51.100.0/24,2a0b:f4c2::/32",),
    (f"principal {ATTACK['leaked_user']}",),
    (f"principal {ATTACK['new_user']}",),
    (f"principal {ATTACK['session_name']}",),
    ("text accessdenied",),
    ("event List*,Describe*",),
    ("event Get*",),
    ("errors",),
    ("readonly",),
    ("since 6h",),
    ("until 2025-03-11",),
    (f"since {ATTACK['start']}", f"until {ATTACK['end']}"),
    window(ATTACK["start"]),
    (session_clause(ATTACK["asia_key"]),),
    (field_clause("access_key_id", ATTACK["leaked_key"]),),
    (field_clause("region", ATTACK["compute_region"]),),
    (field_clause("console_login", "Failure"),),
    (field_clause("mfa", "false"),),
    (f"principal {ATTACK['leaked_user']}", "errors"),
    ("not tactic discovery", "since 1d"),
]


@pytest.mark.parametrize("specs", CASES, ids=[" & ".join(map(str, c)) for c in CASES])
def test_sample_sql_keeps_what_the_view_keeps(
    sample: tuple[Session, duckdb.DuckDBPyConnection], specs: tuple[str | Clause, ...]
) -> None:
    filters = _filters(sample[0], specs)
    kept = _compare(sample, filters, extended=False)
    assert kept > 0, "a case that keeps nothing proves little"
    if len(filters.clauses) == 1:
        _compare(sample, Filters((filters.clauses[0].negated(),)), extended=False)


def test_sample_sql_keeps_every_tactic_of_both_mappings(
    sample: tuple[Session, duckdb.DuckDBPyConnection],
) -> None:
    session = sample[0]
    for extended in (False, True):
        for name in session.mapping.tactic_names(extended=extended):
            for negate in ("", "not "):
                filters = _filters(session, (f"{negate}tactic {name}",))
                _compare(sample, filters, extended=extended)


def test_the_trail_holds_the_re_deliveries() -> None:
    ids = Counter(r.get("eventID") for _, r in delivered())
    assert sum(n - 1 for n in ids.values() if n > 1) == 3  # sample_logs/README.md
