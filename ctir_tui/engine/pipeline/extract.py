"""Records -> columns: the one loop over records, run in the parsing workers.

Every record of a file, typed (:class:`~ctir_tui.engine.readers.typed.Record`), becomes one
row of text columns (typed later by :mod:`.normalise` with Polars) and one row of the text
store (its request, response, additional data and resources as the JSON it holds). The loop
is the hot path of a load, so it does the least Python work per record: the fields are
already strings (the typed decode guarantees it), columns that are mostly empty are kept
sparse, and only the events that need it have their parameters or response decoded.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Final

import msgspec
import polars as pl

from ctir_tui.engine.pipeline.targets import Rule, table, targets
from ctir_tui.engine.readers.typed import ANY, Record
from ctir_tui.engine.schema import FILE_ID, REC_INDEX
from ctir_tui.engine.times import epoch_ms_to_iso

#: Columns filled for (nearly) every record, in the order :meth:`Columns.add` appends them.
DENSE: Final = (
    "event_time",
    "event_name",
    "event_source",
    "region",
    "source_ip",
    "user_agent",
    "identity_type",
    "principal_id",
    "principal_arn",
    "account_id",
    "access_key_id",
    "user_name",
    "invoked_by",
    "issuer_type",
    "issuer_arn",
    "issuer_name",
    "mfa_authenticated",
    "error_code",
    "error_message",
    "read_only",
    "event_type",
    "event_category",
    "event_id",
    "request_id",
    "recipient_account_id",
)
#: Columns filled for a few records: kept as (row, value) pairs.
SPARSE: Final = (
    "on_behalf_of",
    "source_identity",
    "console_login",
    "mfa_used",
    "issued_access_key_id",
    "assumed_role_arn",
    "target",
    "target_accounts",
    "flags",
    "notes",
)
#: Every text column a worker hands over.
RAW_COLUMNS: Final = (*DENSE, *SPARSE)
#: Byte columns of the text store.
TEXT_COLUMNS: Final = ("request_json", "response_json", "additional_json", "resources_json")
#: Most rejected records kept with their reason per file (all are counted).
MAX_REJECT_DETAILS: Final = 100
#: Top-level keys every trail record holds once, and the column each fills: more
#: occurrences in a file than rows holding them means some record repeats one (see
#: :meth:`Columns.suspicious_keys`). A few, because each costs a pass over the bytes.
CHECKED_KEYS: Final = (
    (b'"eventName"', "event_name"),
    (b'"sourceIPAddress"', "source_ip"),
)
#: Events whose response hands out credentials (the key of a new session, or a new key).
ISSUING: Final = frozenset(
    {
        "AssumeRole",
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "GetSessionToken",
        "GetFederationToken",
        "GetRoleCredentials",
        "CreateAccessKey",
    }
)
_CONSOLE: Final = "ConsoleLogin"
_NO_RULES: Final[tuple[Rule, ...]] = ()


def _is_null(raw: msgspec.Raw) -> bool:
    return not raw or (len(raw) == 4 and bytes(memoryview(raw)) == b"null")


def _decoded(raw: msgspec.Raw) -> Any:
    if _is_null(raw):
        return None
    try:
        return ANY.decode(raw)
    except (msgspec.DecodeError, RecursionError, ValueError):
        return None


def _bytes(raw: msgspec.Raw) -> bytes | None:
    return None if _is_null(raw) else bytes(memoryview(raw))


def _time(value: str | int | float | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    # Epoch seconds or milliseconds (a trail writes ISO text; some exporters do not).
    return epoch_ms_to_iso(value if abs(value) > 1e11 else value * 1000)


def _text(value: Any) -> str | None:
    return None if value is None else value if value.__class__ is str else str(value)


#: Rows held as Python lists before they are turned into columns (a huge file is read in
#: slices: its rows would otherwise cost ~2 KB each as Python strings).
SPILL_ROWS: Final = 65_536


class Columns:
    """Column lists for the rows of one batch of files, and their text-store rows.

    Rows are numbered across the whole batch. :meth:`spill` turns the rows held so far into
    column chunks (and writes their texts to ``spill_dir``), so memory stays bounded by a
    slice, not by the size of a file.
    """

    def __init__(self, spill_dir: Path | None = None) -> None:
        self._spill_dir = spill_dir
        #: Rows already spilled; the lists below hold the rows after them.
        self._offset = 0
        self._chunks: list[tuple[int, pl.DataFrame]] = []
        self._text_chunks: list[tuple[int, pl.DataFrame | Path]] = []
        self._reset()
        self._table = table()
        self._rules: dict[str, tuple[Rule, ...]] = {}

    def _reset(self) -> None:
        self.dense: dict[str, list[str | None]] = {name: [] for name in DENSE}
        self.sparse: dict[str, tuple[list[int], list[str]]] = {n: ([], []) for n in SPARSE}
        self.texts: dict[str, list[bytes | None]] = {name: [] for name in TEXT_COLUMNS}
        self.file_ids: list[int] = []
        self.rec_index: list[int] = []
        self._appends = tuple(self.dense[name].append for name in DENSE)
        self._text_appends = tuple(self.texts[name].append for name in TEXT_COLUMNS)
        #: Flags found after a row was added: (row, flag, note).
        self.flagged: list[tuple[int, str, str]] = []

    def __len__(self) -> int:
        return self._offset + len(self.file_ids)

    def spill(self, at_least: int = SPILL_ROWS) -> None:
        """Turn the rows held as lists into column chunks, when there are ``at_least``.

        Call it only where no row before it will be flagged or checked again (between
        files, or between slices of one file).
        """
        held = len(self.file_ids)
        if not held or held < at_least:
            return
        main, texts = self._build()
        first = self._offset
        self._chunks.append((first, main))
        self._text_chunks.append((first, self._spill_texts(first, texts)))
        self._offset += held
        self._reset()

    def _put(self, name: str, row: int, value: str | None) -> None:
        if value is not None:
            rows, values = self.sparse[name]
            rows.append(row)
            values.append(value)

    def add(self, rec: Record, file_id: int, index: int) -> None:
        """Append one record's row."""
        row = len(self.file_ids)
        (a_time, a_name, a_source, a_region, a_ip, a_agent, a_kind, a_pid, a_arn, a_account,
         a_key, a_user, a_invoked, a_itype, a_iarn, a_iname, a_mfa, a_code, a_message,
         a_read, a_etype, a_category, a_id, a_request, a_recipient) = self._appends  # fmt: skip
        insight = rec.insightDetails
        name = rec.eventName
        source = rec.eventSource
        if name is None and insight is not None:
            name, source = insight.eventName, source or insight.eventSource
        a_time(_time(rec.eventTime if rec.eventTime is not None else rec.timestamp))
        a_name(name)
        a_source(source)
        a_region(rec.awsRegion)
        ip = rec.sourceIPAddress
        if ip is None and rec.network is not None and rec.network.client is not None:
            ip = rec.network.client.ip
        a_ip(ip)
        a_agent(
            rec.userAgent if rec.userAgent is not None or rec.http is None else rec.http.useragent
        )
        ui = rec.userIdentity
        if ui is None:
            for append in (a_kind, a_pid, a_arn, a_account, a_key, a_user, a_invoked):
                append(None)
            ctx = None
        else:
            a_kind(ui.type)
            a_pid(ui.principalId)
            a_arn(ui.arn)
            a_account(ui.accountId)
            a_key(ui.accessKeyId)
            a_user(ui.userName)
            a_invoked(ui.invokedBy)
            ctx = ui.sessionContext
            if ui.onBehalfOf is not None:
                self._put("on_behalf_of", row, ui.onBehalfOf.userId)
        issuer = ctx.sessionIssuer if ctx is not None else None
        if issuer is None:
            a_itype(None)
            a_iarn(None)
            a_iname(None)
        else:
            a_itype(issuer.type)
            a_iarn(issuer.arn)
            a_iname(issuer.userName)
        attrs = ctx.attributes if ctx is not None else None
        a_mfa(_text(attrs.mfaAuthenticated) if attrs is not None else None)
        if ctx is not None and ctx.sourceIdentity is not None:
            self._put("source_identity", row, ctx.sourceIdentity)
        a_code(rec.errorCode)
        a_message(rec.errorMessage)
        a_read(_text(rec.readOnly))
        a_etype(rec.eventType)
        a_category(rec.eventCategory)
        a_id(rec.eventID)
        a_request(rec.requestID)
        a_recipient(rec.recipientAccountId)
        if name is not None:
            if name == _CONSOLE or name in ISSUING:
                self._response(rec, name, row)
            rules = self._rules.get(name)
            if rules is None:
                rules = self._rules[name] = self._table.rules(name)
            if rules:
                found, accounts = targets(rules, _decoded(rec.requestParameters))
                self._put("target", row, found)
                self._put("target_accounts", row, ",".join(accounts) or None)
        if rec.flags:
            self._put("flags", row, ",".join(rec.flags))
            self._put("notes", row, rec.notes)
        t_request, t_response, t_additional, t_resources = self._text_appends
        t_request(_bytes(rec.requestParameters))
        t_response(_bytes(rec.responseElements))
        t_additional(_bytes(rec.additionalEventData))
        t_resources(_bytes(rec.resources))
        self.file_ids.append(file_id)
        self.rec_index.append(index)

    def _response(self, rec: Record, name: str, row: int) -> None:
        got = _decoded(rec.responseElements)
        if not isinstance(got, dict):
            got = {}
        if name == _CONSOLE:
            self._put("console_login", row, _text(got.get("ConsoleLogin")))
            extra = _decoded(rec.additionalEventData)
            if isinstance(extra, dict):
                self._put("mfa_used", row, _text(extra.get("MFAUsed")))
            return
        creds = got.get("credentials") or got.get("roleCredentials") or got.get("accessKey")
        if isinstance(creds, dict):
            self._put("issued_access_key_id", row, _text(creds.get("accessKeyId")))
        user = got.get("assumedRoleUser") or got.get("federatedUser")
        if isinstance(user, dict):
            self._put("assumed_role_arn", row, _text(user.get("arn")))

    def flag(self, row: int, flag: str, note: str) -> None:
        """Add a suspicion flag and its note to a row already added."""
        self.flagged.append((row, flag, note))

    def _spill_texts(self, first: int, texts: pl.DataFrame) -> pl.DataFrame | Path:
        """Write a chunk's texts to the spill folder; kept in memory if it cannot be."""
        if self._spill_dir is None or not texts.height:
            return texts
        path = self._spill_dir / f"texts-{first}-{uuid.uuid4().hex[:8]}.parquet"
        try:
            self._spill_dir.mkdir(parents=True, exist_ok=True)
            _storable(texts).write_parquet(path, compression="lz4", statistics=False)
        except OSError:
            return texts
        return path

    def truncate(self, length: int) -> None:
        """Drop the rows added after the first ``length`` (a file that failed part-way)."""
        if length < self._offset:  # into the spilled chunks: cut them, drop the lists
            self._chunks = [
                (first, chunk.head(length - first))
                for first, chunk in self._chunks
                if first < length
            ]
            kept: list[tuple[int, pl.DataFrame | Path]] = []
            for first, texts in self._text_chunks:
                if first < length:
                    frame = pl.read_parquet(texts) if isinstance(texts, Path) else texts
                    kept.append((first, frame.head(length - first)))
            self._text_chunks = kept
            self._offset = length
            self._reset()
            return
        length -= self._offset
        for dense in self.dense.values():
            del dense[length:]
        for text in self.texts.values():
            del text[length:]
        for rows, values in self.sparse.values():
            keep = sum(1 for r in rows if r < length)
            del rows[keep:], values[keep:]
        self.flagged = [f for f in self.flagged if f[0] < length]
        del self.file_ids[length:], self.rec_index[length:]

    def suspicious_keys(self, data: bytes, start: int) -> bool:
        """Whether ``data`` names a checked key more often than its rows (from ``start``) hold it.

        Nested objects may repeat these names legitimately, so a true answer asks for the
        exact check (which reads every record with the standard library), not a verdict.
        Only what happened (eventName) and where from (sourceIPAddress) are counted: each
        key costs a pass over the bytes. A key spelt with ``\\u`` escapes is not counted.
        """
        start -= self._offset
        if start < 0:
            raise ValueError("the rows to check were spilled already")
        rows = len(self.file_ids) - start
        for key, column in CHECKED_KEYS:
            held = rows - self.dense[column][start:].count(None)
            if data.count(key) > held:
                return True
        return False

    def frames(self) -> tuple[pl.DataFrame, pl.LazyFrame]:
        """The batch as (main text columns, text store columns), keyed by file and record.

        The text store columns are lazy: spilled chunks are read back only when written.
        """
        main, texts = self._build()
        if not self._chunks:
            return main, _storable(texts).lazy()
        mains = [chunk for _first, chunk in self._chunks]
        parts = [
            pl.scan_parquet(t) if isinstance(t, Path) else _storable(t).lazy()
            for _first, t in self._text_chunks
        ]
        return pl.concat([*mains, main], rechunk=False), pl.concat(
            [*parts, _storable(texts).lazy()]
        )

    def _build(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        height = len(self.file_ids)

        def keys() -> dict[str, pl.Series]:
            return {
                FILE_ID: pl.Series(FILE_ID, self.file_ids, dtype=pl.UInt32),
                REC_INDEX: pl.Series(REC_INDEX, self.rec_index, dtype=pl.UInt32),
            }

        columns = {name: pl.Series(name, v, dtype=pl.String) for name, v in self.dense.items()}
        self._merge_flags()
        for name, (rows, values) in self.sparse.items():
            full = pl.repeat(None, height, dtype=pl.String, eager=True).alias(name)
            if rows:
                full = full.scatter(rows, pl.Series(values, dtype=pl.String))
            columns[name] = full
        texts = pl.DataFrame(
            {**keys(), **{n: pl.Series(n, v, dtype=pl.Binary) for n, v in self.texts.items()}}
        )
        main = pl.DataFrame({**columns, "resources": _arns(texts), **keys()})
        return main, texts

    def _merge_flags(self) -> None:
        """Fold the flags found late into the sparse flags and notes, one entry per row."""
        if not self.flagged:
            return
        for name, position in (("flags", 1), ("notes", 2)):
            rows, values = self.sparse[name]
            merged = dict(zip(rows, values, strict=True))
            sep = "," if name == "flags" else "; "
            for item in self.flagged:
                row, text = item[0] - self._offset, str(item[position])
                if row < 0:
                    raise ValueError("a flag for a row spilled already")
                merged[row] = f"{merged[row]}{sep}{text}" if row in merged else text
            ordered = sorted(merged.items())
            self.sparse[name] = ([r for r, _ in ordered], [v for _, v in ordered])
        self.flagged = []


def _storable(texts: pl.DataFrame) -> pl.DataFrame:
    """Text-store rows as written to Parquet: the texts as strings (UTF-8 already)."""
    return texts.with_columns(pl.exclude(FILE_ID, REC_INDEX).cast(pl.String, strict=False))


_RESOURCE: Final = pl.List(pl.Struct({"ARN": pl.String, "arn": pl.String}))


def _arns(texts: pl.DataFrame) -> pl.Series:
    """The ARNs of each record's ``resources[]`` (decoded in Polars, not per record)."""
    raw = texts.get_column("resources_json").cast(pl.String, strict=False)
    try:
        decoded = raw.str.json_decode(_RESOURCE)
    except pl.exceptions.PolarsError:
        # An odd producer: decode record by record, keeping what has the usual shape.
        rows = []
        for text in raw.to_list():
            value = _decoded(msgspec.Raw(text.encode())) if text else None
            items = value if isinstance(value, list) else []
            rows.append([i for i in items if isinstance(i, dict)])
        decoded = pl.Series(rows, dtype=_RESOURCE, strict=False)
    arn = pl.coalesce(pl.element().struct.field("ARN"), pl.element().struct.field("arn"))
    return decoded.list.eval(arn).list.drop_nulls().alias("resources")
