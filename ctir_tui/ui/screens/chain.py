"""The session chain (``c``): from the highlighted event, every session linked to its own.

The chain is followed over the whole evidence, not the view (a hop the view filters out is
still a hop): the keys a session handed out, the role sessions an AssumeRole opened, shared
source identities and console SwitchRole, both ways, across accounts
(:mod:`ctir_tui.engine.analyses.chain`). One node per principal and key, indented under the
node that led to it, with the hop, then a line with its key, events, time span and accounts.

Enter on a node shows its events in the list; ``u`` shows the union of every node's events.
Both replace the filters, since the chain was found over every event. The graph of the
evidence is built once, in a worker, and kept for the next chain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import get_current_worker

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.chain import Chain, ChainNode, chain
from ctir_tui.engine.analyses.chain_graph import graph
from ctir_tui.engine.query.filters import Filters
from ctir_tui.text import inert
from ctir_tui.ui.screens import _cells as cells
from ctir_tui.ui.screens._findings import Findings
from ctir_tui.ui.screens._pane import PaneScreen
from ctir_tui.ui.widgets.row_list import Part, Row, RowList


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """The line under a node: its key, events, span and accounts."""

    node: ChainNode


def render(data: object, width: int) -> Sequence[Part]:
    """A node's line, or the line of facts under it."""
    if isinstance(data, ChainNode):
        indent = "  " * data.depth
        mark = "* " if data.start else "- "
        hop = f"<- {inert(data.hop, limit=40)} " if data.hop else ""
        return [
            (indent + mark, "row-list--accent" if data.start else "row-list--dim"),
            (hop, "row-list--dim"),
            (cells.value(data.principal, 400), ""),
        ]
    if isinstance(data, NodeFacts):
        n = data.node
        indent = "  " * n.depth + "  "
        accounts = ", ".join(inert(a, limit=20) for a in n.accounts) or "-"
        noun = "event" if n.count == 1 else "events"
        text = (
            f"key {cells.value(n.key, 60)} · {n.count:,} {noun} · "
            f"{cells.span(n.first, n.last)} · {accounts}"
        )
        return [(indent, ""), (text, "row-list--dim")]
    return [(str(data), "row-list--dim")]


def start_of(event: dict[str, Any]) -> tuple[str | None, str | None]:
    """Where a chain from ``event`` starts: its access key, else its principal."""
    key = event.get(c.ACCESS_KEY_ID)
    if key:
        return str(key), None
    principal = event.get(c.PRINCIPAL)
    return None, str(principal) if principal else None


class ChainScreen(PaneScreen):
    """The tree of sessions linked to one event's."""

    HELP_TITLE: ClassVar[str] = "Session chain"
    KEYS: ClassVar[str] = "enter the node's events · u every node's events · q back"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "union", "All its events", id="chain.union"),
    ]

    @dataclass
    class Followed(Message):
        """The chain was followed (``found``), or could not start (``why``)."""

        found: Chain | None
        why: str | None = None

    def __init__(
        self,
        findings: Findings,
        event: dict[str, Any],
        open_door: Callable[..., None],
    ) -> None:
        """Create the screen.

        Args:
            findings: What the investigation has found (the evidence's graph is kept there).
            event: The highlighted event (the chain starts from its key or principal).
            open_door: Shows a door's events in the main screen (called with ``fresh``).
        """
        super().__init__(render, empty="no session")
        self.findings = findings
        self.event = event
        self.open_door = open_door
        self.found: Chain | None = None

    def on_mount(self) -> None:
        """Follow the chain in a worker."""
        super().on_mount()
        key, principal = start_of(self.event)
        frame = self.findings.session.frame
        what = f"key {inert(key)}" if key else f"principal {inert(principal)}"
        self.set_title(f"Chain from {what} over all {frame.height:,} events  computing…")
        self._follow(key, principal)

    @work(thread=True, exclusive=True, exit_on_error=False, group="chain", description="chain")
    def _follow(self, key: str | None, principal: str | None) -> None:
        if key is None and principal is None:
            self.post_message(self.Followed(None, "the event has no access key or principal"))
            return
        findings = self.findings
        session = findings.session
        if findings.graph is None:
            findings.graph = graph(session.frame, session.texts)
        found = chain(
            session.frame, key=key, principal=principal, texts=session.texts, graph_=findings.graph
        )
        if not get_current_worker().is_cancelled:
            self.post_message(self.Followed(found))

    @on(Followed)
    def _followed(self, message: Followed) -> None:
        found = message.found
        if found is None:
            self.set_title(f"No chain: {message.why}")
            return
        self.found = found
        total = self.findings.session.frame.height
        self.set_title(
            f"Chain from {inert(found.start, limit=80)}: "
            f"{cells.counted(len(found.nodes), 'session')}, {cells.counted(found.hops, 'hop')}, "
            f"{cells.counted(len(found.event_ids), 'event')}, accounts "
            f"{', '.join(inert(a, limit=20) for a in found.accounts) or '-'} "
            f"(over all {total:,} events)"
        )
        rows: list[Row[object]] = []
        for node in found.nodes:
            rows.append(Row(node))
            rows.append(Row(NodeFacts(node), selectable=False))
        self.rows.set_rows(rows, cursor=0)

    @on(RowList.Highlighted)
    def _highlighted(self, message: RowList.Highlighted) -> None:
        node = message.data
        if isinstance(node, ChainNode):
            labels = " · ".join(inert(label, limit=120) for label in node.door.labels())
            via = f" (via event {inert(node.via, limit=60)})" if node.via else ""
            self.set_detail(f"enter: its {node.count:,} events: {labels}{via}\nu: every node's")

    @on(RowList.Opened)
    def _opened(self, message: RowList.Opened) -> None:
        if isinstance(message.data, ChainNode):
            self._open(message.data.door)

    def action_union(self) -> None:
        """Every node's events."""
        if self.found is None or not self.found.nodes:
            self.notify("no chain yet", markup=False)
            return
        self._open(self.found.door)

    def _open(self, door: Filters) -> None:
        self.dismiss(None)
        self.open_door(door, fresh=True)
