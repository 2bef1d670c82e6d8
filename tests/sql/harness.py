"""Run ctir's SQL offline: DuckDB tables in the shapes of Athena's table and of a CloudTrail
Lake event data store, and Trino's IP types.

The table is built from the DDL ``ctir sql --ddl athena`` prints (its columns and types,
parsed by sqlglot), and filled the way Athena's JSON SerDe reads a delivery file: JSON keys
matched to columns case-insensitively, objects into STRING columns as JSON text, booleans
and numbers into STRING columns as their text, one ``timestamp`` partition per delivery day.

The Lake store follows AWS's documented event data store schema (the columns ctir's SQL may
read, written out below): the record's objects as ``map(varchar, varchar)`` whose values are
JSON text where they are not text, ``eventtime`` a UTC timestamp, ``readonly`` a boolean.

The generated SQL is transpiled from Athena (or Trino) to DuckDB by sqlglot. DuckDB has no IPADDRESS
or IPPREFIX type offline (its inet extension would be downloaded), so those three
constructs are rewritten into functions that follow Trino's documented semantics, written
here with Python's ipaddress and nothing of ctir's: ``TRY_CAST(x AS IPADDRESS)`` is null
for what is no address and holds IPv4 as IPv4-mapped IPv6, ``CAST(x AS IPPREFIX)`` masks
the host bits, ``contains(prefix, address)`` compares the leading bits.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import sqlglot
from duckdb import func
from sqlglot import exp

from ctir_tui.engine.export.sql import athena_ddl

T = exp.DataType.Type
TABLE = "cloudtrail_logs"
#: The event data store's ID in the Lake tests (one sqlglot can read back: no hyphen).
LAKE_STORE = "lakestore"
_TEXT = "VARCHAR"
_MAP = "MAP(VARCHAR, VARCHAR)"
#: AWS's "Supported schema for CloudTrail event record fields", the columns ctir reads.
LAKE_COLUMNS: dict[str, str] = {
    "eventversion": _TEXT,
    "useridentity": (
        "STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, "
        "accesskeyid VARCHAR, username VARCHAR, sessioncontext STRUCT(attributes "
        "STRUCT(mfaauthenticated VARCHAR), sessionissuer STRUCT(type VARCHAR, principalid "
        "VARCHAR, arn VARCHAR, accountid VARCHAR, username VARCHAR), sourceidentity VARCHAR), "
        "onbehalfof STRUCT(userid VARCHAR, identitystorearn VARCHAR), invokedby VARCHAR)"
    ),
    "eventtime": "TIMESTAMP",
    "eventsource": _TEXT,
    "eventname": _TEXT,
    "awsregion": _TEXT,
    "sourceipaddress": _TEXT,
    "useragent": _TEXT,
    "errorcode": _TEXT,
    "errormessage": _TEXT,
    "requestparameters": _MAP,
    "responseelements": _MAP,
    "additionaleventdata": _MAP,
    "requestid": _TEXT,
    "eventid": _TEXT,
    "readonly": "BOOLEAN",
    "eventtype": _TEXT,
    "recipientaccountid": _TEXT,
    "eventcategory": _TEXT,
}

# --- the table ------------------------------------------------------------------------------


def ddl_columns() -> list[exp.ColumnDef]:
    """The columns of the DDL ctir prints, partition last, as sqlglot reads them."""
    create = sqlglot.parse_one(
        athena_ddl("s3://evidence-bucket/AWSLogs/1/CloudTrail/"), read="athena"
    )
    partition = create.find(exp.PartitionedByProperty)
    assert partition is not None
    return [*create.this.expressions, *partition.this.expressions]


def _key(value: dict[str, Any], name: str) -> Any:
    for key, item in value.items():
        if key.lower() == name:
            return item
    return None


def serde(value: Any, kind: exp.DataType) -> Any:
    """``value`` (parsed JSON) read into a column of type ``kind``, as the JSON SerDe does."""
    if value is None:
        return None
    if kind.this == T.STRUCT:
        if not isinstance(value, dict):
            return None
        return {f.name: serde(_key(value, f.name), f.args["kind"]) for f in kind.expressions}
    if kind.this == T.ARRAY:
        if not isinstance(value, list):
            return None
        return [serde(item, kind.expressions[0]) for item in value]
    if kind.this == T.MAP:
        if not isinstance(value, dict):
            return None
        return {str(k): serde(v, kind.expressions[1]) for k, v in value.items()}
    if kind.this in (T.TIMESTAMP, T.TIMESTAMPNTZ):
        return _utc(value)
    if kind.this == T.BOOLEAN:
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return orjson.dumps(value).decode()


def _utc(value: Any) -> str | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


def _fill(
    con: duckdb.DuckDBPyConnection,
    name: str,
    types: dict[str, str],
    rows: list[dict[str, Any]],
    folder: Path,
) -> None:
    data = folder / f"{name}-rows.jsonl"
    data.write_bytes(b"\n".join(orjson.dumps(row) for row in rows) + b"\n")
    con.execute(
        f"CREATE TABLE {name} AS SELECT * FROM read_json(?, columns = ?, "
        "format = 'newline_delimited')",
        [str(data), types],
    )


def lake_table(
    con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, dict[str, Any]]], folder: Path
) -> None:
    """Create the event data store ``lakestore`` holding the records (days do not matter)."""
    kinds = {name: exp.DataType.build(t, dialect="duckdb") for name, t in LAKE_COLUMNS.items()}
    projected = [
        {name: serde(_key(record, name), kind) for name, kind in kinds.items()}
        for _, record in rows
    ]
    _fill(con, LAKE_STORE, LAKE_COLUMNS, projected, folder)


def athena_table(
    con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, dict[str, Any]]], folder: Path
) -> None:
    """Create ``cloudtrail_logs`` holding ``(delivery day yyyy/MM/dd, record)`` rows."""
    columns = ddl_columns()
    projected = []
    for day, record in rows:
        row = {col.name: serde(_key(record, col.name), col.args["kind"]) for col in columns}
        row["timestamp"] = day
        projected.append(row)
    types = {col.name: col.args["kind"].sql(dialect="duckdb") for col in columns}
    _fill(con, TABLE, types, projected, folder)


# --- Trino's IP types ----------------------------------------------------------------------


def _bits(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    if isinstance(address, ipaddress.IPv4Address):
        return int(ipaddress.IPv6Address("::ffff:" + str(address)))
    return int(address)


def trino_ipaddress(text: str | None) -> str | None:
    """TRY_CAST(text AS IPADDRESS): 128 bits as hex, IPv4 mapped; None when no address."""
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        return None
    return f"{_bits(address):032x}"


def trino_ipprefix(text: str) -> str:
    """CAST(text AS IPPREFIX): network bits as hex and the prefix length over 128 bits."""
    network = ipaddress.ip_network(text, strict=False)
    length = network.prefixlen + (96 if network.version == 4 else 0)
    return f"{_bits(network.network_address):032x}/{length}"


def trino_contains(prefix: str, address: str) -> bool:
    """contains(IPPREFIX, IPADDRESS)."""
    base, length = prefix.split("/")
    shift = 128 - int(length)
    return int(base, 16) >> shift == int(address, 16) >> shift


def _register(con: duckdb.DuckDBPyConnection) -> None:
    con.create_function(
        "trino_ipaddress", trino_ipaddress, ["VARCHAR"], "VARCHAR", null_handling=func.SPECIAL
    )
    con.create_function("trino_ipprefix", trino_ipprefix, ["VARCHAR"], "VARCHAR")
    con.create_function("trino_contains", trino_contains, ["VARCHAR", "VARCHAR"], "BOOLEAN")


def _ip_types(tree: exp.Expr) -> exp.Expr:
    def casts(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Cast) and isinstance(node.to, exp.DataType):
            if node.to.this == T.IPADDRESS:
                return exp.Anonymous(this="trino_ipaddress", expressions=[node.this])
            if node.to.this == T.IPPREFIX:
                return exp.Anonymous(this="trino_ipprefix", expressions=[node.this])
        return node

    def contains(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.ArrayContains):
            return exp.Anonymous(this="trino_contains", expressions=[node.this, node.expression])
        return node

    def any_match(node: exp.Expr) -> exp.Expr:
        # Trino's any_match(array, x -> test): DuckDB has it as a list's bool_or of the tests.
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "ANY_MATCH":
            values, test = node.expressions
            each = exp.Anonymous(this="list_transform", expressions=[values, test])
            return exp.Anonymous(this="list_bool_or", expressions=[each])
        return node

    return tree.transform(casts).transform(contains).transform(any_match)


def to_duckdb(sql: str, dialect: str = "athena") -> str:
    """ctir's statement as DuckDB runs it (IP types as above; comments dropped)."""
    tree = sqlglot.parse_one(sql, read="athena" if dialect == "athena" else "trino")
    return _ip_types(tree).sql(dialect="duckdb", comments=False)


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection in UTC with Trino's IP functions."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    _register(con)
    return con


def run(
    con: duckdb.DuckDBPyConnection, sql: str, *, dialect: str = "athena"
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run ctir's statement for ``dialect``; return the result's column names and rows."""
    cursor = con.execute(to_duckdb(sql, dialect))
    names = [d[0] for d in cursor.description]
    return names, cursor.fetchall()


def keys(names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, Any]]:
    """(eventid, requestid) of each row, in the order returned."""
    at_id, at_request = names.index("eventid"), names.index("requestid")
    return [(row[at_id] or None, row[at_request]) for row in rows]
