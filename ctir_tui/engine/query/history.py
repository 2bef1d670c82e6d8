"""The history of views: every filter change is an entry that back and forward walk."""

from __future__ import annotations

from ctir_tui.engine.query.filters import Filters


class ViewHistory:
    """Filters seen, in order, and where the user stands among them."""

    def __init__(self, initial: Filters) -> None:
        self._entries = [initial]
        self._position = 0

    @property
    def current(self) -> Filters:
        """The filters of the view shown."""
        return self._entries[self._position]

    @property
    def at_start(self) -> bool:
        """Whether this is the first view (``q`` quits there)."""
        return self._position == 0

    def reset(self, filters: Filters) -> None:
        """Forget everything: ``filters`` is the first view."""
        self._entries = [filters]
        self._position = 0

    def push(self, filters: Filters) -> None:
        """A new view after the current one; views ahead of it are dropped."""
        del self._entries[self._position + 1 :]
        self._entries.append(filters)
        self._position = len(self._entries) - 1

    def step(self, offset: int) -> Filters | None:
        """Move back (-1) or forward (1); None (and no move) at either end."""
        target = self._position + offset
        if not 0 <= target < len(self._entries):
            return None
        self._position = target
        return self.current

    def discard_current(self) -> Filters:
        """Drop the current view (its filters failed) and return to the one before."""
        if self._position > 0:
            del self._entries[self._position :]
            self._position -= 1
        return self.current
