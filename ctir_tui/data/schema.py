"""The canonical event frame: one row per CloudTrail record.

Two schemas live here:

* ``RAW_RECORD``: the subset of a CloudTrail record that the parsers extract, as a Polars
  struct. Every leaf is a string so that odd producers (numbers where strings are expected,
  booleans as ``"true"``) never break a load; typing happens in :mod:`ctir_tui.data.normalize`.
* ``EVENT_SCHEMA``: the columns of the frame every other part of ctir works on.

The original record is not held in memory. ``file_id`` and ``rec_index`` locate it in its
source file, and :func:`ctir_tui.data.raw.read_raw` reads it back exactly as written.
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

#: The canonical frame, in display order. Tactic columns are added by
#: :mod:`ctir_tui.data.tactics` after load (they depend on the mapping in use).
EVENT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "time": pl.Datetime("us", "UTC"),
    "event_name": C,
    "event_source": C,
    "region": C,
    "source_ip": C,
    "user_agent": C,
    "identity_type": C,
    "principal": C,
    "principal_arn": C,
    "principal_id": C,
    "account_id": C,
    "access_key_id": C,
    "user_name": C,
    "session_issuer_arn": C,
    "mfa": pl.Boolean(),
    "source_identity": C,
    "invoked_by": C,
    "error_code": C,
    "error_message": C,
    "read_only": pl.Boolean(),
    "event_type": C,
    "event_category": C,
    "event_id": S,
    "request_id": S,
    "recipient_account_id": C,
    "console_login": C,
    "issued_access_key_id": S,
    "source_file": C,
    "file_id": pl.UInt32(),
    "rec_index": pl.UInt32(),
}

#: Column names as constants, so typos fail at import rather than at run time.
TIME: Final = "time"
EVENT_NAME: Final = "event_name"
EVENT_SOURCE: Final = "event_source"
REGION: Final = "region"
SOURCE_IP: Final = "source_ip"
USER_AGENT: Final = "user_agent"
PRINCIPAL: Final = "principal"
ERROR_CODE: Final = "error_code"
READ_ONLY: Final = "read_only"
EVENT_ID: Final = "event_id"
ACCESS_KEY_ID: Final = "access_key_id"
ISSUED_ACCESS_KEY_ID: Final = "issued_access_key_id"
FILE_ID: Final = "file_id"
REC_INDEX: Final = "rec_index"
#: Seed tactics of each event (list of tactic names), added at load.
TACTICS: Final = "tactics"
#: Extended-mapping tactics of each event (list of tactic names), added at load.
TACTICS_EXTENDED: Final = "tactics_extended"


def empty_frame() -> pl.DataFrame:
    """Return a frame with the canonical columns and no rows."""
    return pl.DataFrame(schema=EVENT_SCHEMA)
