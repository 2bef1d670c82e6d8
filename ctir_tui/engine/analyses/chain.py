"""Session chains: from a key, a principal or a role session, everything reached by hops.

The chain is made of the *nodes* of a view and the *hops* between them, as
:mod:`.chain_graph` builds them (issued keys, role sessions, source identities, SwitchRole).

Hops are followed both ways (to what a node led to, and to what led to it), across accounts,
until nothing new is reached. Nodes of AWS services never link (``ec2.amazonaws.com``
assumes every instance role: it would tie unrelated sessions together). The result is a
tree, rooted where nothing led in, and the union of its nodes' events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.chain_graph import NODE, Graph, graph, reach, start_nodes
from ctir_tui.engine.analyses.doors import door, equals, event_keys, named_events
from ctir_tui.engine.pipeline.texts import TextStore
from ctir_tui.engine.query.field_clauses import AnyOfClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.times import iso_z

#: Most pairs a door lists before it names the events instead.
MAX_DOOR_KEYS: Final = 200


@dataclass(frozen=True, slots=True)
class ChainNode:
    """One principal and key of a chain.

    Attributes:
        index: Position in :attr:`Chain.nodes`.
        parent: The node that led here (None for a root).
        depth: Hops from its root.
        hop: How it was reached from its parent (``AssumeRole``, ``CreateAccessKey``,
            ``role session``, ``sourceIdentity``, ``SwitchRole``; ``""`` for a root).
        via: The key of the event that made the hop (None for roots and shared identities).
        principal: The normalised principal.
        key: The access key (None when the principal acted without one).
        identity_type: ``IAMUser``, ``AssumedRole``...
        accounts: The accounts its events were logged in.
        first: Its first event.
        last: Its last event.
        count: Its events.
        start: Whether it matched what the chain started from.
        door: Its events.
    """

    index: int
    parent: int | None
    depth: int
    hop: str
    via: str | None
    principal: str | None
    key: str | None
    identity_type: str | None
    accounts: tuple[str, ...]
    first: datetime | None
    last: datetime | None
    count: int
    start: bool
    door: Filters

    def to_json(self) -> dict[str, Any]:
        """The node as JSON."""
        return {
            "index": self.index,
            "parent": self.parent,
            "depth": self.depth,
            "hop": self.hop,
            "via": self.via,
            "principal": self.principal,
            "key": self.key,
            "identity_type": self.identity_type,
            "accounts": list(self.accounts),
            "first": iso_z(self.first),
            "last": iso_z(self.last),
            "count": self.count,
            "start": self.start,
            "filter": self.door.labels(),
        }


@dataclass(frozen=True, slots=True)
class Chain:
    """The nodes reached (roots first, each followed by what it led to) and their events."""

    start: str
    nodes: tuple[ChainNode, ...]
    event_ids: tuple[str, ...]
    door: Filters

    @property
    def hops(self) -> int:
        """Hops in the tree (nodes that are not roots)."""
        return sum(1 for n in self.nodes if n.parent is not None)

    @property
    def accounts(self) -> tuple[str, ...]:
        """Every account the chain's events were logged in."""
        return tuple(sorted({a for n in self.nodes for a in n.accounts}))

    def to_json(self) -> dict[str, Any]:
        """``{"start", "nodes": [...], "hops", "accounts", "count", "event_ids", "filter"}``."""
        return {
            "start": self.start,
            "nodes": [n.to_json() for n in self.nodes],
            "hops": self.hops,
            "accounts": list(self.accounts),
            "count": len(self.event_ids),
            "event_ids": list(self.event_ids),
            "filter": self.door.labels(),
        }


def chain(
    view: pl.DataFrame,
    *,
    key: str | None = None,
    principal: str | None = None,
    texts: TextStore | None = None,
    graph_: Graph | None = None,
) -> Chain:
    """The chain of hops through ``view`` from an access key or a principal.

    Args:
        view: Any filtered view (hops outside it are not seen).
        key: An access key id (used by, or issued to, the start).
        principal: Text a principal, ARN, user name, principal ID, key or issuer holds.
        texts: The text store (for SwitchRole's SwitchFrom); without it no SwitchRole hop.
        graph_: The view's graph, when already built.

    Returns:
        The tree of nodes and the union of their events (empty when nothing matched).
    """
    built = graph_ if graph_ is not None else graph(view, texts)
    start = start_nodes(view, built, key=key, principal=principal)
    label = f"key {key}" if key is not None else f"principal {principal}"
    return assemble(view, built, reach(built.edges, start), set(start), label)


def assemble(
    view: pl.DataFrame, built: Graph, members: list[int], starts: set[int], label: str
) -> Chain:
    """The chain of the nodes ``members`` of ``built``: its tree, events and door."""
    if not members:
        return Chain(label, (), (), Filters((named_events(view.clear(), label),)))
    nodes = built.nodes.filter(pl.col(NODE).is_in(members))
    inner = built.edges.filter(pl.col("src").is_in(members) & pl.col("dst").is_in(members))
    parents: dict[int, tuple[int, str, str | None]] = {}
    for src, dst, hop, _at, via in inner.iter_rows():
        parents.setdefault(dst, (src, hop, via))
    info = {r[NODE]: r for r in nodes.iter_rows(named=True)}
    order = sorted(info, key=lambda n: (info[n]["first"] is None, info[n]["first"] or 0, n))
    children: dict[int, list[int]] = {}
    for child, (src, _hop, _via) in parents.items():
        children.setdefault(src, []).append(child)
    placed: list[tuple[int, int | None, int]] = []
    done: set[int] = set()

    def walk(root: int) -> None:
        stack: list[tuple[int, int | None, int]] = [(root, None, 0)]
        while stack:
            node, parent, depth = stack.pop()
            if node in done:
                continue
            done.add(node)
            placed.append((node, parent, depth))
            kids = sorted(children.get(node, []), key=order.index, reverse=True)
            stack.extend((k, node, depth + 1) for k in kids if k not in done)

    for node in order:  # roots first: what nothing led to
        if node not in parents:
            walk(node)
    for node in order:  # a cycle has no root: start it at its earliest node
        walk(node)
    position = {node: i for i, (node, _, _) in enumerate(placed)}
    out = []
    for i, (node, parent, depth) in enumerate(placed):
        r = info[node]
        hop, via = ("", None) if parent is None else parents[node][1:]
        out.append(
            ChainNode(
                index=i,
                parent=None if parent is None else position[parent],
                depth=depth,
                hop=hop if parent is not None else "",
                via=via if parent is not None else None,
                principal=r[c.PRINCIPAL],
                key=r[c.ACCESS_KEY_ID],
                identity_type=r[c.IDENTITY_TYPE],
                accounts=tuple(r["accounts"] or ()),
                first=r["first"],
                last=r["last"],
                count=int(r["count"]),
                start=node in starts,
                door=door(
                    equals(c.PRINCIPAL, r[c.PRINCIPAL]), equals(c.ACCESS_KEY_ID, r[c.ACCESS_KEY_ID])
                ),
            )
        )
    events = _events_of(view, nodes)
    keys = sorted({n.key for n in out if n.key is not None})
    if len(keys) == len(out) and len(keys) <= MAX_DOOR_KEYS:
        pairs = tuple((c.ACCESS_KEY_ID, k) for k in keys)
        shown = keys[0] if len(keys) == 1 else f"{len(keys)} keys"
        whole = Filters((AnyOfClause(pairs=pairs, name="chain", shown=shown),))
    else:
        whole = Filters((named_events(events, f"chain from {label}"),))
    return Chain(label, tuple(out), tuple(event_keys(events)), whole)


def _events_of(view: pl.DataFrame, nodes: pl.DataFrame) -> pl.DataFrame:
    """The events of ``nodes`` (principal and key pairs): by key, or by principal for the
    principals that acted without one; membership tests on the categoricals, no join."""
    keys = nodes.get_column(c.ACCESS_KEY_ID).drop_nulls().unique()
    bare = nodes.filter(pl.col(c.ACCESS_KEY_ID).is_null()).get_column(c.PRINCIPAL).drop_nulls()
    test = pl.col(c.ACCESS_KEY_ID).is_in(keys.implode()).fill_null(False)
    if bare.len():
        test = test | (
            pl.col(c.ACCESS_KEY_ID).is_null() & pl.col(c.PRINCIPAL).is_in(bare.implode())
        )
    return view.filter(test)


def components(built: Graph) -> pl.DataFrame:
    """Each node's chain: ``node`` and ``chain`` (the smallest node number it is linked to)."""
    labels = built.nodes.select(NODE, pl.col(NODE).alias("chain"))
    both = pl.concat(
        [
            built.edges.select("src", "dst"),
            built.edges.select(pl.col("dst").alias("src"), pl.col("src").alias("dst")),
        ]
    )
    while True:
        moved = (
            both.join(labels.rename({NODE: "src", "chain": "from"}), on="src")
            .group_by("dst")
            .agg(pl.col("from").min())
            .join(labels.rename({NODE: "dst"}), on="dst")
            .filter(pl.col("from") < pl.col("chain"))
            .select(pl.col("dst").alias(NODE), pl.col("from").alias("chain"))
        )
        if not moved.height:
            return labels
        labels = labels.update(moved, on=NODE)
