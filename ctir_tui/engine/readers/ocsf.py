"""Amazon Security Lake: CloudTrail as OCSF API Activity (class 6003), Parquet or JSON.

Security Lake stores CloudTrail management events as OCSF in Parquet: ``api.operation``
(eventName), ``api.service.name`` (eventSource), ``actor.user.uid`` (the ARN in OCSF 1.1),
``src_endpoint.ip``, ``time`` in epoch milliseconds, ``metadata.uid`` (eventID), the rest
under ``unmapped``. Sources written in OCSF 1.0.0-rc.2 name the identity differently
(``actor.user.uuid`` the ARN, ``actor.user.uid`` the principal id, ``account_uid``,
``session.mfa``); each row is read by its ``metadata.version``. The mapping is ``[ocsf]``
in ``tables.toml``; the field names follow AWS's CloudTrail-to-OCSF mappings (the
ocsf-mappings event dossiers for 1.0.0-rc.2 and 1.1.0). Fixtures:
``tests/readers/fixtures/ocsf-*``.

Parquet of the Athena table (``UNLOAD``) is recognised here too, by its columns.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Final

import orjson
import polars as pl

from ctir_tui.engine.readers.base import Parsed, Reader
from ctir_tui.engine.readers.framing import element_spans, skip_ws
from ctir_tui.engine.readers.json_lines import iter_lines
from ctir_tui.engine.readers.query_results import is_sql_header, sql_table
from ctir_tui.engine.readers.table_files import (
    CUT_NOTE,
    PARQUET_MAGIC,
    cut_cells,
    flat_from_json,
    frame_row_text,
    nested_flat,
    parquet_frame,
)
from ctir_tui.engine.readers.tabular import Table, mapping, record_lines
from ctir_tui.engine.readers.typed import FLAG_DUPLICATE_KEYS

NO_OPERATION: Final = "not an OCSF API Activity event (no api.operation)"


def is_ocsf_columns(names: list[str]) -> bool:
    """Whether top-level column names are OCSF's (an ``api`` object, a class)."""
    lowered = {n.lower() for n in names}
    return "api" in lowered and ({"class_uid", "metadata", "actor"} & lowered) != set()


def ocsf_table(flat: pl.DataFrame, row_text: Any, flagged: list[tuple[int, str, str]]) -> Table:
    """Map a flat frame of OCSF paths to record lines."""
    flat, cut = cut_cells(flat)
    flagged = flagged + [(row, "cut-cell", CUT_NOTE) for row in cut]
    return Table(record_lines(flat, mapping("ocsf")), row_text, NO_OPERATION, flagged=flagged)


class ParquetReader(Reader):
    """Parquet: Security Lake's OCSF, or the Athena table's columns from ``UNLOAD``."""

    shape: ClassVar[str] = "parquet"

    def sniff(self, head: bytes) -> int:
        """Parquet's magic bytes."""
        return 100 if head.startswith(PARQUET_MAGIC) else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Decide by the columns, then map the rows."""
        try:
            frame = parquet_frame(data)
        except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
            return Parsed(shape="parquet", error=f"unreadable Parquet ({str(exc)[:200]})")
        try:
            return self._map(frame)
        except pl.exceptions.PolarsError as exc:
            return Parsed(shape="parquet", error=f"could not map its columns ({str(exc)[:200]})")

    def _map(self, frame: pl.DataFrame) -> Parsed:
        row_text = frame_row_text(frame)
        if is_ocsf_columns(frame.columns):
            flat = nested_flat(frame, mapping("ocsf").sources(), fold_case=False)
            return Parsed(shape="ocsf-parquet", table=ocsf_table(flat, row_text, []))
        if is_sql_header(frame.columns):
            flat = nested_flat(frame, mapping("sql").sources(), fold_case=True)
            return Parsed(shape="athena-parquet", table=sql_table(flat, row_text, []))
        shown = ", ".join(frame.columns[:8])
        return Parsed(shape="parquet", skip=f"Parquet, but not CloudTrail or OCSF ({shown})")


def _repeats(text: str) -> str | None:
    """Name the keys an object repeats, at any depth (CloudTrail and OCSF never do)."""
    found: list[str] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, list[Any]] = {}
        for key, value in pairs:
            seen.setdefault(key, []).append(value)
        for key, values in seen.items():
            if len(values) > 1:
                shown = " / ".join(json.dumps(v)[:80] for v in values)
                found.append(f"{key} given {len(values)} times: {shown}")
        return dict(pairs)

    try:
        json.loads(text, object_pairs_hook=hook)
    except (ValueError, RecursionError):
        return None
    return "duplicate keys: " + "; ".join(found) if found else None


class OcsfJsonReader(Reader):
    """OCSF events as JSON: one per line, an array, or one object."""

    shape: ClassVar[str] = "ocsf-json"

    def sniff(self, head: bytes) -> int:
        """An OCSF class and an ``api`` object near the start."""
        if head[:1] not in (b"{", b"["):
            return 0
        return 92 if b'"class_uid"' in head and b'"api"' in head else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Each event flattened to the paths the mapping reads, then mapped as columns."""
        text = data.decode("utf-8", "replace")
        texts: list[str] = []
        reasons: dict[int, str] = {}
        values: list[dict[str, Any]] = []
        start = skip_ws(text, 0)
        if text.startswith("[", start):
            spans, damage = element_spans(text, start + 1)
            for value, a, b in spans:
                texts.append(text[a:b])
                values.append(value if isinstance(value, dict) else {})
            if damage:
                return None  # the salvage path reads it, and says what was lost
        else:
            for number, line in iter_lines(text):
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    reasons[len(values)] = f"line {number}: invalid JSON ({exc})"
                    value = {}
                texts.append(line)
                values.append(value if isinstance(value, dict) else {})
        flat = flat_from_json(values, mapping("ocsf").sources())
        flagged: list[tuple[int, str, str]] = []
        if data.count(b'"operation"') > len(values):
            for row, raw in enumerate(texts):
                note = _repeats(raw)
                if note:
                    flagged.append((row, FLAG_DUPLICATE_KEYS, note))
        table = ocsf_table(flat, texts.__getitem__, flagged)
        table.reasons = reasons
        return Parsed(shape=self.shape, table=table)
