"""The case on the main screen: marks that last, tags, notes, and the bundle.

:class:`CaseKeys` keeps the :class:`~ctir_tui.engine.case.store.CaseStore` of the evidence
open (found again whenever the same paths are opened), saves every mark (``m`` in the list),
tag (``+``) and note (``;``) at once, shows them in the list's gutter (``*`` marked, ``M``
malicious, ``R`` needs-review, ``B`` benign, ``#`` another tag) and on the case line under
it, keeps the session's view of the marks current (so ``marked`` and ``tag`` filters, and
``ctir PATH --marked``, see them), and writes the bundle (``X``) in a worker.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message

from ctir_tui.engine import schema as c
from ctir_tui.engine.case.bundle import BundleError, BundleResult, prepare_folder, select
from ctir_tui.engine.case.bundle import write_bundle as write_case_bundle
from ctir_tui.engine.case.marks import mark_key
from ctir_tui.engine.case.store import CaseStore
from ctir_tui.engine.pipeline.report import plural
from ctir_tui.engine.query.case_clauses import MarkedClause, TagClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.marks import check_tag
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.engine.times import iso_z
from ctir_tui.text import inert
from ctir_tui.ui.screens._finding import FindingScreen
from ctir_tui.ui.screens.case_prompts import (
    ExportAnswer,
    ExportPrompt,
    NoteAnswer,
    NotePrompt,
    TagAnswer,
    TagPrompt,
    suggested_folder,
)
from ctir_tui.ui.widgets.case_line import CaseLine
from ctir_tui.ui.widgets.event_list import EventList

#: The gutter's glyph for a marked event carrying a tag, most telling first.
TAG_GLYPHS: Final = (("malicious", "M"), ("needs-review", "R"), ("benign", "B"))
OTHER_TAG: Final = "#"


def glyph(tags: tuple[str, ...]) -> str:
    """The gutter glyph of a marked event with ``tags``."""
    for tag, mark in TAG_GLYPHS:
        if tag in tags:
            return mark
    return OTHER_TAG if tags else "*"


def describe(event: dict[str, Any]) -> str:
    """An event in one line: time, name, principal, source IP (raw: shown inert)."""
    when = event.get(c.TIME)
    parts = [iso_z(when) if when is not None else "-", event.get(c.EVENT_NAME)]
    parts += [event.get(c.PRINCIPAL), event.get(c.SOURCE_IP)]
    return "  ".join(str(p) for p in parts if p)


class CaseKeys(FindingScreen):
    """The case's keys and its store (see the module's docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus", "tag", "Tag event", id="case.tag", show=False),
        Binding("semicolon", "note", "Note", id="case.note", show=False),
        Binding("X", "export_case", "Export case", id="case.export", show=False),
    ]

    #: The case of the evidence (opened when the load finishes).
    case: CaseStore | None = None
    #: The evidence paths (the main screen's).
    paths: list[str]

    @dataclass
    class BundleWritten(Message):
        """The bundle worker finished (``result``) or failed (``error``)."""

        result: BundleResult | None
        error: str | None

    def open_case(self, session: Session) -> None:
        """Open the evidence's case and let the session's views read its marks.

        Called as the load finishes, before the first view: reading the case file is quick
        (one JSON file in the state directory), and ``--marked`` needs it at once.
        """
        try:
            self.case = CaseStore.open(session.paths)
        except OSError as exc:
            self.notify(inert(f"the case cannot be opened: {exc}"), severity="error", markup=False)
            return
        for problem in self.case.problems:
            self.notify(inert(str(problem), limit=400), severity="warning", markup=False)
        self.case_changed(refresh_view=False)

    def on_mount(self) -> None:
        """The case line goes under the list (hidden until the cursor is on a case event)."""
        self.mount(CaseLine(id="case-line"))

    # -- keeping everything in step with the case ----------------------------------------

    def case_changed(self, *, refresh_view: bool = True) -> None:
        """The case changed: the session's marks, the gutter, the case line, the view."""
        case, session = self.case, self.session
        if case is None or session is None:
            return
        session.case = case.marks()
        glyphs = {e.key: glyph(e.tags) for e in case.entries() if e.marked and e.tags}
        self.query_one(EventList).set_marks(case.marked_keys(), glyphs)
        self._show_case_line()
        uses_case = any(isinstance(k, MarkedClause | TagClause) for k in self.filters.clauses)
        if refresh_view and uses_case:
            self.set_filters(self.filters, record=False)

    @property
    def filters(self) -> Filters:
        """The filters of the view shown (the main screen's)."""
        raise NotImplementedError

    def set_filters(self, filters: Filters, *, record: bool = True) -> None:
        """Show the view of ``filters`` (the main screen's)."""
        raise NotImplementedError

    def _current_key(self) -> tuple[str, dict[str, Any]] | None:
        events = self.query_one(EventList)
        event = events.current_event()
        if event is None:
            return None
        key = mark_key(events.frame, events.frame_index(events.cursor_row))
        return None if key is None else (key, event)

    @on(EventList.Highlighted)
    def _case_highlighted(self) -> None:
        self._show_case_line()

    def _show_case_line(self) -> None:
        line = self.query(CaseLine)
        if not line:
            return
        current = self._current_key() if self.case is not None else None
        entry = self.case.get(current[0]) if self.case is not None and current else None
        if entry is None:
            line.first().show(marked=False, tags=(), note="")
        else:
            line.first().show(marked=entry.marked, tags=entry.tags, note=entry.note)

    def _saved(self, change: Any, *args: Any, **kwargs: Any) -> bool:
        """Run a change of the case; say so when it cannot be saved.

        Returns:
            Whether it ran (and, for a change that says so, changed something).
        """
        try:
            result = change(*args, **kwargs)
        except FILTER_ERRORS as exc:
            self.notify(inert(str(exc)), severity="error", markup=False)
            return False
        except OSError as exc:
            note = inert(f"the case could not be saved: {exc}")
            self.notify(note, severity="error", markup=False)
            return False
        return result is not False

    @on(EventList.MarkToggled)
    def _mark_toggled(self, message: EventList.MarkToggled) -> None:
        if self.case is None:
            return
        if message.marked:
            self._saved(self.case.mark, message.key, found_by=self.filters.labels())
        else:
            self._saved(self.case.unmark, message.key)
        self.case_changed()

    # -- tag, note --------------------------------------------------------------------

    def _need_case_event(self) -> tuple[str, dict[str, Any]] | None:
        if self.case is None:
            self.notify("the case opens when the load finishes", markup=False)
            return None
        current = self._current_key()
        if current is None:
            self.notify("no event under the cursor", severity="warning", markup=False)
        return current

    def action_tag(self) -> None:
        """Tag the highlighted event (and mark it): malicious, benign, needs-review, a word."""
        current = self._need_case_event()
        if current is None or self.case is None:
            return
        key, event = current
        entry = self.case.get(key)
        tags = entry.tags if entry is not None else ()
        prompt = TagPrompt(describe(event), tags, tuple(self.case.tags()))
        self.app.push_screen(prompt, lambda answer: self._tagged(key, answer))

    def _tagged(self, key: str, answer: object) -> None:
        if not isinstance(answer, TagAnswer) or self.case is None:
            return
        if answer.remove:
            if not self._saved(self.case.untag, key, answer.word):
                self.notify(inert(f"the event has no tag {answer.word!r}"), markup=False)
        else:
            try:
                word = check_tag(answer.word)
            except FILTER_ERRORS as exc:
                self.notify(inert(str(exc)), severity="error", markup=False)
                return
            # Marked first, so that the mark remembers the filters that found the event.
            self._saved(self.case.mark, key, found_by=self.filters.labels())
            if self._saved(self.case.tag, key, word):
                self.notify(inert(f"tagged {word} (and marked)"), markup=False)
        self.case_changed()

    def action_note(self) -> None:
        """Write the highlighted event's note, and add to the case's notes."""
        if self.case is None:
            self.notify("the case opens when the load finishes", markup=False)
            return
        current = self._current_key()
        key = current[0] if current else None
        event = describe(current[1]) if current else None
        note = self.case.note(key) if key else ""
        prompt = NotePrompt(event, note, self.case.notes)
        self.app.push_screen(prompt, lambda answer: self._noted(key, answer))

    def _noted(self, key: str | None, answer: object) -> None:
        if not isinstance(answer, NoteAnswer) or self.case is None:
            return
        if key is not None and answer.note is not None:
            if answer.note.strip():
                self._saved(self.case.mark, key, found_by=self.filters.labels())
            self._saved(self.case.set_note, key, answer.note)
        if answer.case_notes:
            self._saved(self.case.append_notes, answer.case_notes)
        self.case_changed()

    # -- the bundle -------------------------------------------------------------------

    def action_export_case(self) -> None:
        """Write the case bundle into a folder outside the evidence."""
        session, case, view = self.session, self.case, self.view
        if session is None or case is None or view is None:
            self.notify("the case opens when the load finishes", markup=False)
            return
        folder = suggested_folder(session.paths)
        prompt = ExportPrompt(session.paths, len(case.marked_keys()), view.height, folder)
        self.app.push_screen(prompt, self._export_chosen)

    def _export_chosen(self, answer: object) -> None:
        if not isinstance(answer, ExportAnswer) or self.session is None or self.case is None:
            return
        what = "the view" if answer.view else "the marked events"
        self.notify(inert(f"writing the bundle of {what} to {answer.folder}…"), markup=False)
        self._write_bundle(self.session, self.case, self.filters, answer)

    @work(thread=True, exclusive=True, exit_on_error=False, group="bundle", description="bundle")
    def _write_bundle(
        self, session: Session, case: CaseStore, filters: Filters, answer: ExportAnswer
    ) -> None:
        try:
            prepare_folder(answer.folder, force=False)
            chosen = filters if answer.view else Filters()
            selection = select(session, case, chosen, everything=answer.view)
            command = [*sys.argv, "(explorer: X)"]
            result = write_case_bundle(
                session, case, selection, answer.folder, command_line=command
            )
        except (BundleError, OSError, LookupError, *FILTER_ERRORS) as exc:
            self.post_message(self.BundleWritten(None, str(exc)))
            return
        self.post_message(self.BundleWritten(result, None))

    @on(BundleWritten)
    def _bundle_written(self, message: BundleWritten) -> None:
        if message.result is None:
            note = inert(f"the bundle was not written: {message.error}")
            self.notify(note, severity="error", timeout=15, markup=False)
            return
        result = message.result
        text = (
            f"wrote {plural(result.events, 'event')} to {result.folder} ({', '.join(result.files)})"
        )
        if result.missing:
            text += f"; {len(result.missing):,} marked events are not in the loaded evidence"
        self.notify(inert(text, limit=600), timeout=20, markup=False)
