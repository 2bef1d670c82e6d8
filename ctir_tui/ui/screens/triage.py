"""The triage screen (``T``): the fifteen questions over the view, and the Sigma rule hits.

One line per question, in the registry's order (so that a question is always at the same
place: ``6`` is first-seen on every incident), with its severity, count, id and title; space
or right shows its grouped rows (bursts, first-seen values, chains...), each a door too. Enter
filters the main view to the question's (or the row's) events and goes back to the list.

The sixteenth entry is the Sigma rules' hits, one row per rule with its level and title and,
on the line under it, its author (the Detection Rule License asks for it wherever matches are
shown) and ATT&CK tactics and techniques. The rules run once, over the whole evidence, when
the load finishes; here their hits are narrowed to the view's events.

The questions are asked in a worker (``computing...`` until then); a view already triaged is
shown at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

import polars as pl
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from ctir_tui.engine.analyses.answers import Answer
from ctir_tui.engine.analyses.questions import questions
from ctir_tui.engine.analyses.rows import Row as AnswerRow
from ctir_tui.engine.analyses.rule_hits import SIGMA_ID, severity_of, sigma_answer
from ctir_tui.engine.analyses.triage import Triage, triage
from ctir_tui.engine.query.filters import Filters
from ctir_tui.text import fit, inert
from ctir_tui.ui.screens import _cells as cells
from ctir_tui.ui.screens._findings import Findings
from ctir_tui.ui.screens._investigate import view_title
from ctir_tui.ui.screens._pane import PaneScreen
from ctir_tui.ui.widgets.row_list import Part, Row, RowList

#: Cells of a question's id.
ID_WIDTH: Final = 17
#: Cells before a grouped row's text (under the question's count).
INDENT: Final = 5


@dataclass(frozen=True, slots=True)
class QuestionLine:
    """A question: its answer (None while computing), or why there is none yet."""

    number: int
    qid: str
    title: str
    answer: Answer | None
    expanded: bool = False
    pending: str = "computing…"


@dataclass(frozen=True, slots=True)
class RowLine:
    """One grouped row of an answer."""

    answer: Answer
    row: AnswerRow


@dataclass(frozen=True, slots=True)
class AuthorLine:
    """The line under a rule's row: its author, tactics and techniques."""

    row: AnswerRow


def _question_parts(line: QuestionLine, width: int) -> list[Part]:
    a = line.answer
    arrow = "▾ " if line.expanded else ("▸ " if a is not None and a.rows else "  ")
    parts: list[Part] = [(f"{line.number:>2} {arrow}", "row-list--dim")]
    if a is None:
        parts += [(fit("", cells.SEVERITY_WIDTH), ""), (f"{'…':>7}  ", "row-list--dim")]
    else:
        counted = f"{a.count:,} gaps" if a.question.id == "coverage" else f"{a.count:,}"
        parts += [cells.severity(a.severity), (f"{counted:>9}  ", "")]
    parts.append((fit(line.qid, ID_WIDTH) + " ", "row-list--accent"))
    parts.append((line.title, ""))
    if a is None:
        parts.append(("  " + line.pending, "row-list--dim"))
    return parts


def _row_parts(line: RowLine, width: int) -> list[Part]:
    r = line.row
    head = f"{'':{INDENT}}{cells.count(r.count)}  "
    if line.answer.question.id == SIGMA_ID:
        level = str(r.fields.get("level") or "")
        return [
            (head, ""),
            (fit(level or "-", 13) + " ", cells.SEVERITY_CLASS.get(_severity(level), "")),
            (cells.value(r.fields.get("title")), ""),
        ]
    return [
        (head, ""),
        (cells.span(r.first, r.last) + "  ", "row-list--dim"),
        (cells.fields(r.fields), ""),
    ]


def _author_parts(line: AuthorLine, width: int) -> list[Part]:
    r = line.row
    text = f"by {cells.value(r.fields.get('author'), 120)}"
    tags = r.fields.get("tags")
    if tags:
        text += f" · {cells.value(tags, 200)}"
    text += f" · {cells.span(r.first, r.last)}"
    return [(f"{'':{INDENT + 9}}", ""), (text, "row-list--dim")]


def _severity(level: str) -> str:
    return severity_of(level) if level else "none"


def render(data: object, width: int) -> Sequence[Part]:
    """A triage line at ``width``."""
    if isinstance(data, QuestionLine):
        return _question_parts(data, width)
    if isinstance(data, RowLine):
        return _row_parts(data, width)
    if isinstance(data, AuthorLine):
        return _author_parts(data, width)
    return [(str(data), "row-list--dim")]


def header(width: int) -> Sequence[Part]:
    """The column titles."""
    return [(f"{'#':>2}   {'SEVERITY':<8} {'EVENTS':>9}  {'QUESTION':<{ID_WIDTH}} ", "")]


class TriageScreen(PaneScreen):
    """The questions (and the Sigma hits) over one view."""

    HELP_TITLE: ClassVar[str] = "Triage"
    KEYS: ClassVar[str] = "enter filter to its events · space/→ its rows · 1-9,0 question · q back"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n % 10), f"question({n})", f"Question {n}", show=False, id=f"triage.{n}")
            for n in range(1, 11)
        ),
        Binding("e", "expand_all", "Expand all", show=False, id="triage.expand_all"),
    ]

    @dataclass
    class Answered(Message):
        """The questions were answered (``found``), or the Sigma entry (``sigma``)."""

        found: Triage | None
        sigma: Answer | None = None

    def __init__(
        self,
        findings: Findings,
        view: pl.DataFrame,
        filters: Filters,
        open_door: Callable[[Filters], None],
    ) -> None:
        """Create the screen.

        Args:
            findings: What the investigation has found (and keeps).
            view: The events to triage (the main screen's view).
            filters: Its filters (the cache key, and the title).
            open_door: Shows a door's events in the main screen.
        """
        super().__init__(render, header=header)
        self.findings = findings
        self.view = view
        self.filters = filters
        self.open_door = open_door
        self._expanded: set[str] = set()
        self.answers: dict[str, Answer] = {}

    def on_mount(self) -> None:
        """Show what is known; ask the rest in workers."""
        super().on_mount()
        found = self.findings.triage(self.filters)
        if found is not None:
            self.answers.update((a.question.id, a) for a in found.answers)
        else:
            self._ask(self.view)
        self._sigma_entry()
        self._redraw(cursor=0)

    def _sigma_entry(self) -> None:
        answer = self.findings.sigma_answer(self.filters)
        if answer is not None:
            self.answers[SIGMA_ID] = answer
        elif self.findings.sigma is not None:
            self._ask_sigma(self.view, self.findings)

    def sigma_done(self) -> None:
        """The rules ran: work out their entry for this view."""
        self._sigma_entry()
        self._redraw()

    @work(thread=True, exclusive=True, exit_on_error=False, group="triage", description="triage")
    def _ask(self, view: pl.DataFrame) -> None:
        found = triage(view, texts=self.findings.session.texts)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Answered(found))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="triage-sigma",
        description="triage-sigma",
    )
    def _ask_sigma(self, view: pl.DataFrame, findings: Findings) -> None:
        if findings.sigma is None:
            return
        found = sigma_answer(findings.sigma, view)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Answered(None, found))

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        if message.found is not None:
            self.findings.keep_triage(self.filters, message.found)
            self.answers.update((a.question.id, a) for a in message.found.answers)
        if message.sigma is not None:
            self.findings.keep_sigma_answer(self.filters, message.sigma)
            self.answers[SIGMA_ID] = message.sigma
        self._redraw()

    # -- lines ------------------------------------------------------------------------

    def _sigma_pending(self) -> str:
        f = self.findings
        if f.sigma_error is not None:
            return f"the rules could not run: {inert(f.sigma_error, limit=200)}"
        if f.sigma is None and not f.session.complete:
            return "the rules run once every event is read…"
        if f.sigma is None:
            return f"rules running over all {f.session.frame.height:,} events…"
        return "computing…"

    def lines(self) -> list[Row[object]]:
        """Every line: each question, and the rows of the expanded ones."""
        out: list[Row[object]] = []
        asked = [(q.id, q.title) for q in questions()] + [(SIGMA_ID, "Sigma rule hits")]
        for number, (qid, title) in enumerate(asked, start=1):
            answer = self.answers.get(qid)
            expanded = qid in self._expanded and answer is not None and bool(answer.rows)
            pending = self._sigma_pending() if qid == SIGMA_ID else "computing…"
            out.append(Row(QuestionLine(number, qid, title, answer, expanded, pending)))
            if expanded and answer is not None:
                for row in answer.rows:
                    out.append(Row(RowLine(answer, row)))
                    if qid == SIGMA_ID:
                        out.append(Row(AuthorLine(row), selectable=False))
        return out

    def _redraw(self, cursor: int | None = None) -> None:
        done = sum(1 for q in questions() if q.id in self.answers)
        state = "" if done == len(questions()) else "  computing…"
        self.set_title(f"Triage of {self.view.height:,} events · {view_title(self.filters)}{state}")
        self.rows.set_rows(self.lines(), cursor=cursor)

    # -- keys -------------------------------------------------------------------------

    @on(RowList.Highlighted)
    def _highlighted(self, message: RowList.Highlighted) -> None:
        data = message.data
        if isinstance(data, QuestionLine):
            a = data.answer
            if a is None:
                self.set_detail(data.pending)
                return
            about = inert(a.note or a.question.ask, limit=300)
            self.set_detail(f"{about}\n{_door_text(a.door, a.count)}")
        elif isinstance(data, RowLine):
            r = data.row
            what = cells.fields(r.fields) if data.answer.question.id != SIGMA_ID else ""
            if not what:
                author = cells.value(r.fields.get("author"), 120)
                what = f"{cells.value(r.fields.get('title'))} · by {author}"
            self.set_detail(f"{what}\n{_door_text(r.door, r.count)}")

    @on(RowList.Opened)
    def _opened(self, message: RowList.Opened) -> None:
        data = message.data
        if isinstance(data, QuestionLine):
            a = data.answer
            if a is None:
                self.notify("still computing", markup=False)
            elif not a.count and not a.rows:
                self.notify("nothing found for this question in this view", markup=False)
            elif not a.count or not a.door.clauses:
                self._toggle(data.qid, True)
            else:
                self._open(a.door)
        elif isinstance(data, RowLine):
            self._open(data.row.door)

    def _open(self, door: Filters) -> None:
        self.dismiss(None)
        self.open_door(door)

    @on(RowList.Sideways)
    def _sideways(self, message: RowList.Sideways) -> None:
        data = message.data
        qid = data.qid if isinstance(data, QuestionLine) else None
        if isinstance(data, RowLine):
            qid = data.answer.question.id
        if qid is None:
            return
        expand = qid not in self._expanded if message.step == 0 else message.step > 0
        self._toggle(qid, expand)

    def _toggle(self, qid: str, expand: bool) -> None:
        # Rows above the question do not move: expanding keeps the cursor where it is (keys
        # typed meanwhile still count), collapsing brings it back to the question.
        if expand:
            self._expanded.add(qid)
            self._redraw()
            first = self._question_index(qid)
            last = first
            while last + 1 < len(self.rows.rows) and not isinstance(
                self.rows.rows[last + 1].data, QuestionLine
            ):
                last += 1
            self.rows.reveal(first, last)
        else:
            self._expanded.discard(qid)
            self._redraw(cursor=self._question_index(qid))

    def _question_index(self, qid: str) -> int:
        for index, row in enumerate(self.rows.rows):
            if isinstance(row.data, QuestionLine) and row.data.qid == qid:
                return index
        return 0

    def action_question(self, number: int) -> None:
        """Move to question ``number`` (1-10)."""
        for index, row in enumerate(self.rows.rows):
            if isinstance(row.data, QuestionLine) and row.data.number == number:
                self.rows.move_to(index)
                return

    def action_expand_all(self) -> None:
        """Show (or hide) every question's rows."""
        data = self.rows.current
        qid = data.qid if isinstance(data, QuestionLine) else None
        if isinstance(data, RowLine):
            qid = data.answer.question.id
        every = {a for a, answer in self.answers.items() if answer.rows}
        self._expanded = set() if self._expanded >= every else every
        self._redraw()
        if qid is not None:
            self.rows.move_to(self._question_index(qid))


def _door_text(door: Filters, count: int) -> str:
    if not door.clauses:
        return "space or → shows its rows"
    labels = " · ".join(inert(label, limit=120) for label in door.labels())
    noun = "event" if count == 1 else "events"
    return f"enter: filter to its {count:,} {noun}: {labels}"
