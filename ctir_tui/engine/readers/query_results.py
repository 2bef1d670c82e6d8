"""What Athena and CloudTrail Lake return: result CSVs, Parquet from UNLOAD, Lake's JSON.

* **Athena** over AWS's "CloudTrail table with partition projection" (the table ``ctir sql
  --ddl athena`` creates): the console's result CSV (every cell quoted, lower-case column
  names, ``useridentity`` as Trino's ROW text ``{type=IAMUser, ...}`` or as JSON when cast,
  ``requestparameters`` JSON text), or Parquet written by ``UNLOAD`` (``useridentity`` a
  struct). Fixtures: ``tests/readers/fixtures/athena-*``.
* **CloudTrail Lake**: the console's CSV download (camelCase names, ``eventTime`` as
  ``2026-03-01 10:00:00.000`` UTC, maps as ``{key=value, ...}``), and the JSON of ``aws
  cloudtrail get-query-results`` (``QueryResultRows``: each row a list of one-member
  objects). Fixtures: ``tests/readers/fixtures/lake-*``.

Both map through ``[sql]`` in ``tables.toml``; Parquet files of OCSF are :mod:`.ocsf`'s.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import orjson
import polars as pl

from ctir_tui.engine.readers.base import Parsed, Reader
from ctir_tui.engine.readers.framing import scan_documents
from ctir_tui.engine.readers.table_files import (
    CUT_NOTE,
    CsvRows,
    csv_header,
    cut_cells,
    flat_from_json,
)
from ctir_tui.engine.readers.tabular import Table, mapping, record_lines
from ctir_tui.engine.readers.typed import FLAG_DUPLICATE_KEYS

#: Columns of the Athena table a result must show most of to be one.
SQL_COLUMNS: Final = frozenset(
    {
        "eventversion", "useridentity", "eventtime", "eventsource", "eventname", "awsregion",
        "sourceipaddress", "useragent", "errorcode", "errormessage", "requestparameters",
        "responseelements", "additionaleventdata", "requestid", "eventid", "readonly",
        "resources", "eventtype", "recipientaccountid", "eventcategory",
    }
)  # fmt: skip
NO_EVENT: Final = "not a CloudTrail event (no event name)"


def is_sql_header(names: list[str]) -> bool:
    """Whether column names are the CloudTrail table's (Athena's or CloudTrail Lake's)."""
    lowered = {n.strip().lower() for n in names}
    return "eventname" in lowered and len(lowered & SQL_COLUMNS) >= 5


def sql_table(flat: pl.DataFrame, row_text: Any, flagged: list[tuple[int, str, str]]) -> Table:
    """Map a flat frame of the CloudTrail table's columns to record lines."""
    flat, cut = cut_cells(flat)
    flagged = flagged + [(row, "cut-cell", CUT_NOTE) for row in cut]
    return Table(record_lines(flat, mapping("sql")), row_text, NO_EVENT, flagged=flagged)


class SqlResultCsvReader(Reader):
    """A result CSV of the CloudTrail table, from Athena or CloudTrail Lake."""

    shape: ClassVar[str] = "athena-csv"

    def sniff(self, head: bytes) -> int:
        """A header naming the table's columns."""
        names = csv_header(head)
        return 75 if names is not None and is_sql_header(names) else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Every row, mapped through ``[sql]``."""
        header = csv_header(data[:65536]) or []
        if not is_sql_header(header):
            return None
        # Athena's names are lower-case; CloudTrail Lake keeps the record's camelCase.
        shape = "lake-csv" if any(c.isupper() for name in header for c in name) else "athena-csv"
        try:
            rows = CsvRows(data)
            table = sql_table(rows.flat(), rows.row_text, rows.flagged())
        except pl.exceptions.PolarsError as exc:
            return Parsed(shape=shape, error=f"unreadable CSV ({str(exc)[:200]})")
        table.lossy = rows.note
        return Parsed(shape=shape, table=table)


class LakeJsonReader(Reader):
    """``aws cloudtrail get-query-results`` output, pages possibly concatenated."""

    shape: ClassVar[str] = "lake-json"

    def sniff(self, head: bytes) -> int:
        """The ``QueryResultRows`` member."""
        return 95 if head.startswith(b"{") and b'"QueryResultRows"' in head else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Each row's one-member objects merged into one row of the table's columns."""
        text = data.decode("utf-8", "replace")
        docs = scan_documents(text)
        if docs is None:
            return None
        rows: list[dict[str, Any]] = []
        originals: list[Any] = []
        flagged: list[tuple[int, str, str]] = []
        for doc, _a, _b in docs:
            if not isinstance(doc, dict) or not isinstance(doc.get("QueryResultRows"), list):
                continue
            for row in doc["QueryResultRows"]:
                cells = [c for c in row if isinstance(c, dict)] if isinstance(row, list) else []
                merged: dict[str, Any] = {}
                for cell in cells:
                    for key, value in cell.items():
                        name = key.lower()
                        if name in merged:
                            note = (
                                f"duplicate keys: {key} given twice: "
                                f"{orjson.dumps(merged[name]).decode()[:80]} / "
                                f"{orjson.dumps(value).decode()[:80]}"
                            )
                            flagged.append((len(rows), FLAG_DUPLICATE_KEYS, note))
                            continue
                        merged[name] = value
                rows.append(merged)
                originals.append(row)
        if not any(isinstance(d, dict) and "QueryResultRows" in d for d, _a, _b in docs):
            return None
        flat = flat_from_json(rows, mapping("sql").sources())

        def row_text(index: int) -> str:
            return orjson.dumps(originals[index]).decode()

        return Parsed(shape=self.shape, table=sql_table(flat, row_text, flagged))
