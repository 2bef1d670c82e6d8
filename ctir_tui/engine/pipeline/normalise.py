"""From raw record structs to the canonical frame, in Polars expressions only.

Two producers feed this module: Polars' JSON reader (the fast path, which yields a frame of
``RAW_FIELDS`` columns directly) and the Python fallback (which projects record dicts onto the
same fields with :func:`project`). Both then go through :func:`normalise`.
"""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.schema import EVENT_SCHEMA, RAW_FIELDS
from ctir_tui.engine.times import record_time_fast, record_time_other

_Spec = dict[str, "Any"]


def _spec_of(fields: dict[str, pl.DataType]) -> _Spec:
    spec: _Spec = {}
    for name, dtype in fields.items():
        if isinstance(dtype, pl.Struct):
            spec[name] = _spec_of({f.name: f.dtype for f in dtype.fields})  # type: ignore[misc]
        else:
            spec[name] = None
    return spec


_SPEC: _Spec = _spec_of(RAW_FIELDS)


def _leaf(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


def _project(value: dict[str, Any], spec: _Spec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sub in spec.items():
        got = value.get(name)
        if sub is None:
            out[name] = _leaf(got)
        else:
            out[name] = _project(got, sub) if isinstance(got, dict) else None
    return out


def project(records: list[dict[str, Any]]) -> pl.DataFrame:
    """Build a raw frame (``RAW_FIELDS`` columns) from record dicts, coercing odd types.

    Args:
        records: Parsed CloudTrail records.

    Returns:
        A frame with one column per raw field.
    """
    rows = [_project(r, _SPEC) for r in records]
    return pl.DataFrame(rows, schema=RAW_FIELDS, orient="row" if not rows else None)


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.len_bytes() == 0).then(None).otherwise(expr)


def normalise(raw: pl.DataFrame, sources: pl.DataFrame) -> pl.DataFrame:
    """Turn raw records into the canonical frame.

    Args:
        raw: ``RAW_FIELDS`` columns plus ``file_id`` and ``rec_index``.
        sources: ``file_id`` (UInt32) and ``source_file`` (String), one row per input file.

    Returns:
        A frame with exactly the columns of ``EVENT_SCHEMA``, in that order.
    """
    ui = pl.col("userIdentity").struct
    session = ui.field("sessionContext").struct
    kind = ui.field("type")
    arn = _blank_to_null(ui.field("arn"))
    user_name = _blank_to_null(ui.field("userName"))
    principal_id = _blank_to_null(ui.field("principalId"))
    invoked_by = _blank_to_null(ui.field("invokedBy"))
    event_name = pl.coalesce(
        pl.col("eventName"), pl.col("insightDetails").struct.field("eventName")
    )
    mfa_used = pl.col("additionalEventData").struct.field("MFAUsed").str.to_lowercase()
    mfa_session = session.field("attributes").struct.field("mfaAuthenticated").str.to_lowercase()
    principal = pl.coalesce(
        pl.when(kind == "AWSService").then(invoked_by),
        pl.when(kind == "IdentityCenterUser").then(ui.field("onBehalfOf").struct.field("userId")),
        arn,
        user_name,
        principal_id,
        invoked_by,
        _blank_to_null(ui.field("accountId")),
    )
    columns: dict[str, pl.Expr] = {
        # CloudTrail's own form first; the rare other forms below, only where it failed.
        c.TIME: record_time_fast(pl.coalesce(pl.col("eventTime"), pl.col("@timestamp"))),
        "_time_text": pl.coalesce(pl.col("eventTime"), pl.col("@timestamp")),
        c.EVENT_NAME: event_name,
        c.EVENT_SOURCE: pl.coalesce(
            pl.col("eventSource"), pl.col("insightDetails").struct.field("eventSource")
        ),
        c.REGION: pl.col("awsRegion"),
        c.SOURCE_IP: pl.coalesce(
            pl.col("sourceIPAddress"),
            pl.col("network").struct.field("client").struct.field("ip"),
        ),
        c.USER_AGENT: pl.coalesce(pl.col("userAgent"), pl.col("http").struct.field("useragent")),
        c.IDENTITY_TYPE: kind,
        c.PRINCIPAL: principal,
        c.PRINCIPAL_ARN: arn,
        c.PRINCIPAL_ID: principal_id,
        c.ACCOUNT_ID: _blank_to_null(ui.field("accountId")),
        c.ACCESS_KEY_ID: _blank_to_null(ui.field("accessKeyId")),
        c.USER_NAME: user_name,
        c.SESSION_ISSUER_ARN: _blank_to_null(session.field("sessionIssuer").struct.field("arn")),
        c.MFA: pl.when(mfa_used.is_not_null())
        .then(mfa_used == "yes")
        .otherwise(pl.when(mfa_session.is_not_null()).then(mfa_session == "true").otherwise(None)),
        c.SOURCE_IDENTITY: _blank_to_null(session.field("sourceIdentity")),
        c.INVOKED_BY: invoked_by,
        c.ERROR_CODE: _blank_to_null(pl.col("errorCode")),
        c.ERROR_MESSAGE: pl.col("errorMessage"),
        c.READ_ONLY: pl.when(pl.col("readOnly").is_null())
        .then(None)
        .otherwise(pl.col("readOnly").str.to_lowercase() == "true"),
        c.EVENT_TYPE: pl.col("eventType"),
        c.EVENT_CATEGORY: pl.col("eventCategory"),
        c.EVENT_ID: _blank_to_null(pl.col("eventID")),
        c.REQUEST_ID: pl.col("requestID"),
        c.RECIPIENT_ACCOUNT_ID: pl.col("recipientAccountId"),
        c.CONSOLE_LOGIN: pl.col("responseElements").struct.field("ConsoleLogin"),
        c.ISSUED_ACCESS_KEY_ID: _blank_to_null(
            pl.col("responseElements").struct.field("credentials").struct.field("accessKeyId")
        ),
        c.FILE_ID: pl.col(c.FILE_ID).cast(pl.UInt32),
        c.REC_INDEX: pl.col(c.REC_INDEX).cast(pl.UInt32),
    }
    out = raw.lazy().select(**columns).join(sources.lazy(), on=c.FILE_ID, how="left").collect()
    unparsed = out.select(
        (pl.col(c.TIME).is_null() & pl.col("_time_text").is_not_null()).any()
    ).item()
    if unparsed:
        out = out.with_columns(
            pl.when(pl.col(c.TIME).is_null())
            .then(record_time_other(pl.col("_time_text")))
            .otherwise(pl.col(c.TIME))
            .alias(c.TIME)
        )
    return out.select([pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()])
