"""The console's Event history, downloaded as CSV: a lossy summary of each event.

The CloudTrail console's Event history offers "Download events" as CSV or JSON. The CSV
holds the table's columns (Event ID, Event time, User name, Event name, Event source,
Resource type, Resource name, AWS access key, AWS region, Error code, Source IP address,
Read-only, Request ID: the columns the AWS CloudTrail User Guide lists for the page) and
not the records: no request parameters, no response, no identity type or ARN. Every such
file is loaded and named in the load report with what it lacks; the JSON download (or
``lookup-events``) holds the whole records. Fixture:
``tests/readers/fixtures/event-history.csv``.
"""

from __future__ import annotations

from typing import ClassVar, Final

import polars as pl

from ctir_tui.engine.readers.base import Parsed, Reader
from ctir_tui.engine.readers.table_files import CUT_NOTE, CsvRows, csv_header, cut_cells
from ctir_tui.engine.readers.tabular import Table, mapping, record_lines

_NEEDED: Final = frozenset({"event name", "event time"})
_ANY_OF: Final = frozenset({"event id", "user name", "event source"})


def is_event_history(names: list[str]) -> bool:
    """Whether column names are the Event history page's."""
    lowered = {n.strip().lower() for n in names}
    return lowered >= _NEEDED and bool(lowered & _ANY_OF)


class EventHistoryCsvReader(Reader):
    """Event history's CSV download."""

    shape: ClassVar[str] = "event-history-csv"

    def sniff(self, head: bytes) -> int:
        """The page's column names."""
        names = csv_header(head)
        return 75 if names is not None and is_event_history(names) else 0

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Every row, mapped through ``[event_history]``, and what is lost said."""
        if not is_event_history(csv_header(data[:65536]) or []):
            return None
        try:
            return self._read(data)
        except pl.exceptions.PolarsError as exc:
            return Parsed(shape=self.shape, error=f"unreadable CSV ({str(exc)[:200]})")

    def _read(self, data: bytes) -> Parsed:
        rows = CsvRows(data)
        spec = mapping("event_history")
        flat, cut = cut_cells(rows.flat())
        flagged = rows.flagged() + [(r, "cut-cell", CUT_NOTE) for r in cut]
        lossy = (
            f"lossy: the console's Event history CSV ({len(rows):,} rows) has no "
            + ", ".join(spec.lost)
            + "; download the events as JSON (or use lookup-events) for the whole records"
        )
        if rows.note:
            lossy += "; " + rows.note
        table = Table(
            record_lines(flat, spec),
            rows.row_text,
            "not an event (no event name)",
            flagged=flagged,
            lossy=lossy,
        )
        return Parsed(shape=self.shape, table=table)
