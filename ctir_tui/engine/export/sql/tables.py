"""Where ctir's canonical columns live in the tables AWS runs queries on.

This is :mod:`ctir_tui.engine.pipeline.normalise` written in SQL, once per engine:

* **Athena** reads the trail's S3 prefix through the table ``ctir sql --ddl athena`` prints
  (AWS's "CloudTrail table with partition projection"): lower-case columns, ``eventtime`` a
  string, ``requestparameters``/``responseelements``/``additionaleventdata`` JSON text,
  ``readonly`` a string, and a ``timestamp`` partition (``yyyy/MM/dd``, the delivery day).
* **CloudTrail Lake** queries an event data store: the record's camelCase names,
  ``eventTime`` a timestamp, the JSON objects as ``map(varchar, varchar)``, ``readOnly`` a
  boolean, and ``userIdentity.sessionContext.sourceIdentity`` (which Athena's table lacks).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Final

from sqlglot import exp

from ctir_tui.engine import schema as c
from ctir_tui.engine.export.sql.context import NotExpressible
from ctir_tui.engine.pipeline.normalise import DENIED_CODES, FAILED_LOGIN
from ctir_tui.engine.query.values import FilterError, shown
from ctir_tui.engine.times import as_utc

DIALECTS: Final = ("athena", "lake")
#: The table ``ctir sql --ddl athena`` creates, when --table is not given.
DEFAULT_ATHENA_TABLE: Final = "cloudtrail_logs"
#: Stands for the event data store until the user gives its ID.
DEFAULT_LAKE_TABLE: Final = "EVENT_DATA_STORE_ID"

_ATHENA_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
# The ID portion of an event data store's ARN (arn:aws:cloudtrail:REGION:ACCOUNT:eventdatastore/ID).
_LAKE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_LAKE_ARN: Final = re.compile(r"arn:[a-z-]+:cloudtrail:[a-z0-9-]+:\d{12}:eventdatastore/(.+)")

T = exp.DataType.Type
#: The error codes that mean denied, for SQL regexes (normalise's, on lower-cased codes).
DENIED: Final = DENIED_CODES.removeprefix("(?i)")
_LOCAL: Final = "ctir's own column (where ctir read the event), not a field of the record"
#: Columns ctir derives from several fields per event family (see pipeline/targets.toml).
_DERIVED: Final = frozenset(
    {
        c.TARGET,
        c.TARGET_ACCOUNTS,
        c.CROSS_ACCOUNT,
        c.RESOURCES,
        c.FLAGS,
        c.NOTES,
        c.TIME_TEXT,
        c.CONTENT_HASH,
    }
)
_DERIVED_WHY: Final = "ctir derives it from the record in Python, with no SQL form yet"


def blank_null(value: exp.Expr) -> exp.Expr:
    """``NULLIF(value, '')``: ctir reads an empty identity field as absent."""
    return exp.Nullif(this=value, expression=exp.Literal.string(""))


@dataclass(frozen=True)
class Shape(ABC):
    """One engine's table: its name and where each canonical column is in it."""

    table: str
    #: The ``--dialect`` word.
    dialect: ClassVar[str]
    #: The sqlglot dialect the statement is written in.
    writes: ClassVar[str]

    # --- what each engine does differently ----------------------------------------------

    @abstractmethod
    def source(self) -> exp.Table:
        """The FROM target."""

    @abstractmethod
    def name(self, field: str) -> str:
        """The engine's name for a record field (``userIdentity`` -> ``useridentity``)."""

    @abstractmethod
    def json(self, field: str, *keys: str) -> exp.Expr:
        """A scalar inside a JSON object field (``responseElements.credentials.accessKeyId``)."""

    @abstractmethod
    def json_text(self, field: str) -> exp.Expr:
        """A JSON object field (``requestParameters``) as text, for free-text search."""

    @abstractmethod
    def read_only(self) -> exp.Expr:
        """``readOnly`` as a boolean (null when absent)."""

    @abstractmethod
    def time(self) -> exp.Expr:
        """The event time as a timestamp (null when absent or unreadable)."""

    @abstractmethod
    def time_literal(self, moment: datetime) -> exp.Expr:
        """A moment, comparable with :meth:`time`."""

    @abstractmethod
    def source_identity(self) -> exp.Expr:
        """``userIdentity.sessionContext.sourceIdentity`` (raises where the table lacks it)."""

    @abstractmethod
    def output(self) -> list[exp.Expr]:
        """The columns the query returns: the table's, so that the result is whole rows."""

    def partition(self, first: date | None, last: date | None) -> exp.Expr | None:
        """A predicate on partitions covering the days ``first`` to ``last`` (None: none)."""
        return None

    # --- the same everywhere ---------------------------------------------------------------

    def field(self, *path: str) -> exp.Expr:
        """A (nested) record field, by its names in the record (``userIdentity``, ``arn``)."""
        names = [self.name(part) for part in path]
        if len(names) > 4:  # deeper than catalog.db.table.column: a chain of field accesses
            deep: exp.Expr = exp.column(names[3], *reversed(names[:3]))
            for part in names[4:]:
                deep = exp.Dot(this=deep, expression=exp.to_identifier(part))
            return deep
        # A struct field reads like a qualified column: userIdentity.sessionContext.x.arn.
        return exp.column(names[-1], *reversed(names[:-1]))

    def identity(self, *path: str) -> exp.Expr:
        """A ``userIdentity`` field, empty text read as absent."""
        return blank_null(self.field("userIdentity", *path))

    def principal(self) -> exp.Expr:
        """ctir's normalised principal (see normalise: service, SSO user id, ARN...)."""
        kind = self.field("userIdentity", "type")
        return exp.Coalesce(
            this=exp.case().when(kind.eq("AWSService"), self.identity("invokedBy")),
            expressions=[
                exp.case().when(
                    kind.eq("IdentityCenterUser"),
                    self.field("userIdentity", "onBehalfOf", "userId"),
                ),
                self.identity("arn"),
                self.identity("userName"),
                self.identity("principalId"),
                self.identity("invokedBy"),
                self.identity("accountId"),
            ],
        )

    def mfa(self) -> exp.Expr:
        """The session's ``mfaAuthenticated``, true or false (null when absent)."""
        session = exp.Lower(
            this=self.field("userIdentity", "sessionContext", "attributes", "mfaAuthenticated")
        )
        return exp.case().when(session.is_(exp.null()).not_(), session.eq("true"))

    def mfa_used(self) -> exp.Expr:
        """A console login's ``MFAUsed``, yes or no (null for other events)."""
        used = exp.Lower(this=blank_null(self.json("additionalEventData", "MFAUsed")))
        console = self.field("eventName").eq("ConsoleLogin")
        return exp.case().when(exp.and_(console, used.is_(exp.null()).not_()), used.eq("yes"))

    def outcome(self) -> exp.Expr:
        """``denied``, ``failure`` or ``success``, as :mod:`ctir_tui.engine.pipeline.normalise`."""
        code = blank_null(self.field("errorCode"))
        denied = exp.RegexpLike(this=exp.Lower(this=code), expression=exp.Literal.string(DENIED))
        failed_login = exp.or_(
            self.json("responseElements", "ConsoleLogin").eq("Failure"),
            exp.and_(code.is_(exp.null()), self.field("errorMessage").eq(FAILED_LOGIN)),
        )
        return (
            exp.case()
            .when(exp.and_(code.is_(exp.null()).not_(), denied), exp.Literal.string("denied"))
            .when(
                exp.or_(
                    code.is_(exp.null()).not_(), exp.func("COALESCE", failed_login, exp.false())
                ),
                exp.Literal.string("failure"),
            )
            .else_(exp.Literal.string("success"))
        )

    def column(self, name: str) -> exp.Expr:
        """The SQL form of canonical column ``name``.

        Raises:
            NotExpressible: ctir's own columns, and fields the table does not have.
        """
        derive = self._columns().get(name)
        if derive is None:
            if name in (c.SOURCE_FILE, c.FILE_ID, c.REC_INDEX):
                why = _LOCAL
            elif name in _DERIVED:
                why = _DERIVED_WHY
            else:
                why = "no such field"
            raise NotExpressible(name, why)
        return derive()

    def _columns(self) -> dict[str, Callable[[], exp.Expr]]:
        f = self.field
        return {
            c.TIME: self.time,
            c.EVENT_NAME: lambda: f("eventName"),
            c.EVENT_SOURCE: lambda: f("eventSource"),
            c.REGION: lambda: f("awsRegion"),
            c.SOURCE_IP: lambda: f("sourceIPAddress"),
            c.USER_AGENT: lambda: f("userAgent"),
            c.IDENTITY_TYPE: lambda: f("userIdentity", "type"),
            c.PRINCIPAL: self.principal,
            c.PRINCIPAL_ARN: lambda: self.identity("arn"),
            c.PRINCIPAL_ID: lambda: self.identity("principalId"),
            c.ACCOUNT_ID: lambda: self.identity("accountId"),
            c.ACCESS_KEY_ID: lambda: self.identity("accessKeyId"),
            c.USER_NAME: lambda: self.identity("userName"),
            c.SESSION_ISSUER_ARN: lambda: self.identity("sessionContext", "sessionIssuer", "arn"),
            c.MFA: self.mfa,
            c.MFA_USED: self.mfa_used,
            c.OUTCOME: self.outcome,
            c.SESSION_ISSUER_TYPE: lambda: self.identity("sessionContext", "sessionIssuer", "type"),
            c.SESSION_ISSUER_NAME: lambda: self.identity(
                "sessionContext", "sessionIssuer", "userName"
            ),
            c.ASSUMED_ROLE_ARN: lambda: blank_null(
                self.json("responseElements", "assumedRoleUser", "arn")
            ),
            c.SOURCE_IDENTITY: self.source_identity,
            c.INVOKED_BY: lambda: self.identity("invokedBy"),
            c.ERROR_CODE: lambda: blank_null(f("errorCode")),
            c.ERROR_MESSAGE: lambda: f("errorMessage"),
            c.READ_ONLY: self.read_only,
            c.EVENT_TYPE: lambda: f("eventType"),
            c.EVENT_CATEGORY: lambda: f("eventCategory"),
            c.EVENT_ID: lambda: blank_null(f("eventID")),
            c.REQUEST_ID: lambda: f("requestID"),
            c.RECIPIENT_ACCOUNT_ID: lambda: f("recipientAccountId"),
            c.CONSOLE_LOGIN: lambda: self.json("responseElements", "ConsoleLogin"),
            c.ISSUED_ACCESS_KEY_ID: lambda: blank_null(
                self.json("responseElements", "credentials", "accessKeyId")
            ),
        }


def _json_path(keys: tuple[str, ...]) -> exp.Literal:
    # Keys are ctir's own constants (record field names), never values from a log.
    return exp.Literal.string("$." + ".".join(keys))


@dataclass(frozen=True)
class AthenaShape(Shape):
    """AWS's partition-projected CloudTrail table in Athena (engine v3, Trino)."""

    dialect: ClassVar[str] = "athena"
    writes: ClassVar[str] = "athena"

    def source(self) -> exp.Table:
        """``[database.]table``."""
        db, _, name = self.table.rpartition(".")
        return exp.table_(name, db=db or None)

    def name(self, field: str) -> str:
        """Hive lower-cases every column and struct field."""
        return field.lower()

    def json(self, field: str, *keys: str) -> exp.Expr:
        """``json_extract_scalar(field, '$.a.b')``: the object is JSON text."""
        return exp.JSONExtractScalar(this=self.field(field), expression=_json_path(keys))

    def json_text(self, field: str) -> exp.Expr:
        """The column already holds the object as JSON text."""
        return self.field(field)

    def read_only(self) -> exp.Expr:
        """``readonly`` holds the JSON boolean as text."""
        return exp.Lower(this=self.field("readOnly")).eq("true")

    def time(self) -> exp.Expr:
        """``eventtime`` is ISO 8601 text; TRY makes a malformed one null instead of an error."""
        return exp.Try(this=exp.FromISO8601Timestamp(this=self.field("eventTime")))

    def time_literal(self, moment: datetime) -> exp.Expr:
        """``from_iso8601_timestamp('2025-03-11T10:00:00Z')``."""
        text = as_utc(moment).isoformat().replace("+00:00", "Z")
        return exp.FromISO8601Timestamp(this=exp.Literal.string(text))

    def source_identity(self) -> exp.Expr:
        """The documented table does not declare it."""
        raise NotExpressible(
            c.SOURCE_IDENTITY, "Athena's CloudTrail table has no sessionContext.sourceIdentity"
        )

    def output(self) -> list[exp.Expr]:
        """Every column of the table, the ``timestamp`` partition included."""
        from ctir_tui.engine.export.sql.ddl import athena_columns

        return [exp.column(name, quoted=name == "timestamp") for name in athena_columns()]

    def partition(self, first: date | None, last: date | None) -> exp.Expr | None:
        """``"timestamp" BETWEEN 'yyyy/MM/dd' AND 'yyyy/MM/dd'`` (or one side of it)."""
        day = exp.column("timestamp", quoted=True)

        def text(d: date) -> exp.Literal:
            return exp.Literal.string(d.strftime("%Y/%m/%d"))

        if first is not None and last is not None:
            return day.between(text(first), text(last))
        if first is not None:
            return day >= text(first)
        if last is not None:
            return day <= text(last)
        return None


@dataclass(frozen=True)
class LakeShape(Shape):
    """A CloudTrail Lake event data store of CloudTrail events."""

    dialect: ClassVar[str] = "lake"
    writes: ClassVar[str] = "trino"

    def source(self) -> exp.Table:
        """The event data store's ID, bare, as Lake's FROM takes it (checked: letters,
        digits, hyphens and underscores only)."""
        return exp.Table(this=exp.Identifier(this=self.table, quoted=False))

    def name(self, field: str) -> str:
        """The record's own names (Lake's identifiers are case-insensitive)."""
        return field

    def json(self, field: str, *keys: str) -> exp.Expr:
        """``element_at(map, 'k')``; deeper keys are JSON text inside the map's value."""
        top = exp.Anonymous(
            this="element_at", expressions=[self.field(field), exp.Literal.string(keys[0])]
        )
        if len(keys) == 1:
            return top
        return exp.JSONExtractScalar(this=top, expression=_json_path(keys[1:]))

    def json_text(self, field: str) -> exp.Expr:
        """``json_format(CAST(map AS JSON))``: the map written out as JSON text."""
        return exp.JSONFormat(this=exp.cast(self.field(field), exp.DataType.build("JSON")))

    def read_only(self) -> exp.Expr:
        """A boolean already."""
        return self.field("readOnly")

    def time(self) -> exp.Expr:
        """A timestamp already."""
        return self.field("eventTime")

    def time_literal(self, moment: datetime) -> exp.Expr:
        """``CAST('2025-03-11 10:00:00' AS TIMESTAMP)`` (Lake's times are UTC)."""
        text = as_utc(moment).replace(tzinfo=None).isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), T.TIMESTAMP)

    def source_identity(self) -> exp.Expr:
        """Lake's schema has it."""
        return self.identity("sessionContext", "sourceIdentity")

    def output(self) -> list[exp.Expr]:
        """Every field of the store (its schema grows as CloudTrail adds fields)."""
        return [exp.Star()]


def shape_for(dialect: str, table: str | None) -> Shape:
    """The table shape of ``dialect`` (``athena`` or ``lake``) named ``table``.

    Raises:
        FilterError: Unknown dialect, or a table name the engine would not take.
    """
    if dialect == "athena":
        name = DEFAULT_ATHENA_TABLE if table is None else table
        if not _ATHENA_NAME.fullmatch(name):
            raise FilterError(
                f"bad Athena table '{shown(name)}': expected NAME or DATABASE.NAME "
                "(letters, digits, underscores)"
            )
        return AthenaShape(name)
    if dialect == "lake":
        name = DEFAULT_LAKE_TABLE if table is None else table
        arn = _LAKE_ARN.fullmatch(name)
        name = arn.group(1) if arn else name
        if not _LAKE_ID.fullmatch(name):
            raise FilterError(
                f"bad event data store '{shown(name)}': expected its ID (or ARN), "
                "letters, digits, hyphens"
            )
        return LakeShape(name)
    raise FilterError(f"unknown SQL dialect '{shown(dialect)}': expected athena or lake")
