"""One loaded investigation: the frame with tactic columns, its report and its raw records.

The CLI and the UI both open a :class:`Session` and ask it for filtered views.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from ctir_tui.engine.pipeline.dedup import sort_rows
from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, Progress, load_paths
from ctir_tui.engine.pipeline.raw import RawStore
from ctir_tui.engine.pipeline.report import LoadReport
from ctir_tui.engine.pipeline.texts import TextStore
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.marks import CaseMarks
from ctir_tui.engine.query.texts import TextSearch
from ctir_tui.engine.schema import TIME
from ctir_tui.engine.tactics.data import load_mapping
from ctir_tui.engine.tactics.matrix import add_tactic_columns
from ctir_tui.engine.tactics.model import Mapping


@dataclass(slots=True)
class Session:
    """A loaded set of events and everything needed to explore them."""

    frame: pl.DataFrame
    report: LoadReport
    mapping: Mapping
    raw: RawStore
    texts: TextStore
    paths: list[str]
    warnings: list[str] = field(default_factory=list)
    #: The newest event time (relative filters such as ``6h`` count back from it).
    newest: datetime | None = None
    #: The case's marks and tags that ``marked`` and ``tag`` clauses read when a view is
    #: asked for without its own (the explorer keeps it current as the responder marks).
    case: CaseMarks | None = None
    #: Free text over ``texts`` (the ``text`` clause), with its recent answers.
    text_search: TextSearch = field(init=False)
    #: Names meaning the same tactic, for tactic clauses (see :meth:`Mapping.tactic_aliases`).
    tactic_aliases: dict[str, frozenset[str]] = field(init=False)
    #: False for the rows of a load still running (see :meth:`so_far`).
    complete: bool = True

    def __post_init__(self) -> None:
        self.text_search = TextSearch(self.texts)
        self.tactic_aliases = self.mapping.tactic_aliases()

    @classmethod
    def open(
        cls,
        paths: Sequence[Path | str],
        options: LoadOptions | None = None,
        *,
        mapping: Mapping | None = None,
        progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
        partial: Callable[[LoadResult], None] | None = None,
    ) -> Session:
        """Load ``paths`` and prepare them for exploration.

        Raises:
            MissingPathError: A given path does not exist.
            LoadCancelled: ``cancel`` was set during the load.
        """
        mapping = mapping or load_mapping()
        result: LoadResult = load_paths(
            paths, options, progress=progress, cancel=cancel, partial=partial
        )
        return cls._of(result, result.frame, paths, options, mapping)

    @classmethod
    def so_far(
        cls,
        rows: LoadResult,
        paths: Sequence[Path | str],
        options: LoadOptions | None = None,
        *,
        mapping: Mapping | None = None,
    ) -> Session:
        """A session over the rows of a load still running (``partial`` of :meth:`open`).

        The rows are put in time order and get their tactics; re-delivered copies are still
        among them (they are dropped when the load completes), and ``complete`` is False.
        """
        mapping = mapping or load_mapping()
        session = cls._of(rows, sort_rows(rows.frame), paths, options, mapping)
        session.complete = False
        return session

    @classmethod
    def _of(
        cls,
        result: LoadResult,
        frame: pl.DataFrame,
        paths: Sequence[Path | str],
        options: LoadOptions | None,
        mapping: Mapping,
    ) -> Session:
        frame = add_tactic_columns(frame, mapping)
        latest = frame.get_column(TIME).max() if frame.height else None
        return cls(
            frame=frame,
            report=result.report,
            mapping=mapping,
            raw=RawStore(result.sources, options.limits if options else None),
            texts=result.texts,
            paths=[str(p) for p in paths],
            warnings=[*mapping.warnings, *result.warnings],
            newest=latest if isinstance(latest, datetime) else None,
        )

    def view(
        self, filters: Filters, *, extended: bool = False, case: CaseMarks | None = None
    ) -> pl.DataFrame:
        """The events matching ``filters``, in time order.

        ``case`` carries the current marks and tags for ``marked`` and ``tag`` clauses
        (see :meth:`ctir_tui.engine.case.store.CaseStore.marks`); without it, :attr:`case`.
        """
        if not filters.clauses:
            return self.frame
        return self.frame.filter(self.expr(filters, extended=extended, case=case))

    def expr(
        self,
        filters: Filters,
        *,
        extended: bool = False,
        case: CaseMarks | None = None,
        frame: pl.DataFrame | None = None,
    ) -> pl.Expr:
        """The boolean expression of ``filters`` over ``frame`` (default: the whole frame),
        with everything beside the frame a clause may read: the text store, tactic names."""
        return filters.to_expr(
            self.frame if frame is None else frame,
            extended=extended,
            newest=self.newest,
            case=case if case is not None else self.case,
            texts=self.text_search,
            tactic_aliases=self.tactic_aliases,
        )

    def original(self, file_id: int, rec_index: int, event_id: str | None = None) -> str:
        """The original text of one record (see :class:`RawStore`)."""
        return self.raw.get(file_id, rec_index, event_id)
