"""What ``ctir summary`` reports: totals, time range, tops, tactics and the load report."""

from __future__ import annotations

from typing import Any

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.report import LoadReport
from ctir_tui.engine.query.clauses import FAILED_OUTCOMES
from ctir_tui.engine.times import iso_z

TOP_N = 10


def top_values(frame: pl.DataFrame, column: str, n: int = TOP_N) -> list[list[Any]]:
    """The ``n`` most frequent non-null values of ``column`` as ``[value, count]`` pairs.

    Ties are broken by value so the output is stable.
    """
    counts = (
        frame.lazy()
        .select(pl.col(column).drop_nulls())
        .group_by(column)
        .len()
        .sort(["len", column], descending=[True, False])
        .head(n)
        .collect()
    )
    return [[value, count] for value, count in counts.iter_rows()]


def flag_counts(frame: pl.DataFrame) -> dict[str, int]:
    """How many events of ``frame`` carry each suspicion flag, most frequent first."""
    flags = frame.get_column(c.FLAGS).drop_nulls().cast(pl.String)
    if flags.is_empty():
        return {}
    counts = flags.str.split(",").explode().value_counts(sort=True, name="n")
    return {
        str(flag): int(n)
        for flag, n in counts.sort(["n", c.FLAGS], descending=[True, False]).iter_rows()
    }


def summarize(frame: pl.DataFrame, report: LoadReport, tactics: dict[str, int]) -> dict[str, Any]:
    """Build the summary object of a (possibly filtered) frame.

    Args:
        frame: The events to summarise.
        report: The load report of the whole load.
        tactics: Event counts per seed tactic, in the table's order.

    Returns:
        A JSON-ready dict; see the README for the keys.
    """
    times = frame.select(
        pl.col(c.TIME).min().alias("first"), pl.col(c.TIME).max().alias("last")
    ).row(0)
    report_json = report.to_json()
    return {
        "events": frame.height,
        "loaded": report.loaded,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "records_seen": report.records_seen,
        "no_time": frame.get_column(c.TIME).null_count(),
        "files": report_json["files"],
        "failed": report_json["failed"],
        "skipped": report_json["skipped"],
        "salvaged": report_json["salvaged"],
        "rejected_records": report_json["rejected_records"],
        "conflicts": report.conflicts,
        "flagged": frame.get_column(c.FLAGS).is_not_null().sum(),
        "flags": flag_counts(frame),
        "time_range": {"first": iso_z(times[0]), "last": iso_z(times[1])},
        "accounts": top_values(frame, c.RECIPIENT_ACCOUNT_ID, 50),
        "regions": top_values(frame, c.REGION, 50),
        # Failed calls as ``--errors`` counts them: failed console logins too (no error code).
        "errors": frame.get_column(c.OUTCOME).is_in(FAILED_OUTCOMES).sum(),
        "read_only": frame.get_column(c.READ_ONLY).sum(),
        "tactics": tactics,
        "top": {
            "principals": top_values(frame, c.PRINCIPAL),
            "source_ips": top_values(frame, c.SOURCE_IP),
            "event_names": top_values(frame, c.EVENT_NAME),
            "error_codes": top_values(frame, c.ERROR_CODE),
            "user_agents": top_values(frame, c.USER_AGENT, 5),
        },
    }
