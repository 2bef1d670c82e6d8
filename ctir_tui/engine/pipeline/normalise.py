"""From the workers' text columns to the canonical frame, in Polars expressions only.

What a column means is decided here, once: the normalised principal (DOMAIN.md §3), the
outcome of a call (a failed console login is a failure even without an error code), whether
it crossed accounts, and the event time in every form exporters write it.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.schema import EVENT_SCHEMA
from ctir_tui.engine.times import record_time_fast, record_time_other

#: Error codes that mean "not allowed" rather than "went wrong".
DENIED_CODES: Final = r"(?i)accessdenied|unauthorized|forbidden|notauthorized|permissiondenied"
#: What a failed console login says when it has no error code.
FAILED_LOGIN: Final = "Failed authentication"
FLAG_BAD_TIME: Final = "bad-time"
#: What a record says, for telling a re-delivery (same) from a conflicting copy (not).
HASHED: Final = [
    name
    for name in EVENT_SCHEMA
    if name
    not in (c.TIME_TEXT, c.FLAGS, c.NOTES, c.SOURCE_FILE, c.FILE_ID, c.REC_INDEX, c.CONTENT_HASH)
]


def _principal() -> pl.Expr:
    kind = pl.col("identity_type")
    return pl.coalesce(
        pl.when(kind == "AWSService").then(pl.col("invoked_by")),
        pl.when(kind == "IdentityCenterUser").then(pl.col("on_behalf_of")),
        pl.col("principal_arn"),
        pl.col("user_name"),
        pl.col("principal_id"),
        pl.col("invoked_by"),
        pl.col("account_id"),
    )


def _outcome() -> pl.Expr:
    code = pl.col("error_code")
    failed_login = (pl.col("console_login") == "Failure") | (
        code.is_null() & (pl.col("error_message") == FAILED_LOGIN)
    )
    return (
        pl.when(code.is_not_null() & code.str.contains(DENIED_CODES))
        .then(pl.lit("denied"))
        .when(code.is_not_null() | failed_login.fill_null(False))
        .then(pl.lit("failure"))
        .otherwise(pl.lit("success"))
    )


def _truth(column: str, yes: str) -> pl.Expr:
    text = pl.col(column).str.to_lowercase()
    return pl.when(text.is_null()).then(None).otherwise(text == yes)


def _cross_account() -> pl.Expr:
    """The call lands in another account, or a share or trust names another account."""
    recipient = pl.col("recipient_account_id")
    caller = pl.col("account_id")
    lands_elsewhere = recipient.is_not_null() & caller.is_not_null() & (recipient != caller)
    home = pl.concat_list(pl.coalesce(recipient, caller))
    named = pl.col("target_accounts").str.split(",")
    others = named.list.set_difference(home).list.len() > 0
    return lands_elsewhere.fill_null(False) | others.fill_null(False)


def _time_fixups(text: pl.Expr) -> pl.Expr:
    """The rare forms: lower-case ``t``/``z``, a leap second, epoch seconds or milliseconds."""
    upper = text.str.to_uppercase().str.replace(r":60(\.\d+)?(Z|[+-]\d\d:?\d\d)?$", ":59.999999$2")
    digits = text.str.contains(r"^\d{9,13}(\.\d+)?$")
    epoch = text.cast(pl.Float64, strict=False)
    millis = pl.when(epoch > 1e11).then(epoch).otherwise(epoch * 1000)
    from_epoch = (millis * 1000).cast(pl.Int64, strict=False).cast(pl.Datetime("us", "UTC"))
    return pl.when(digits).then(from_epoch).otherwise(record_time_other(upper))


def normalise(raw: pl.DataFrame, sources: pl.DataFrame) -> pl.DataFrame:
    """Turn the workers' columns into the canonical frame.

    Args:
        raw: The columns of :data:`ctir_tui.engine.pipeline.extract.RAW_COLUMNS`, plus
            ``resources``, ``file_id`` and ``rec_index``.
        sources: ``file_id`` (UInt32) and ``source_file`` (String), one row per input.

    Returns:
        A frame with exactly the columns of ``EVENT_SCHEMA``, in that order.
    """
    columns: dict[str, pl.Expr] = {
        c.TIME: record_time_fast(pl.col("event_time")),
        c.TIME_TEXT: pl.col("event_time"),
        c.EVENT_NAME: pl.col("event_name"),
        c.EVENT_SOURCE: pl.col("event_source"),
        c.REGION: pl.col("region"),
        c.SOURCE_IP: pl.col("source_ip"),
        c.USER_AGENT: pl.col("user_agent"),
        c.IDENTITY_TYPE: pl.col("identity_type"),
        c.PRINCIPAL: _principal(),
        c.PRINCIPAL_ARN: pl.col("principal_arn"),
        c.PRINCIPAL_ID: pl.col("principal_id"),
        c.ACCOUNT_ID: pl.col("account_id"),
        c.ACCESS_KEY_ID: pl.col("access_key_id"),
        c.USER_NAME: pl.col("user_name"),
        c.SESSION_ISSUER_ARN: pl.col("issuer_arn"),
        c.SESSION_ISSUER_TYPE: pl.col("issuer_type"),
        c.SESSION_ISSUER_NAME: pl.col("issuer_name"),
        c.MFA: _truth("mfa_authenticated", "true"),
        c.MFA_USED: _truth("mfa_used", "yes"),
        c.SOURCE_IDENTITY: pl.col("source_identity"),
        c.INVOKED_BY: pl.col("invoked_by"),
        c.ERROR_CODE: pl.col("error_code"),
        c.ERROR_MESSAGE: pl.col("error_message"),
        c.OUTCOME: _outcome(),
        c.READ_ONLY: _truth("read_only", "true"),
        c.EVENT_TYPE: pl.col("event_type"),
        c.EVENT_CATEGORY: pl.col("event_category"),
        c.EVENT_ID: pl.col("event_id"),
        c.REQUEST_ID: pl.col("request_id"),
        c.RECIPIENT_ACCOUNT_ID: pl.col("recipient_account_id"),
        c.CONSOLE_LOGIN: pl.col("console_login"),
        c.ISSUED_ACCESS_KEY_ID: pl.col("issued_access_key_id"),
        c.ASSUMED_ROLE_ARN: pl.col("assumed_role_arn"),
        c.TARGET: pl.col("target"),
        c.TARGET_ACCOUNTS: pl.col("target_accounts"),
        c.CROSS_ACCOUNT: _cross_account(),
        c.RESOURCES: pl.col("resources"),
        c.FLAGS: pl.col("flags"),
        c.NOTES: pl.col("notes"),
        c.FILE_ID: pl.col(c.FILE_ID).cast(pl.UInt32),
        c.REC_INDEX: pl.col(c.REC_INDEX).cast(pl.UInt32),
    }
    # An empty string is no value (a HIDDEN user's ``"accessKeyId": ""`` is no key). Not
    # ``replace("", None)``: it costs ~35 ms per call whatever the height (a batch of tiny
    # files paid it per 256 files) and ten times this where the rows are many.
    text = pl.col(pl.String)
    blank = pl.when(text != "").then(text)
    out = (
        raw.lazy()
        .with_columns(blank)
        .select(**columns)
        # Categorical before the join: one code per row, not a copy of its path.
        .join(
            sources.lazy().with_columns(pl.col(c.SOURCE_FILE).cast(pl.Categorical)),
            on=c.FILE_ID,
            how="left",
        )
        .collect()
    )
    # Years a clock never writes (0000, negative, past 9999) are unreadable times, not
    # times: Python cannot hold them, and no filter or window could reach them.
    out = out.with_columns(
        pl.when(pl.col(c.TIME).dt.year().is_between(1, 9999)).then(pl.col(c.TIME)).alias(c.TIME)
    )
    unread = pl.col(c.TIME).is_null() & pl.col(c.TIME_TEXT).is_not_null()
    if out.select(unread.any()).item():
        fixed = _time_fixups(pl.col(c.TIME_TEXT))
        out = out.with_columns(
            pl.when(pl.col(c.TIME).is_null())
            .then(pl.when(fixed.dt.year().is_between(1, 9999)).then(fixed))
            .otherwise(pl.col(c.TIME))
            .alias(c.TIME)
        )
        bad = unread  # evaluated again on the fixed times: what is still null is unreadable
        out = out.with_columns(
            pl.when(bad)
            .then(
                pl.when(pl.col(c.FLAGS).is_null())
                .then(pl.lit(FLAG_BAD_TIME))
                .otherwise(pl.col(c.FLAGS) + pl.lit("," + FLAG_BAD_TIME))
            )
            .otherwise(pl.col(c.FLAGS))
            .alias(c.FLAGS)
        )
    # The text of a time is kept only where it could not be read (shown, never hidden).
    out = out.with_columns(
        pl.when(pl.col(c.TIME).is_null()).then(pl.col(c.TIME_TEXT)).alias(c.TIME_TEXT)
    )
    # The content hash is computed later, for the few rows whose eventID repeats (hashing
    # forty columns of every row cost more than the rest of this function): see :mod:`.dedup`.
    out = out.with_columns(pl.lit(None, dtype=pl.UInt64).alias(c.CONTENT_HASH))
    return out.select([pl.col(name).cast(dtype) for name, dtype in EVENT_SCHEMA.items()])
