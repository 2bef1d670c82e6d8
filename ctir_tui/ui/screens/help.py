"""The help screen: every live binding, grouped by pane (see :mod:`ctir_tui.ui.keys`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType

from ctir_tui.text import inert
from ctir_tui.ui.keys import KeyGroup
from ctir_tui.ui.screens.paged import TITLE_STYLE, PagedTextScreen

KEY_STYLE = Style(bold=True)
_KEY_COLUMN_MAX = 22


class HelpScreen(PagedTextScreen):
    """Every binding of the app and its panes, with keys and descriptions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "close", "Close help", show=False, id="help.close"),
    ]
    DIALOG_TITLE = "Keys"

    def __init__(self, groups: list[KeyGroup]) -> None:
        """Create the screen.

        Args:
            groups: The keys of each pane, as from :func:`ctir_tui.ui.keys.groups` (gather
                them before pushing this screen, which would otherwise be the one shown).
        """
        super().__init__()
        self.groups = groups

    def texts(self) -> Iterable[Text]:
        """A title line per group, then one line per binding."""
        if not self.groups:
            yield Text("No key bindings.")
        for number, (title, rows) in enumerate(self.groups):
            if number:
                yield Text("")
            yield Text(inert(title), style=TITLE_STYLE)
            width = min(max((cell_len(r.keys) for r in rows), default=0), _KEY_COLUMN_MAX)
            for row in rows:
                shown = inert(row.keys)
                yield Text.assemble(
                    "  ",
                    (shown.ljust(width), KEY_STYLE),
                    "  ",
                    inert(row.description),
                )
