"""The help screen: every live binding, grouped by pane, built from the DOM.

:func:`collect_bindings` reads the bindings the app really has (keymap applied): the
focused widget and its ancestors, the other focusable panes of the screen, then the app.
Call it *before* pushing the screen (once pushed, the help screen is ``app.screen``), or use
:meth:`HelpScreen.for_app`.

:class:`PagedTextScreen` is the modal both this screen and the problems screen are built
on: a bordered, scrollable page of :class:`rich.text.Text` lines (never markup).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import RichLog

from ctir_tui.text import inert

#: (keys, description), e.g. ("j, down", "Next cell").
BindingRow = tuple[str, str]
#: (pane title, rows).
BindingGroup = tuple[str, list[BindingRow]]

TITLE_STYLE = Style(bold=True, underline=True)
KEY_STYLE = Style(bold=True)
_KEY_COLUMN_MAX = 22


class TextPage(RichLog):
    """A read-only page of ``Text`` lines that re-wraps when its width changes."""

    DEFAULT_CSS = """
    TextPage {
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, texts: Iterable[Text], *, id: str | None = None) -> None:
        """Create the page.

        Args:
            texts: The lines (each may wrap); already made inert by the caller.
            id: Widget ID.
        """
        super().__init__(wrap=True, markup=False, highlight=False, auto_scroll=False, id=id)
        self.min_width = 10
        self._texts = list(texts)
        self._width = 0
        for text in self._texts:
            self.write(text)

    @property
    def plain_lines(self) -> list[str]:
        """The rendered lines as plain text (wrapped at the current width)."""
        return [strip.text for strip in self.lines]

    def on_resize(self, event: events.Resize) -> None:
        """Wrap the lines again for the new width."""
        width = event.size.width
        if self._width and width and width != self._width:
            self.clear()
            for text in self._texts:
                self.write(text)
        self._width = width or self._width


class PagedTextScreen(ModalScreen[None]):
    """A modal page of text; ``esc``/``q`` close it, ``j``/``k``/``g``/``G`` move."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="dialog.close"),
        Binding("j", "page_down_line", "Scroll down", show=False, id="dialog.down"),
        Binding("k", "page_up_line", "Scroll up", show=False, id="dialog.up"),
        Binding("g", "page_top", "Top", show=False, id="dialog.top"),
        Binding("G", "page_bottom", "Bottom", show=False, id="dialog.bottom"),
    ]

    DEFAULT_CSS = """
    PagedTextScreen {
        align: center middle;
        & > #dialog-page {
            width: 90%;
            max-width: 120;
            height: 90%;
            border: round $accent;
            border-title-style: bold;
            padding: 0 1;
        }
    }
    """

    #: Shown in the border above the page.
    DIALOG_TITLE: ClassVar[str] = ""

    def texts(self) -> Iterable[Text]:
        """The lines to show; subclasses override this."""
        return ()

    def compose(self) -> ComposeResult:
        """One scrollable page."""
        page = TextPage(self.texts(), id="dialog-page")
        page.border_title = self.DIALOG_TITLE
        page.border_subtitle = "esc close · j/k scroll"
        yield page

    @property
    def page(self) -> TextPage:
        """The page widget."""
        return self.query_one("#dialog-page", TextPage)

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)

    def action_page_down_line(self) -> None:
        """Scroll one line down."""
        self.page.scroll_down(animate=False)

    def action_page_up_line(self) -> None:
        """Scroll one line up."""
        self.page.scroll_up(animate=False)

    def action_page_top(self) -> None:
        """Scroll to the top."""
        self.page.scroll_home(animate=False)

    def action_page_bottom(self) -> None:
        """Scroll to the bottom."""
        self.page.scroll_end(animate=False)


class HelpScreen(PagedTextScreen):
    """Every binding of the app and its panes, with keys and descriptions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "close", "Close help", show=False, id="help.close"),
    ]
    DIALOG_TITLE = "Keys"

    def __init__(self, groups: list[BindingGroup]) -> None:
        """Create the screen.

        Args:
            groups: (pane title, [(keys, description)]) as from :func:`collect_bindings`.
        """
        super().__init__()
        self.groups = groups

    @classmethod
    def for_app(cls, app: App[Any]) -> HelpScreen:
        """Build the help for ``app`` as it is now (call before pushing)."""
        return cls(collect_bindings(app))

    def texts(self) -> Iterable[Text]:
        """A title line per group, then one line per binding."""
        if not self.groups:
            yield Text("No key bindings.")
        for number, (title, rows) in enumerate(self.groups):
            if number:
                yield Text("")
            yield Text(inert(title), style=TITLE_STYLE)
            width = min(max((cell_len(k) for k, _ in rows), default=0), _KEY_COLUMN_MAX)
            for keys, description in rows:
                shown = inert(keys)
                yield Text.assemble(
                    "  ",
                    (shown.ljust(width), KEY_STYLE),
                    "  ",
                    inert(description),
                )


def collect_bindings(app: App[Any]) -> list[BindingGroup]:
    """Gather the live bindings of ``app.screen`` and ``app``, grouped by pane.

    Order: the focused widget (its title ends in "(focused)") and its containers, the
    other focusable panes, the screen, then the app. Keys bound to one action are listed
    together ("j, down"); the app's keymap is applied; system bindings are left out.

    Args:
        app: The running app.

    Returns:
        (pane title, [(keys, description)]) for every node that has bindings.
    """
    screen = app.screen
    focused = screen.focused
    nodes: list[DOMNode] = []
    if focused is not None:
        nodes.extend(
            n
            for n in focused.ancestors_with_self
            if isinstance(n, Widget) and not isinstance(n, Screen)
        )
    nodes.extend(screen.focus_chain)
    nodes.extend([screen, app])
    groups: list[BindingGroup] = []
    seen: set[int] = set()
    for node in nodes:
        if id(node) in seen or (isinstance(node, Widget) and not node.is_mounted):
            continue
        seen.add(id(node))
        rows = _rows(app, node._bindings)
        if rows:
            title = _title(node)
            groups.append((f"{title} (focused)" if node is focused else title, rows))
    return groups


def _rows(app: App[Any], bindings: BindingsMap) -> list[BindingRow]:
    """(keys, description) per action, keys merged, keymap applied."""
    bindings = bindings.copy()
    keymap = getattr(app, "_keymap", None)
    if keymap:
        bindings.apply_keymap(keymap)
    by_action: dict[tuple[str, str], list[str]] = {}
    for _key, binding in bindings:
        if binding.system:
            continue
        description = binding.description or binding.tooltip or binding.action
        keys = by_action.setdefault((binding.action, description), [])
        shown = app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    return [(", ".join(keys), description) for (_, description), keys in by_action.items()]


def _title(node: DOMNode) -> str:
    """A pane's name: its border title, ``HELP_TITLE``, its ID, or its class name."""
    if isinstance(node, App):
        return "Application"
    if isinstance(node, Screen):
        return f"Screen: {node.title}" if node.title else "Screen"
    if isinstance(node, Widget) and node.border_title:
        return Content.from_markup(node.border_title).plain
    explicit = getattr(node, "HELP_TITLE", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    return node.id or type(node).__name__
