"""The canonical event frame: one row per CloudTrail record.

Two schemas live here:

* ``RAW_RECORD``: the subset of a CloudTrail record that the parsers extract, as a Polars
  struct. Every leaf is a string so that odd producers (numbers where strings are expected,
  booleans as ``"true"``) never break a load; typing happens in
  :mod:`ctir_tui.engine.pipeline.normalise`.
* ``EVENT_SCHEMA``: the columns of the frame every other part of ctir works on.

The original record is not held in memory. ``file_id`` and ``rec_index`` locate it in its
source file, and :class:`ctir_tui.engine.pipeline.raw.RawStore` reads it back exactly as
written.
"""

from __future__ import annotations

from typing import Final

import polars as pl

S = pl.String()
#: Low-cardinality text (names, ARNs, addresses, agents): stored once per distinct value,
#: which cuts the frame of 1M events from ~680 MB to ~170 MB and makes filters on these
#: columns work over their few distinct values instead of every row.
C = pl.Categorical()

_SESSION_CONTEXT: Final = pl.Struct(
    {
        "sessionIssuer": pl.Struct({"type": S, "arn": S, "userName": S, "principalId": S}),
        "attributes": pl.Struct({"mfaAuthenticated": S, "creationDate": S}),
        "sourceIdentity": S,
    }
)

RAW_USER_IDENTITY: Final = pl.Struct(
    {
        "type": S,
        "principalId": S,
        "arn": S,
        "accountId": S,
        "accessKeyId": S,
        "userName": S,
        "invokedBy": S,
        "sessionContext": _SESSION_CONTEXT,
        "onBehalfOf": pl.Struct({"userId": S}),
    }
)

#: Fields read from each record. Unknown fields are ignored by the parsers.
RAW_FIELDS: Final[dict[str, pl.DataType]] = {
    "eventVersion": S,
    "eventTime": S,
    "@timestamp": S,
    "eventSource": S,
    "eventName": S,
    "awsRegion": S,
    "sourceIPAddress": S,
    "userAgent": S,
    "userIdentity": RAW_USER_IDENTITY,
    "errorCode": S,
    "errorMessage": S,
    "readOnly": S,
    "eventType": S,
    "eventCategory": S,
    "eventID": S,
    "requestID": S,
    "recipientAccountId": S,
    "responseElements": pl.Struct(
        {"ConsoleLogin": S, "credentials": pl.Struct({"accessKeyId": S})}
    ),
    "additionalEventData": pl.Struct({"MFAUsed": S}),
    "insightDetails": pl.Struct({"eventName": S, "eventSource": S}),
    # Datadog-enriched exports move the address and agent out of the record.
    "network": pl.Struct({"client": pl.Struct({"ip": S})}),
    "http": pl.Struct({"useragent": S}),
}

RAW_RECORD: Final = pl.Struct(RAW_FIELDS)

#: Column names: every module names columns through these constants.
TIME: Final = "time"
EVENT_NAME: Final = "event_name"
EVENT_SOURCE: Final = "event_source"
REGION: Final = "region"
SOURCE_IP: Final = "source_ip"
USER_AGENT: Final = "user_agent"
IDENTITY_TYPE: Final = "identity_type"
PRINCIPAL: Final = "principal"
PRINCIPAL_ARN: Final = "principal_arn"
PRINCIPAL_ID: Final = "principal_id"
ACCOUNT_ID: Final = "account_id"
ACCESS_KEY_ID: Final = "access_key_id"
USER_NAME: Final = "user_name"
SESSION_ISSUER_ARN: Final = "session_issuer_arn"
MFA: Final = "mfa"
SOURCE_IDENTITY: Final = "source_identity"
INVOKED_BY: Final = "invoked_by"
ERROR_CODE: Final = "error_code"
ERROR_MESSAGE: Final = "error_message"
READ_ONLY: Final = "read_only"
EVENT_TYPE: Final = "event_type"
EVENT_CATEGORY: Final = "event_category"
EVENT_ID: Final = "event_id"
REQUEST_ID: Final = "request_id"
RECIPIENT_ACCOUNT_ID: Final = "recipient_account_id"
CONSOLE_LOGIN: Final = "console_login"
ISSUED_ACCESS_KEY_ID: Final = "issued_access_key_id"
SOURCE_FILE: Final = "source_file"
FILE_ID: Final = "file_id"
REC_INDEX: Final = "rec_index"
#: Seed tactics of each event (list of tactic names), added at load.
TACTICS: Final = "tactics"
#: Extended-mapping tactics of each event (list of tactic names), added at load.
TACTICS_EXTENDED: Final = "tactics_extended"

#: The canonical frame, in display order. Tactic columns are added by
#: :mod:`ctir_tui.engine.tactics.matrix` after load (they depend on the mapping in use).
EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    TIME: pl.Datetime("us", "UTC"),
    EVENT_NAME: C,
    EVENT_SOURCE: C,
    REGION: C,
    SOURCE_IP: C,
    USER_AGENT: C,
    IDENTITY_TYPE: C,
    PRINCIPAL: C,
    PRINCIPAL_ARN: C,
    PRINCIPAL_ID: C,
    ACCOUNT_ID: C,
    ACCESS_KEY_ID: C,
    USER_NAME: C,
    SESSION_ISSUER_ARN: C,
    MFA: pl.Boolean(),
    SOURCE_IDENTITY: C,
    INVOKED_BY: C,
    ERROR_CODE: C,
    ERROR_MESSAGE: C,
    READ_ONLY: pl.Boolean(),
    EVENT_TYPE: C,
    EVENT_CATEGORY: C,
    EVENT_ID: S,
    REQUEST_ID: S,
    RECIPIENT_ACCOUNT_ID: C,
    CONSOLE_LOGIN: C,
    ISSUED_ACCESS_KEY_ID: S,
    SOURCE_FILE: C,
    FILE_ID: pl.UInt32(),
    REC_INDEX: pl.UInt32(),
}

#: Columns that locate the original record rather than describe the event.
LOCATOR_COLUMNS: Final = (FILE_ID, REC_INDEX)


def empty_frame() -> pl.DataFrame:
    """Return a frame with the canonical columns and no rows."""
    return pl.DataFrame(schema=EVENT_SCHEMA)
