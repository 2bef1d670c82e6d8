"""The event detail: the highlighted event's original JSON, with a cursor on its values.

The record is laid out by :mod:`ctir_tui.ui.widgets._json_lines` and drawn with the Line API;
long lines wrap to the width. The cursor moves between lines that hold a scalar value, and
``f``/``F`` ask the app to filter to (or exclude) that value.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ctir_tui.engine.schema import FILE_ID, REC_INDEX
from ctir_tui.text import inert, pasteable
from ctir_tui.ui.widgets._json_lines import (
    JsonLine,
    Kind,
    event_lines,
    flag_lines,
    pretty,
    record_lines,
    wrap_spans,
)

_PLACEHOLDER = [JsonLine((("no event selected", "note"),))]


class EventDetail(ScrollView, can_focus=True):
    """The JSON of one event, pretty-printed and highlighted, with a field cursor."""

    #: The pane's name in the help screen and the command palette.
    HELP_TITLE: ClassVar[str] = "Event detail"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next field", show=False, id="detail.down"),
        Binding("k,up", "cursor_up", "Previous field", show=False, id="detail.up"),
        Binding("g,home", "cursor_first", "First field", show=False, id="detail.top"),
        Binding("G,end", "cursor_last", "Last field", show=False, id="detail.bottom"),
        Binding("f", "pivot", "Filter to value", id="detail.pivot"),
        Binding("F", "pivot(True)", "Exclude value", id="detail.exclude"),
        Binding("Y", "copy_value", "Copy value", id="detail.copy_value"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-detail--key",
        "event-detail--string",
        "event-detail--number",
        "event-detail--boolean",
        "event-detail--null",
        "event-detail--punct",
        "event-detail--note",
        "event-detail--cursor",
    }

    DEFAULT_CSS = """
    EventDetail {
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        & > .event-detail--key { color: $text-primary; }
        & > .event-detail--string { color: $text-success; }
        & > .event-detail--number { color: $text-warning; }
        & > .event-detail--boolean { color: $text-accent; }
        & > .event-detail--null { color: $text-muted; text-style: italic; }
        & > .event-detail--punct { color: $text-muted; }
        & > .event-detail--note { color: $text-warning; text-style: italic; }
        & > .event-detail--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .event-detail--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    EventDetail:ansi {
        & > .event-detail--key { color: ansi_blue; }
        & > .event-detail--string { color: ansi_green; }
        & > .event-detail--number { color: ansi_yellow; }
        & > .event-detail--boolean { color: ansi_magenta; }
        & > .event-detail--null { color: ansi_default; }
        & > .event-detail--punct { color: ansi_default; }
        & > .event-detail--note { color: ansi_yellow; }
        &:nocolor > .event-detail--cursor { text-style: reverse; }
    }
    EventDetail:nocolor > .event-detail--cursor { text-style: reverse; }
    """

    field_index: reactive[int] = reactive(0, repaint=False, init=False)
    """Index of the cursor among the lines that hold a value; kept in range."""

    @dataclass
    class Pivot(Message):
        """Filter to (or, with ``negate``, exclude) events whose ``path`` holds ``value``."""

        path: str
        value: str | None
        negate: bool = False
        detail: EventDetail | None = field(default=None, compare=False, repr=False)

        @property
        def control(self) -> EventDetail | None:
            """The detail pane that posted the message."""
            return self.detail

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create an empty detail pane; :meth:`show` fills it."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._raw: str | None = None
        self._event: dict[str, Any] | None = None
        self._lines: list[JsonLine] = _PLACEHOLDER
        self._fields: list[int] = []
        self._generation = 0
        self._starts: list[int] = [0]
        self._starts_width = -1
        self._strips: LRUCache[tuple[int, int, int, bool, bool], list[Strip]] = LRUCache(512)

    def show(self, raw: str | None, event: dict[str, Any] | None, why: str | None = None) -> None:
        """Show an event: its original text if known, else the frame row ``event``.

        The cursor stays on the same path when the new event has it.

        Args:
            raw: The record's original JSON text, or ``None`` if it could not be read.
            event: The event's values from the frame, or ``None`` when nothing is selected.
            why: Why the original text could not be read (shown above the fields).
        """
        previous = self.cursor_path()
        self._raw, self._event = raw, event
        if raw is not None:
            self._lines = record_lines(raw)
        elif event is not None:
            self._lines = event_lines(event, why)
        else:
            self._lines = _PLACEHOLDER
        if event is not None and event.get("flags"):
            self._lines = [*flag_lines(event["flags"], event.get("notes")), *self._lines]
        self._fields = [i for i, line in enumerate(self._lines) if line.field is not None]
        self._generation += 1
        self._strips.clear()
        self._starts_width = -1
        self._update_layout()
        index = 0
        for i, line_no in enumerate(self._fields):
            field_ = self._lines[line_no].field
            if field_ is not None and field_.path == previous:
                index = i
                break
        self.set_reactive(EventDetail.field_index, index)
        if index:
            self._scroll_to_cursor()
        else:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def cursor_path(self) -> str | None:
        """Path of the value under the cursor (``userIdentity.arn``), or ``None``."""
        line = self._cursor_line()
        return None if line is None or line.field is None else line.field.path

    def cursor_value(self) -> str | None:
        """The value under the cursor as text (``None`` for JSON null or no cursor)."""
        line = self._cursor_line()
        return None if line is None or line.field is None else line.field.value

    @property
    def cursor_line(self) -> int | None:
        """Index of the (logical) line under the cursor, or ``None`` without values."""
        if not self._fields:
            return None
        return self._fields[self.field_index]

    @property
    def key(self) -> tuple[int, int] | None:
        """The locator (file, record) of the event shown, if any."""
        event = self._event
        if event is None or event.get(FILE_ID) is None or event.get(REC_INDEX) is None:
            return None
        return (int(event[FILE_ID]), int(event[REC_INDEX]))

    @property
    def raw(self) -> str | None:
        """The original text of the event shown, if it could be read."""
        return self._raw

    def copy_text(self) -> str | None:
        """What copying the event gives: its original text, else its normalised fields."""
        if self._raw is not None:
            return self._raw
        return pretty(self._event) if self._event is not None else None

    @property
    def lines(self) -> list[JsonLine]:
        """The laid-out lines of the event shown."""
        return self._lines

    def _cursor_line(self) -> JsonLine | None:
        index = self.cursor_line
        return None if index is None else self._lines[index]

    # -- cursor -----------------------------------------------------------------------

    def validate_field_index(self, value: int) -> int:
        """Keep the cursor on an existing value line."""
        return max(0, min(value, len(self._fields) - 1))

    def watch_field_index(self, old: int, new: int) -> None:
        """Repaint and bring the cursor into view."""
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        index = self.cursor_line
        if index is None:
            return
        self._update_layout()
        start, end = self._starts[index], self._starts[index + 1]
        top, height = self.scroll_offset.y, max(self.scrollable_content_region.height, 1)
        if start < top:
            self.scroll_to(y=start, animate=False)
        elif end > top + height:
            self.scroll_to(y=min(start, end - height), animate=False)

    def action_cursor_down(self) -> None:
        """Move to the next value."""
        self.field_index += 1

    def action_cursor_up(self) -> None:
        """Move to the previous value."""
        self.field_index -= 1

    def action_cursor_first(self) -> None:
        """Move to the first value."""
        self.field_index = 0

    def action_cursor_last(self) -> None:
        """Move to the last value."""
        self.field_index = len(self._fields) - 1

    # -- pivot and copy ---------------------------------------------------------------

    def action_pivot(self, negate: bool = False) -> None:
        """Ask the app to filter to (or exclude) the value under the cursor."""
        path = self.cursor_path()
        if path is None:
            return
        self.post_message(self.Pivot(path, self.cursor_value(), negate, self))

    def action_copy_value(self) -> None:
        """Copy the value under the cursor."""
        path = self.cursor_path()
        if path is None:
            self.notify("nothing to copy", severity="warning", markup=False)
            return
        value = self.cursor_value()
        text = pasteable("null" if value is None else value)
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {inert(path, limit=60)} ({len(text):,} chars)", markup=False)

    # -- rendering --------------------------------------------------------------------

    def on_resize(self) -> None:
        """Re-wrap the lines for the new width."""
        self._update_layout()
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        """Drop cached strips when the theme or styles change."""
        super().notify_style_update()
        self._strips.clear()

    def _update_layout(self) -> None:
        """Work out where each line starts once wrapped to the current width."""
        width = max(self.scrollable_content_region.width, 1)
        if width == self._starts_width:
            return
        starts = [0]
        for line in self._lines:
            starts.append(starts[-1] + len(wrap_spans(line, width)))
        self._starts, self._starts_width = starts, width
        self.virtual_size = Size(0, starts[-1])

    def render_line(self, y: int) -> Strip:
        """Render line ``y`` of the widget (a wrapped piece of one JSON line)."""
        self._update_layout()
        width = self._starts_width
        row = self.scroll_offset.y + y
        if row >= self._starts[-1]:
            return Strip.blank(width, self.rich_style)
        index = bisect_right(self._starts, row) - 1
        cursor = index == self.cursor_line
        key = (self._generation, index, width, cursor, self.has_focus)
        strips = self._strips.get(key)
        if strips is None:
            strips = self._strips[key] = self._wrap(self._lines[index], width, cursor)
        return strips[min(row - self._starts[index], len(strips) - 1)]

    def _style(self, kind: Kind) -> Style:
        base = self.rich_style
        if kind == "plain":
            return base
        return base + self.get_component_rich_style(f"event-detail--{kind}", partial=True)

    def _wrap(self, line: JsonLine, width: int, cursor: bool) -> list[Strip]:
        if cursor:
            style = self.get_component_rich_style("event-detail--cursor")
            segments = [Segment(text, style) for text, _ in line.tokens]
        else:
            style = self.rich_style
            segments = [Segment(text, self._style(kind)) for text, kind in line.tokens]
        strip = Strip(segments)
        spans = wrap_spans(line, width)
        if len(spans) == 1:
            return [strip.adjust_cell_length(width, style)]
        # Cut at the spans' character offsets: the text is inert, so cells follow characters
        # (wide characters aside, which Strip.divide measures itself).
        text = line.text
        cuts = [cell_len(text[:end]) for _, end, _ in spans]
        pieces = strip.divide(cuts)
        base = self.rich_style
        out = []
        for piece, (_, _, indent) in zip(pieces, spans, strict=False):
            if indent:
                piece = Strip([Segment(" " * indent, base), *piece])
            out.append(piece.adjust_cell_length(width, style))
        return out
