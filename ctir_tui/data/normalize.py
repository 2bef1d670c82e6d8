"""From raw record structs to the canonical frame, in Polars expressions only.

Two producers feed this module: Polars' JSON reader (the fast path, which yields a frame of
``RAW_FIELDS`` columns directly) and the Python fallback (which projects record dicts onto the
same fields with :func:`project`). Both then go through :func:`normalise`.
"""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl

from ctir_tui.data.schema import EVENT_SCHEMA, RAW_FIELDS

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


# Most specific first; "%.f" also accepts no fraction. Tried in turn on what is still null.
_TIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f",
)


def parse_time(column: pl.Expr) -> pl.Expr:
    """Parse ISO 8601 timestamps in the forms CloudTrail and its exporters write, to UTC.

    ``Z``, numeric offsets (converted to UTC), fractional seconds, a space instead of ``T``,
    and naive times (taken as UTC) are accepted; anything else becomes null.
    """
    attempts = [
        column.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
        if "%z" in fmt
        else column.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone("UTC")
        for fmt in _TIME_FORMATS
    ]
    return pl.coalesce(attempts)


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
    sc = ui.field("sessionContext").struct
    kind = ui.field("type")
    arn = _blank_to_null(ui.field("arn"))
    user_name = _blank_to_null(ui.field("userName"))
    principal_id = _blank_to_null(ui.field("principalId"))
    invoked_by = _blank_to_null(ui.field("invokedBy"))
    event_name = pl.coalesce(
        pl.col("eventName"), pl.col("insightDetails").struct.field("eventName")
    )
    mfa_used = pl.col("additionalEventData").struct.field("MFAUsed").str.to_lowercase()
    mfa_session = sc.field("attributes").struct.field("mfaAuthenticated").str.to_lowercase()
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
        # CloudTrail's own form, parsed with a fixed format (5x faster than the general
        # parse); the rare other forms are parsed below, only where this one failed.
        "time": pl.coalesce(pl.col("eventTime"), pl.col("@timestamp")).str.to_datetime(
            "%Y-%m-%dT%H:%M:%SZ", time_unit="us", time_zone="UTC", strict=False
        ),
        "_time_text": pl.coalesce(pl.col("eventTime"), pl.col("@timestamp")),
        "event_name": event_name,
        "event_source": pl.coalesce(
            pl.col("eventSource"), pl.col("insightDetails").struct.field("eventSource")
        ),
        "region": pl.col("awsRegion"),
        "source_ip": pl.coalesce(
            pl.col("sourceIPAddress"),
            pl.col("network").struct.field("client").struct.field("ip"),
        ),
        "user_agent": pl.coalesce(pl.col("userAgent"), pl.col("http").struct.field("useragent")),
        "identity_type": kind,
        "principal": principal,
        "principal_arn": arn,
        "principal_id": principal_id,
        "account_id": _blank_to_null(ui.field("accountId")),
        "access_key_id": _blank_to_null(ui.field("accessKeyId")),
        "user_name": user_name,
        "session_issuer_arn": _blank_to_null(sc.field("sessionIssuer").struct.field("arn")),
        "mfa": pl.when(mfa_used.is_not_null())
        .then(mfa_used == "yes")
        .otherwise(pl.when(mfa_session.is_not_null()).then(mfa_session == "true").otherwise(None)),
        "source_identity": _blank_to_null(sc.field("sourceIdentity")),
        "invoked_by": invoked_by,
        "error_code": _blank_to_null(pl.col("errorCode")),
        "error_message": pl.col("errorMessage"),
        "read_only": pl.when(pl.col("readOnly").is_null())
        .then(None)
        .otherwise(pl.col("readOnly").str.to_lowercase() == "true"),
        "event_type": pl.col("eventType"),
        "event_category": pl.col("eventCategory"),
        "event_id": _blank_to_null(pl.col("eventID")),
        "request_id": pl.col("requestID"),
        "recipient_account_id": pl.col("recipientAccountId"),
        "console_login": pl.col("responseElements").struct.field("ConsoleLogin"),
        "issued_access_key_id": _blank_to_null(
            pl.col("responseElements").struct.field("credentials").struct.field("accessKeyId")
        ),
        "file_id": pl.col("file_id").cast(pl.UInt32),
        "rec_index": pl.col("rec_index").cast(pl.UInt32),
    }
    out = raw.lazy().select(**columns).join(sources.lazy(), on="file_id", how="left").collect()
    unparsed = out.select(
        (pl.col("time").is_null() & pl.col("_time_text").is_not_null()).any()
    ).item()
    if unparsed:
        out = out.with_columns(
            time=pl.when(pl.col("time").is_null())
            .then(parse_time(pl.col("_time_text")))
            .otherwise(pl.col("time"))
        )
    return out.select([pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()])
