"""What every reader produces, and the reader interface the registry tries.

A file's records are enumerated as *items* in document order; an item's position is its
``rec_index``, which :class:`~ctir_tui.engine.pipeline.raw.RawStore` uses to read the
original text back. A reader enumerates items in the same order whether or not it is asked
for the original texts (``want_raw``), so the index is stable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from ctir_tui.engine.readers.tabular import Table


@dataclass(slots=True)
class Item:
    """One record candidate: the record, or why it was rejected."""

    record: dict[str, Any] | None
    reason: str | None = None
    #: The record's original text (only when parsing with ``want_raw``).
    raw: str | None = None


@dataclass(slots=True)
class Parsed:
    """What one file held."""

    shape: str
    items: list[Item] = field(default_factory=list)
    #: Set when the file is not a log (or holds nothing to load): counted as skipped.
    skip: str | None = None
    #: Set when the file could not be read at all: counted as failed.
    error: str | None = None
    #: Set when a broken file was partly recovered.
    salvage: str | None = None
    #: Set by tabular shapes (CSV, Parquet, query results): a record line per row, built
    #: in Polars, instead of ``items``.
    table: Table | None = None


class Reader(ABC):
    """One input shape: how to recognise it and how to enumerate its records.

    The registry asks every reader to :meth:`sniff` the start of a file, then asks them to
    :meth:`read` it, highest score first, until one accepts. A reader that sniffed its
    shape but finds the content is not it after all returns ``None`` from :meth:`read`.
    """

    #: The shape's name, as shown in the load report.
    shape: ClassVar[str]

    @abstractmethod
    def sniff(self, head: bytes) -> int:
        """Score how specifically ``head`` (the first bytes, inflated) looks like this shape.

        Returns:
            0 when it cannot be this shape; higher scores for more specific evidence.
        """

    @abstractmethod
    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Enumerate the records of the whole (inflated) file, or ``None`` if not this shape."""
