"""The explorer's keys as the user sees them: per pane, keymap applied, public API only.

The help screen and the command palette both list what this module gathers, so the two
never disagree with each other or with the keys that really work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding, BindingsMap, BindingType
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One action of a pane: its keys, what it does, and how to run it."""

    keys: str
    description: str
    action: str
    node: DOMNode


#: (pane title, rows).
KeyGroup = tuple[str, list[KeyRow]]


def pane_title(node: DOMNode) -> str:
    """A pane's name: its ``HELP_TITLE``, its border title, its ID, or its class name."""
    if isinstance(node, App):
        return "Application"
    if isinstance(node, Screen):
        return getattr(node, "HELP_TITLE", "") or "Screen"
    explicit = getattr(node, "HELP_TITLE", None)
    if isinstance(explicit, str) and explicit:
        return explicit
    if isinstance(node, Widget) and node.border_title:
        return Content.from_markup(node.border_title).plain
    return node.id or type(node).__name__


def declared(cls: type[DOMNode]) -> list[BindingType]:
    """The bindings ``cls`` declares, after those of its base classes that are ctir's
    (a screen's keys may live in a base class, as the investigation's do)."""
    out: list[BindingType] = []
    for base in reversed(cls.__mro__[1:]):
        if base.__module__.startswith("ctir_tui.") and "BINDINGS" in vars(base):
            out.extend(vars(base)["BINDINGS"])
    return [*out, *cls.BINDINGS]


def bindings_of(node: DOMNode, keymap: Mapping[str, str]) -> Iterable[Binding]:
    """The bindings a node's class declares, with the user's keymap applied."""
    bindings = BindingsMap(declared(type(node)))
    if keymap:
        bindings.apply_keymap(dict(keymap))
    for _key, binding in bindings:
        if not binding.system:
            yield binding


def rows_of(app: App[Any], node: DOMNode, keymap: Mapping[str, str]) -> list[KeyRow]:
    """(keys, description) per action of ``node``: keys bound to one action are merged."""
    by_action: dict[tuple[str, str], list[str]] = {}
    for binding in bindings_of(node, keymap):
        description = binding.description or binding.tooltip or binding.action
        keys = by_action.setdefault((binding.action, description), [])
        shown = app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    return [
        KeyRow(", ".join(keys), description, action, node)
        for (action, description), keys in by_action.items()
    ]


def groups(app: App[Any], screen: Screen[Any], keymap: Mapping[str, str]) -> list[KeyGroup]:
    """Every pane's keys on ``screen``: the focused pane first, then the others and the app.

    Order: the focused widget (its title ends in "(focused)") and its containers, the
    other focusable panes, the screen, then the app.
    """
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
    out: list[KeyGroup] = []
    seen: set[int] = set()
    for node in nodes:
        if id(node) in seen or (isinstance(node, Widget) and not node.is_mounted):
            continue
        seen.add(id(node))
        rows = rows_of(app, node, keymap)
        if rows:
            title = pane_title(node)
            out.append((f"{title} (focused)" if node is focused else title, rows))
    return out
