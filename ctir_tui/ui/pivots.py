"""From a field of the JSON detail to a filter clause."""

from __future__ import annotations

from ctir_tui.data.filters import Clause, Kind, field_clause, make_clause, session_clause

#: JSON paths of a record and the canonical column holding the same value.
PATH_COLUMNS: dict[str, str] = {
    "eventName": "event_name",
    "eventSource": "event_source",
    "awsRegion": "region",
    "sourceIPAddress": "source_ip",
    "userAgent": "user_agent",
    "errorCode": "error_code",
    "errorMessage": "error_message",
    "eventType": "event_type",
    "eventCategory": "event_category",
    "eventID": "event_id",
    "requestID": "request_id",
    "recipientAccountId": "recipient_account_id",
    "userIdentity.type": "identity_type",
    "userIdentity.arn": "principal_arn",
    "userIdentity.principalId": "principal_id",
    "userIdentity.accountId": "account_id",
    "userIdentity.accessKeyId": "access_key_id",
    "userIdentity.userName": "user_name",
    "userIdentity.invokedBy": "invoked_by",
    "userIdentity.sessionContext.sessionIssuer.arn": "session_issuer_arn",
    "userIdentity.sessionContext.sourceIdentity": "source_identity",
    "userIdentity.onBehalfOf.userId": "principal",
    "responseElements.ConsoleLogin": "console_login",
}

#: Paths whose value is an access key: pivot to the whole session it belongs to.
SESSION_PATHS = {"responseElements.credentials.accessKeyId"}

#: Paths whose value is worth a substring filter on the principal.
PRINCIPAL_PATHS = {
    "userIdentity.sessionContext.sessionIssuer.userName",
    "userIdentity.sessionContext.sessionIssuer.principalId",
    "requestParameters.userName",
    "requestParameters.roleArn",
    "requestParameters.roleName",
    "responseElements.assumedRoleUser.arn",
}


def clause_for_path(path: str, value: str | None, *, negate: bool = False) -> Clause | None:
    """The clause that filters to (or excludes) events sharing this field's value.

    Returns:
        None when the field has no counterpart in the frame (only its record holds it).
    """
    column = PATH_COLUMNS.get(path)
    if column is not None:
        return field_clause(column, value, negate=negate)
    if path in SESSION_PATHS and value:
        return session_clause(value, negate=negate)
    if path in PRINCIPAL_PATHS and value:
        return make_clause(Kind.PRINCIPAL, value, negate=negate)
    if path == "readOnly" and value in ("true", "false"):
        return field_clause("read_only", value, negate=negate)
    return None
