"""The Athena table over a trail's S3 prefix: AWS's "CloudTrail table with partition projection".

The statement is a template of ours (``athena_table.sql``, beside this module) in the shape
AWS documents: lower-case columns, ``useridentity`` a STRUCT, ``eventtime`` and the JSON
objects as STRING, and one ``timestamp`` partition per delivery day, projected
(``yyyy/MM/dd``) so that no partition is ever added by hand. The queries ``ctir sql`` writes
read exactly this table; :func:`athena_columns` is the single list of its columns.

Only checked values reach the template (an ``s3://`` location of safe characters, a table
name, a region), so nothing typed can break out of its quotes.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Final

import sqlglot
from sqlglot import exp

from ctir_tui.engine.export.sql.tables import shape_for
from ctir_tui.engine.query.values import FilterError, shown

#: The first day partition projection knows (AWS's documented example; edit for older trails).
FIRST_DAY: Final = "2020/01/01"
#: Where global services (IAM, STS, sign-in) deliver.
DEFAULT_REGION: Final = "us-east-1"

# Bucket names are lower-case letters, digits, dots and hyphens; the prefix keeps to the
# characters S3 calls safe, so no quote, backslash, "$" or space can reach the DDL.
_LOCATION: Final = re.compile(
    r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/(?:[A-Za-z0-9!_.*()-]+/)*CloudTrail/?"
)
_REGION: Final = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")


def _template() -> str:
    return resources.files(__package__).joinpath("athena_table.sql").read_text(encoding="utf-8")


@functools.cache
def athena_columns() -> tuple[str, ...]:
    """The table's columns in order, the ``timestamp`` partition last (as Athena lists them)."""
    create = sqlglot.parse_one(_template().replace("@TABLE@", "t"), read="athena")
    columns = [col.name for col in create.this.expressions]
    partitioned = create.find(exp.PartitionedByProperty)
    assert partitioned is not None, "the template declares its partition"
    columns += [col.name for col in partitioned.this.expressions]
    return tuple(columns)


def athena_ddl(location: str, *, table: str | None = None, region: str = DEFAULT_REGION) -> str:
    """The ``CREATE EXTERNAL TABLE`` for one region of a trail.

    Args:
        location: The trail's ``s3://bucket/[prefix/]AWSLogs/[o-org/]ACCOUNT/CloudTrail/``.
        table: ``[database.]name`` (default ``cloudtrail_logs``).
        region: The region folder under ``CloudTrail/`` this table reads.

    Raises:
        FilterError: A location, table or region that is not one.
    """
    name = shape_for("athena", table).table
    if not _LOCATION.fullmatch(location):
        raise FilterError(
            f"bad --location '{shown(location)}': expected the trail's "
            "s3://BUCKET/[PREFIX/]AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/"
        )
    if not _REGION.fullmatch(region):
        raise FilterError(f"bad --region '{shown(region)}': expected a region such as us-east-1")
    prefix = location.rstrip("/") + "/" + region
    return (
        _template()
        .replace("@TABLE@", name)
        .replace("@LOCATION@", prefix)
        .replace("@FIRST_DAY@", FIRST_DAY)
    )
