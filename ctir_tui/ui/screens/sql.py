"""The view as SQL (``Q``): the same question for Athena (or CloudTrail Lake), to copy.

The statement is what ``ctir sql`` prints for these filters (:func:`view_sql`): whole rows,
one per eventID, in time order, durations resolved against the newest loaded event. A filter
with no SQL form (an analysis's set of events, the case's marks, where ctir read a record)
is named: "not expressible in SQL: ...". ``d`` switches between Athena and Lake; ``y`` copies
the statement (OSC 52), each line made pasteable (no control character but the line breaks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.worker import get_current_worker

from ctir_tui.engine.export.sql import DIALECTS, NotExpressible, view_sql
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.session import Session
from ctir_tui.text import inert, pasteable
from ctir_tui.ui.screens.paged import TextPage

_NAMES = {"athena": "Athena (Trino)", "lake": "CloudTrail Lake"}
_REFUSED = Style(bold=True)


def copyable(sql: str) -> str:
    """``sql`` for the clipboard: each line pasteable, joined by line breaks."""
    return "\n".join(pasteable(line) for line in sql.splitlines())


class SqlScreen(ModalScreen[None]):
    """The view's SQL, or why it has none."""

    HELP_TITLE: ClassVar[str] = "SQL of the view"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="sql.close"),
        Binding("y", "copy", "Copy SQL", id="sql.copy"),
        Binding("d", "dialect", "Athena / Lake", id="sql.dialect"),
        Binding("j", "scroll(1)", "Scroll down", show=False, id="sql.down"),
        Binding("k", "scroll(-1)", "Scroll up", show=False, id="sql.up"),
    ]

    DEFAULT_CSS = """
    SqlScreen {
        align: center middle;
        & > TextPage {
            width: 95%;
            max-width: 140;
            height: 90%;
            border: round $accent;
            border-title-style: bold;
            padding: 0 1;
        }
    }
    """

    @dataclass
    class Written(Message):
        """The statement for ``dialect`` (``sql``), or why there is none (``why``)."""

        dialect: str
        sql: str | None
        why: str | None

    def __init__(self, session: Session, filters: Filters, *, extended: bool = False) -> None:
        """Create the screen.

        Args:
            session: The loaded evidence (its mapping, and the newest event for durations).
            filters: The view's filters.
            extended: Tactics as the extended mapping has them.
        """
        super().__init__()
        self.session = session
        self.filters = filters
        self.extended = extended
        self.dialect = DIALECTS[0]
        self.sql: str | None = None
        self.why: str | None = None

    def compose(self) -> ComposeResult:
        """The page (filled by the worker)."""
        yield self._page([Text("writing the SQL…")])

    def _page(self, texts: list[Text]) -> TextPage:
        page = TextPage(texts, id="sql-page")
        page.border_title = f"The view as {_NAMES.get(self.dialect, self.dialect)} SQL"
        page.border_subtitle = "y copy · d Athena/Lake · j/k scroll · esc close"
        return page

    def on_mount(self) -> None:
        """Write the statement."""
        self._write(self.dialect)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sql", description="sql")
    def _write(self, dialect: str) -> None:
        s = self.session
        try:
            sql = view_sql(self.filters, s.mapping, s.newest, dialect, extended=self.extended)
        except NotExpressible as exc:
            self.post_message(self.Written(dialect, None, str(exc)))
            return
        except FILTER_ERRORS as exc:
            self.post_message(self.Written(dialect, None, str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Written(dialect, sql, None))

    @on(Written)
    async def _written(self, message: Written) -> None:
        if message.dialect != self.dialect:
            return
        self.sql, self.why = message.sql, message.why
        if message.sql is not None:
            texts = [Text(inert(line, limit=None)) for line in message.sql.splitlines()]
        else:
            why = message.why or "no SQL form"
            if not why.startswith("not expressible"):
                why = f"not expressible in SQL: {why}"
            texts = [
                Text(inert(why, limit=2000), style=_REFUSED),
                Text(""),
                Text("Remove that filter (the filter bar) to hand the rest of the view over."),
            ]
        await self.query_one("#sql-page", TextPage).remove()
        await self.mount(self._page(texts))

    @property
    def lines(self) -> list[str]:
        """The page's lines as shown (wrapped at its width)."""
        return self.query_one("#sql-page", TextPage).plain_lines

    def action_copy(self) -> None:
        """Copy the statement (OSC 52)."""
        if self.sql is None:
            self.notify(inert(self.why or "no SQL yet"), severity="warning", markup=False)
            return
        text = copyable(self.sql)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied the SQL ({len(text):,} characters)", markup=False)

    def action_dialect(self) -> None:
        """Switch between Athena and CloudTrail Lake."""
        self.dialect = DIALECTS[(DIALECTS.index(self.dialect) + 1) % len(DIALECTS)]
        self.sql = self.why = None
        self._write(self.dialect)

    def action_scroll(self, lines: int) -> None:
        """Scroll the page."""
        page = self.query_one("#sql-page", TextPage)
        page.scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        """Back to the main screen."""
        self.dismiss(None)
