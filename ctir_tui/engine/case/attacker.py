"""The attacker, from the selected events: identities, source IPs, access keys, sessions.

Each is a table of values with how many selected events carry them and when they were
first and last seen. Sessions are the temporary (``ASIA``) keys the events used or that a
selected ``AssumeRole`` issued, with the call that issued each, looked up in the whole load.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.case.document import Block, Heading, Para, Table
from ctir_tui.engine.times import iso_z

#: Rows shown per table at most.
MAX_ROWS: Final = 100
_SPAN = (
    pl.len().alias("n"),
    pl.col(c.TIME).min().alias("first"),
    pl.col(c.TIME).max().alias("last"),
)


def attacker_blocks(selection: pl.DataFrame, loaded: pl.DataFrame) -> list[Block]:
    """The attacker section for the selected events (``loaded``: every event, for sessions)."""
    return [
        Heading("The attacker, from these events"),
        *_identities(selection),
        *_addresses(selection),
        *_keys(selection),
        *_sessions(selection, loaded),
    ]


def _s(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _joined(column: str, alias: str) -> pl.Expr:
    return _s(column).drop_nulls().unique().sort().str.join(", ").alias(alias)


def _some(column: str, alias: str, shown: int = 3) -> pl.Expr:
    """Up to ``shown`` distinct values, and how many more there are."""
    values = _s(column).drop_nulls().unique().sort()
    more = values.len().cast(pl.Int64) - shown
    listed = values.head(shown).str.join("; ")
    return (
        pl.when(more > 0)
        .then(pl.format("{} (and {} more)", listed, more))
        .otherwise(listed)
        .alias(alias)
    )


def _table(title: str, header: tuple[str, ...], frame: pl.DataFrame) -> list[Block]:
    blocks: list[Block] = [Heading(title, 3)]
    if not frame.height:
        return [*blocks, Para("None.")]
    rows = []
    for row in frame.head(MAX_ROWS).iter_rows():
        rows.append(
            tuple(
                iso_z(v) or "-" if k in ("first", "last") else _cell(v)
                for k, v in zip(frame.columns, row, strict=True)
            )
        )
    blocks.append(Table(header, tuple(rows)))
    if frame.height > MAX_ROWS:
        blocks.append(Para(f"… and {frame.height - MAX_ROWS:,} more."))
    return blocks


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _identities(frame: pl.DataFrame) -> list[Block]:
    found = (
        frame.filter(pl.col(c.PRINCIPAL).is_not_null())
        .group_by(_s(c.PRINCIPAL).alias("principal"))
        .agg(_joined(c.IDENTITY_TYPE, "type"), _joined(c.ACCOUNT_ID, "account"), *_SPAN)
        .sort("first", "principal", nulls_last=True)
    )
    header = ("principal", "type", "account", "events", "first", "last")
    return _table("Identities", header, found)


def _addresses(frame: pl.DataFrame) -> list[Block]:
    found = (
        frame.filter(pl.col(c.SOURCE_IP).is_not_null())
        .group_by(_s(c.SOURCE_IP).alias("ip"))
        .agg(*_SPAN, _some(c.USER_AGENT, "agents"))
        .sort("first", "ip", nulls_last=True)
    )
    header = ("source IP", "events", "first", "last", "user agents")
    return _table("Source IPs", header, found)


def _keys(frame: pl.DataFrame) -> list[Block]:
    kind = (
        pl.when(pl.col("key").str.starts_with("AKIA"))
        .then(pl.lit("long-term (AKIA)"))
        .when(pl.col("key").str.starts_with("ASIA"))
        .then(pl.lit("temporary (ASIA)"))
        .otherwise(pl.lit("other"))
    )
    found = (
        frame.filter(pl.col(c.ACCESS_KEY_ID).is_not_null())
        .group_by(_s(c.ACCESS_KEY_ID).alias("key"))
        .agg(_joined(c.PRINCIPAL, "principals"), *_SPAN)
        .with_columns(kind.alias("kind"))
        .select("key", "kind", "principals", "n", "first", "last")
        .sort("first", "key", nulls_last=True)
    )
    header = ("access key", "kind", "principals", "events", "first", "last")
    return _table("Access keys", header, found)


def _sessions(selection: pl.DataFrame, loaded: pl.DataFrame) -> list[Block]:
    used = selection.filter(_s(c.ACCESS_KEY_ID).str.starts_with("ASIA")).get_column(c.ACCESS_KEY_ID)
    issued = selection.get_column(c.ISSUED_ACCESS_KEY_ID).drop_nulls()
    keys = sorted({str(k) for k in [*used.to_list(), *issued.to_list()]})
    if not keys:
        return [Heading("Sessions", 3), Para("None.")]
    wanted = pl.lit(pl.Series(keys, dtype=pl.String)).implode()
    sessions = (
        selection.filter(_s(c.ACCESS_KEY_ID).is_in(wanted))
        .group_by(_s(c.ACCESS_KEY_ID).alias("key"))
        .agg(
            _joined(c.PRINCIPAL, "session"),
            _joined(c.SESSION_ISSUER_ARN, "issuer"),
            _joined(c.SOURCE_IDENTITY, "source_identity"),
            pl.len().alias("n"),
        )
    )
    issuers = (
        loaded.filter(pl.col(c.ISSUED_ACCESS_KEY_ID).is_in(wanted))
        .sort(c.TIME)
        .group_by(pl.col(c.ISSUED_ACCESS_KEY_ID).alias("key"))
        .agg(
            pl.col(c.TIME).first().alias("issued"),
            _s(c.PRINCIPAL).first().alias("issued_by"),
            _s(c.EVENT_NAME).first().alias("issued_with"),
        )
    )
    table = (
        pl.DataFrame({"key": keys})
        .join(sessions, on="key", how="left")
        .join(issuers, on="key", how="left")
        .with_columns(pl.col("n").fill_null(0))
    )
    rows = []
    for row in table.head(MAX_ROWS).iter_rows(named=True):
        issued_text = (
            f"{iso_z(row['issued'])} by {row['issued_by'] or '?'} ({row['issued_with']})"
            if row["issued"] is not None or row["issued_by"] is not None
            else "not in the evidence"
        )
        rows.append(
            (
                row["key"],
                _cell(row["session"]),
                _cell(row["issuer"]),
                _cell(row["source_identity"]),
                issued_text,
                _cell(row["n"]),
            )
        )
    header = ("session key", "principal", "issuer", "source identity", "issued", "events")
    return [Heading("Sessions", 3), Table(header, tuple(rows))]
