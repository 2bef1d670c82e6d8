"""The canonical event frame: one row per CloudTrail record.

``EVENT_SCHEMA`` is the columns of the frame every other part of ctir works on; the
readers' typed record is in :mod:`ctir_tui.engine.readers.typed`, the workers' text columns
in :mod:`ctir_tui.engine.pipeline.extract`, and how each column is derived in
:mod:`ctir_tui.engine.pipeline.normalise`.

The original record is not held in memory. ``file_id`` and ``rec_index`` locate it in its
source file, and :class:`ctir_tui.engine.pipeline.raw.RawStore` reads it back exactly as
written. Its request parameters, response elements and additional data are kept apart, in
the text store (``TEXT_SCHEMA``), read lazily by free-text search and detections.
"""

from __future__ import annotations

from typing import Final

import polars as pl

S = pl.String()
#: Low-cardinality text (names, ARNs, addresses, agents): stored once per distinct value,
#: which cuts the frame of 1M events from ~680 MB to ~170 MB and makes filters on these
#: columns work over their few distinct values instead of every row.
C = pl.Categorical()

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
#: The time as written, kept only where it could not be read.
TIME_TEXT: Final = "time_text"
SESSION_ISSUER_TYPE: Final = "session_issuer_type"
SESSION_ISSUER_NAME: Final = "session_issuer_name"
#: Whether a console login used MFA (``additionalEventData.MFAUsed``); null for other events.
MFA_USED: Final = "mfa_used"
#: ``success``, ``failure`` or ``denied`` (a failed console login is a failure).
OUTCOME: Final = "outcome"
#: The role session an AssumeRole opened (``responseElements.assumedRoleUser.arn``).
ASSUMED_ROLE_ARN: Final = "assumed_role_arn"
#: What was acted upon, ``kind:value; ...`` (see ``pipeline/targets.toml``).
TARGET: Final = "target"
#: Accounts a share or a trust names, comma-separated.
TARGET_ACCOUNTS: Final = "target_accounts"
#: The call lands in another account, or grants another account.
CROSS_ACCOUNT: Final = "cross_account"
#: The ARNs of ``resources[]``.
RESOURCES: Final = "resources"
#: Suspicion flags, comma-separated (duplicate-keys, conflicting-copy, bad-identity...).
FLAGS: Final = "flags"
#: What the flags are about (both values of a repeated key, for example).
NOTES: Final = "notes"
#: A hash of everything the record says (its columns and its request, response and
#: additional data): two copies of an eventID with the same hash are one re-delivery.
CONTENT_HASH: Final = "content_hash"
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
    SESSION_ISSUER_TYPE: C,
    SESSION_ISSUER_NAME: C,
    MFA: pl.Boolean(),
    MFA_USED: pl.Boolean(),
    SOURCE_IDENTITY: C,
    INVOKED_BY: C,
    ERROR_CODE: C,
    ERROR_MESSAGE: C,
    OUTCOME: C,
    READ_ONLY: pl.Boolean(),
    EVENT_TYPE: C,
    EVENT_CATEGORY: C,
    EVENT_ID: S,
    REQUEST_ID: S,
    RECIPIENT_ACCOUNT_ID: C,
    CONSOLE_LOGIN: C,
    ISSUED_ACCESS_KEY_ID: S,
    ASSUMED_ROLE_ARN: C,
    TARGET: C,
    TARGET_ACCOUNTS: C,
    CROSS_ACCOUNT: pl.Boolean(),
    RESOURCES: pl.List(S),
    FLAGS: C,
    NOTES: S,
    TIME_TEXT: S,
    CONTENT_HASH: pl.UInt64(),
    SOURCE_FILE: C,
    FILE_ID: pl.UInt32(),
    REC_INDEX: pl.UInt32(),
}

#: The text store: each record's request, response and additional data, as JSON text.
REQUEST_JSON: Final = "request_json"
RESPONSE_JSON: Final = "response_json"
ADDITIONAL_JSON: Final = "additional_json"
TEXT_SCHEMA: Final[dict[str, pl.DataType]] = {
    FILE_ID: pl.UInt32(),
    REC_INDEX: pl.UInt32(),
    REQUEST_JSON: S,
    RESPONSE_JSON: S,
    ADDITIONAL_JSON: S,
}

#: Columns that locate the original record rather than describe the event.
LOCATOR_COLUMNS: Final = (FILE_ID, REC_INDEX)


#: JSON paths of a record whose canonical column holds the value as the record wrote it
#: (the pivots of the detail pane and Sigma's frame fields both start from this).
WRITTEN_PATHS: Final[dict[str, str]] = {
    "eventName": EVENT_NAME,
    "eventSource": EVENT_SOURCE,
    "awsRegion": REGION,
    "sourceIPAddress": SOURCE_IP,
    "userAgent": USER_AGENT,
    "errorCode": ERROR_CODE,
    "errorMessage": ERROR_MESSAGE,
    "eventType": EVENT_TYPE,
    "eventCategory": EVENT_CATEGORY,
    "eventID": EVENT_ID,
    "requestID": REQUEST_ID,
    "recipientAccountId": RECIPIENT_ACCOUNT_ID,
    "readOnly": READ_ONLY,
    "userIdentity.type": IDENTITY_TYPE,
    "userIdentity.arn": PRINCIPAL_ARN,
    "userIdentity.principalId": PRINCIPAL_ID,
    "userIdentity.accountId": ACCOUNT_ID,
    "userIdentity.accessKeyId": ACCESS_KEY_ID,
    "userIdentity.userName": USER_NAME,
    "userIdentity.invokedBy": INVOKED_BY,
    "userIdentity.sessionContext.sessionIssuer.arn": SESSION_ISSUER_ARN,
    "userIdentity.sessionContext.sourceIdentity": SOURCE_IDENTITY,
}


def empty_frame() -> pl.DataFrame:
    """Return a frame with the canonical columns and no rows."""
    return pl.DataFrame(schema=EVENT_SCHEMA)
