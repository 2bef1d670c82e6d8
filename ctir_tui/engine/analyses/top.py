"""Top-N: the most frequent values of one column of a view, with first and last seen.

Any canonical column can be ranked; the usual ones have short names (``ip``, ``event``,
``agent``, ``error``, ``account``...). A list column (``resources``, ``tactics``) counts each
of its items. Events without a value are counted apart (``missing``), never ranked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.doors import equals
from ctir_tui.engine.analyses.rows import Row, python_value
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.values import FilterError, shown

#: Short names for the columns responders rank most.
COLUMN_NAMES: Final[dict[str, str]] = {
    "principal": c.PRINCIPAL,
    "ip": c.SOURCE_IP,
    "source-ip": c.SOURCE_IP,
    "event": c.EVENT_NAME,
    "source": c.EVENT_SOURCE,
    "service": c.EVENT_SOURCE,
    "region": c.REGION,
    "agent": c.USER_AGENT,
    "user-agent": c.USER_AGENT,
    "error": c.ERROR_CODE,
    "account": c.RECIPIENT_ACCOUNT_ID,
    "target": c.TARGET,
    "key": c.ACCESS_KEY_ID,
    "outcome": c.OUTCOME,
    "type": c.IDENTITY_TYPE,
}
#: Columns that cannot be ranked (every value is unique or it is no value).
UNRANKED: Final = frozenset({c.TIME, c.FILE_ID, c.REC_INDEX, c.CONTENT_HASH})
DEFAULT_N: Final = 10


def resolve_column(name: str, available: list[str]) -> str:
    """The canonical column a user's name means (``ip`` -> ``source_ip``).

    Raises:
        FilterError: The name is no column of the events, or one that cannot be ranked.
    """
    wanted = name.strip().lower().replace("_", "-")
    column = COLUMN_NAMES.get(wanted, name.strip().lower().replace("-", "_"))
    if column not in available or column in UNRANKED:
        names = ", ".join(sorted(COLUMN_NAMES))
        raise FilterError(
            f"cannot rank by '{shown(name)}': use a column of the events "
            f"(such as {names}, or any column of the frame but time)"
        )
    return column


@dataclass(frozen=True, slots=True)
class TopResult:
    """The most frequent values of one column.

    Attributes:
        column: The canonical column ranked.
        total: Events in the view.
        distinct: Distinct values (nulls not counted).
        missing: Events without a value.
        rows: The top values, most frequent first (``fields["value"]``, ``fields["share"]``).
    """

    column: str
    total: int
    distinct: int
    missing: int
    rows: tuple[Row, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"column", "total", "distinct", "missing", "rows": [...]}``."""
        return {
            "column": self.column,
            "total": self.total,
            "distinct": self.distinct,
            "missing": self.missing,
            "rows": [r.to_json() for r in self.rows],
        }


def top(view: pl.DataFrame, column: str, n: int = DEFAULT_N) -> TopResult:
    """The ``n`` most frequent values of ``column`` in ``view``.

    Args:
        view: Any filtered view of the frame.
        column: A canonical column (see :func:`resolve_column` for users' names).
        n: Most rows returned (at least 1).

    Returns:
        Rows with the value, its count and share of the view, first and last seen, and the
        door ``column == value``; ties are broken by the value's text.
    """
    n = max(1, n)
    total = view.height
    values = pl.col(column)
    lazy = view.lazy().select(column, c.TIME)
    if isinstance(view.schema[column], pl.List):
        lazy = lazy.explode(column)
    counted = (
        lazy.group_by(values.alias("value"))
        .agg(
            pl.len().alias("n"), pl.col(c.TIME).min().alias("t0"), pl.col(c.TIME).max().alias("t1")
        )
        .collect()
    )
    missing_rows = counted.filter(pl.col("value").is_null())
    missing = int(missing_rows.get_column("n").sum()) if missing_rows.height else 0
    ranked = (
        counted.filter(pl.col("value").is_not_null())
        .with_columns(pl.col("value").cast(pl.String).alias("text"))
        .sort(["n", "text"], descending=[True, False])
    )
    rows = tuple(
        Row(
            {"value": python_value(value), "share": round(count / total, 4) if total else 0.0},
            int(count),
            first,
            last,
            Filters((equals(column, value),)),
        )
        for value, count, first, last, _ in ranked.head(n).iter_rows()
    )
    return TopResult(column, total, ranked.height, missing, rows)
