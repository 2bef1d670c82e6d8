"""The command palette (``:`` or ctrl+p): every key of every pane, found by what it does.

Entries only run existing actions: the palette is another way to press a key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from ctir_tui.text import inert
from ctir_tui.ui.keys import KeyRow, groups


def _runner(app: App[Any], node: DOMNode, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await app.run_action(action, node)

    return run


class KeyCommands(Provider):
    """Every action of the main screen's panes and the app, by its description."""

    def _entries(self) -> list[tuple[str, str, KeyRow]]:
        screen = self.screen
        keymap = getattr(self.app, "keymap", {})
        out: list[tuple[str, str, KeyRow]] = []
        seen: set[str] = set()
        for pane, rows in groups(self.app, screen, keymap):
            for row in rows:
                if row.action in seen:
                    continue
                seen.add(row.action)
                title = f"{inert(row.description)}"
                help_text = f"{inert(pane.removesuffix(' (focused)'))} · key {inert(row.keys)}"
                out.append((title, help_text, row))
        return out

    async def discover(self) -> Hits:
        """Every entry, before anything is typed."""
        for title, help_text, row in self._entries():
            yield DiscoveryHit(title, _runner(self.app, row.node, row.action), help=help_text)

    async def search(self, query: str) -> Hits:
        """Entries whose description (or pane, or key) matches what is typed."""
        matcher = self.matcher(query)
        for title, help_text, row in self._entries():
            score = max(matcher.match(title), matcher.match(help_text) * 0.8)
            if score > 0:
                run = _runner(self.app, row.node, row.action)
                yield Hit(score, matcher.highlight(title), run, help=help_text)
