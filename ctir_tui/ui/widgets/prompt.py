"""The one-line prompt under the list: what to search for, or which time to jump to."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.message import Message
from textual.widgets import Input

SEARCH = "search"
JUMP = "jump"

_PLACEHOLDERS = {
    SEARCH: "search the list (principal, event, IP, agent, error...)",
    JUMP: "jump to time: 2025-03-12T02:00, 2025-03-12, or 6h (before the end)",
}


class Prompt(Input):
    """An input that opens for one question, then closes; esc closes it unanswered."""

    DEFAULT_CSS = """
    Prompt, Prompt:focus { display: none; height: 1; border: none; padding: 0 1; }
    Prompt.-open { display: block; background: $boost; }
    """

    @dataclass
    class Answered(Message):
        """The user answered the prompt (``mode`` is :data:`SEARCH` or :data:`JUMP`)."""

        mode: str
        text: str

    @dataclass
    class Closed(Message):
        """The prompt closed, answered or not: focus goes back to the list."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = SEARCH

    def ask(self, mode: str) -> None:
        """Open for a question: :data:`SEARCH` or :data:`JUMP`."""
        self.mode = mode
        self.placeholder = _PLACEHOLDERS[mode]
        self.value = ""
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        """Close without answering."""
        self.remove_class("-open")
        self.post_message(self.Closed())

    @on(Input.Submitted)
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        text = message.value.strip()
        self.close()
        if text:
            self.post_message(self.Answered(self.mode, text))

    def key_escape(self) -> None:
        """Esc leaves the prompt."""
        self.close()
