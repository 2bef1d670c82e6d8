"""The graph of a view for session chains: its nodes and the hops between them.

A *node* is one (principal, access key) pair of the view (a principal that acted without a
key is a node of its own). A hop links two nodes:

* **issued key**: an event of node A handed out a key (``issued_access_key_id``:
  ``responseElements.credentials.accessKeyId`` of AssumeRole, GetSessionToken,
  GetFederationToken..., ``accessKey.accessKeyId`` of CreateAccessKey): A -> the nodes using
  that key;
* **role session**: an AssumeRole of node A opened a session (``assumed_role_arn``): A -> the
  nodes of that session's principal that start within 12 hours (the longest session);
* **source identity**: nodes sharing a ``sourceIdentity`` (set once, carried through every
  later hop): the first node to carry it -> the others;
* **SwitchRole**: a console SwitchRole event, whose ``additionalEventData.SwitchFrom``
  (read from the text store) names the principal it came from -> the session it opened;
* **same user**: the credentials of one IAM user or root user (its access keys, a console
  sign-in without a key, the console's session key): the user's first node -> the others.

Nodes of AWS services never link (``ec2.amazonaws.com`` assumes every instance role: it
would tie unrelated sessions together). :func:`reach` follows hops both ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.texts import TextStore
from ctir_tui.engine.query.clauses import PrincipalClause
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.texts import read_texts

#: The longest a role session lasts: a session principal seen later is another session.
SESSION_LIFE: Final = timedelta(hours=12)
#: How early a session's first event may be seen before its AssumeRole (clock skew).
SKEW: Final = timedelta(minutes=5)
#: Identity types that never link nodes.
SERVICES: Final = ("AWSService",)
#: Identity types whose nodes of one principal are one identity (see ``_same_user``).
USERS: Final = ("IAMUser", "Root")
#: The hop between two credentials of one user.
SAME_USER: Final = "same user"
NODE = "node"


@dataclass(frozen=True, slots=True)
class Graph:
    """A view's nodes (``node`` numbers them) and hops (``src`` -> ``dst``)."""

    nodes: pl.DataFrame
    edges: pl.DataFrame


def _s(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def graph(view: pl.DataFrame, texts: TextStore | None = None) -> Graph:
    """Every node of ``view`` and every hop between them (see the module's documentation)."""
    # Grouped on the categoricals themselves; only the (few) groups become text.
    nodes = (
        view.lazy()
        .group_by(c.PRINCIPAL, c.ACCESS_KEY_ID)
        .agg(
            pl.len().alias("count"),
            pl.col(c.TIME).min().alias("first"),
            pl.col(c.TIME).max().alias("last"),
            pl.col(c.IDENTITY_TYPE).drop_nulls().first().alias(c.IDENTITY_TYPE),
            pl.col(c.RECIPIENT_ACCOUNT_ID).drop_nulls().unique().alias("accounts"),
        )
        .with_columns(
            _s(c.PRINCIPAL),
            _s(c.ACCESS_KEY_ID),
            _s(c.IDENTITY_TYPE),
            pl.col("accounts").list.eval(pl.element().cast(pl.String)).list.sort(),
        )
        .sort(c.PRINCIPAL, c.ACCESS_KEY_ID, nulls_last=True)
        .with_row_index(NODE)
        .collect()
    )
    linkable = nodes.filter(~pl.col(c.IDENTITY_TYPE).is_in(SERVICES).fill_null(False))
    ends = linkable.select(NODE, c.PRINCIPAL, c.ACCESS_KEY_ID, "first")
    issuing = (
        view.lazy()
        .filter(
            pl.col(c.ISSUED_ACCESS_KEY_ID).is_not_null() | pl.col(c.ASSUMED_ROLE_ARN).is_not_null()
        )
        .select(
            _s(c.PRINCIPAL).alias(c.PRINCIPAL),
            _s(c.ACCESS_KEY_ID).alias(c.ACCESS_KEY_ID),
            pl.col(c.ISSUED_ACCESS_KEY_ID).cast(pl.String).alias("issued"),
            _s(c.ASSUMED_ROLE_ARN).alias("session"),
            _s(c.EVENT_NAME).alias("hop"),
            pl.col(c.TIME).alias("at"),
            pl.coalesce(pl.col(c.EVENT_ID), pl.lit(None, pl.String)).alias("via"),
        )
        .collect()
        .join(ends.drop("first"), on=[c.PRINCIPAL, c.ACCESS_KEY_ID], nulls_equal=True)
        .rename({NODE: "src"})
    )
    by_key = issuing.join(
        ends.select(pl.col(NODE).alias("dst"), pl.col(c.ACCESS_KEY_ID).alias("issued")),
        on="issued",
    ).select("src", "dst", "hop", "at", "via")
    by_session = (
        issuing.filter(pl.col("session").is_not_null())
        .join(
            ends.select(pl.col(NODE).alias("dst"), pl.col(c.PRINCIPAL).alias("session"), "first"),
            on="session",
        )
        .filter(
            (pl.col("first") >= pl.col("at") - SKEW)
            & (pl.col("first") <= pl.col("at") + SESSION_LIFE)
        )
        .select("src", "dst", pl.lit("role session").alias("hop"), "at", "via")
    )
    shared = (
        view.lazy()
        .filter(pl.col(c.SOURCE_IDENTITY).is_not_null())
        .group_by(c.PRINCIPAL, c.ACCESS_KEY_ID, c.SOURCE_IDENTITY)
        .agg(pl.col(c.TIME).min().alias("at"))
        .select(_s(c.PRINCIPAL), _s(c.ACCESS_KEY_ID), _s(c.SOURCE_IDENTITY).alias("identity"), "at")
        .collect()
        .join(ends.drop("first"), on=[c.PRINCIPAL, c.ACCESS_KEY_ID], nulls_equal=True)
    )
    origin = (
        shared.sort("at", NODE)
        .group_by("identity")
        .first()
        .select("identity", pl.col(NODE).alias("src"))
    )
    by_identity = (
        shared.join(origin, on="identity")
        .filter(pl.col(NODE) != pl.col("src"))
        .select(
            "src",
            pl.col(NODE).alias("dst"),
            pl.lit("sourceIdentity").alias("hop"),
            "at",
            pl.lit(None, pl.String).alias("via"),
        )
    )
    parts = [by_key, by_session, by_identity, _same_user(linkable), _switches(view, texts, ends)]
    edges = (
        pl.concat(
            [
                p.select(
                    pl.col("src").cast(pl.UInt32),
                    pl.col("dst").cast(pl.UInt32),
                    pl.col("hop").cast(pl.String),
                    pl.col("at"),
                    pl.col("via").cast(pl.String),
                )
                for p in parts
            ],
            how="vertical",
        )
        .filter(pl.col("src") != pl.col("dst"))
        .sort("at", "src", "dst", nulls_last=True)
        .unique(["src", "dst"], keep="first", maintain_order=True)
    )
    return Graph(nodes, edges)


def _same_user(linkable: pl.DataFrame) -> pl.DataFrame:
    """Hops between the credentials of one IAM user (or the root user): its first node ->
    each other one. A console sign-in (no key), the session key the console then uses
    (ASIA...) and the user's access keys are all that one identity."""
    users = linkable.filter(pl.col(c.IDENTITY_TYPE).is_in(USERS).fill_null(False))
    origin = (
        users.sort("first", NODE)
        .group_by(c.PRINCIPAL)
        .first()
        .select(c.PRINCIPAL, pl.col(NODE).alias("src"))
    )
    return (
        users.join(origin, on=c.PRINCIPAL)
        .filter(pl.col(NODE) != pl.col("src"))
        .select(
            "src",
            pl.col(NODE).alias("dst"),
            pl.lit(SAME_USER).alias("hop"),
            pl.col("first").alias("at"),
            pl.lit(None, pl.String).alias("via"),
        )
    )


def _switches(view: pl.DataFrame, texts: TextStore | None, ends: pl.DataFrame) -> pl.DataFrame:
    """Hops of console SwitchRole events: from ``SwitchFrom``'s nodes to the event's node."""
    empty = pl.DataFrame(
        schema={
            "src": pl.UInt32,
            "dst": pl.UInt32,
            "hop": pl.String,
            "at": view.schema[c.TIME],
            "via": pl.String,
        }
    )
    events = view.filter(pl.col(c.EVENT_NAME) == "SwitchRole")
    if texts is None or not events.height:
        return empty
    extra = read_texts(texts, events.select(c.FILE_ID, c.REC_INDEX))
    if not extra.height:
        return empty
    came = (
        events.select(
            c.FILE_ID,
            c.REC_INDEX,
            _s(c.PRINCIPAL).alias(c.PRINCIPAL),
            _s(c.ACCESS_KEY_ID).alias(c.ACCESS_KEY_ID),
            pl.col(c.TIME).alias("at"),
            pl.col(c.EVENT_ID).alias("via"),
        )
        .join(
            extra.select(
                c.FILE_ID,
                c.REC_INDEX,
                pl.col(c.ADDITIONAL_JSON).str.json_path_match("$.SwitchFrom").alias("from"),
            ),
            on=[c.FILE_ID, c.REC_INDEX],
        )
        .filter(pl.col("from").is_not_null())
        .join(ends.drop("first"), on=[c.PRINCIPAL, c.ACCESS_KEY_ID], nulls_equal=True)
        .rename({NODE: "dst"})
    )
    return came.join(
        ends.select(pl.col(NODE).alias("src"), pl.col(c.PRINCIPAL).alias("from")), on="from"
    ).select("src", "dst", pl.lit("SwitchRole").alias("hop"), "at", "via")


def start_nodes(
    view: pl.DataFrame, graph_: Graph, *, key: str | None, principal: str | None
) -> list[int]:
    """The nodes a chain starts from: those using (or issued) ``key``, or whose principal,
    ARN, user name, principal ID, key or session issuer holds ``principal``."""
    if key is not None:
        wanted = key.strip()
        issuers = view.filter(pl.col(c.ISSUED_ACCESS_KEY_ID) == wanted).select(
            _s(c.PRINCIPAL).alias(c.PRINCIPAL), _s(c.ACCESS_KEY_ID).alias(c.ACCESS_KEY_ID)
        )
        users = graph_.nodes.filter(pl.col(c.ACCESS_KEY_ID) == wanted).select(NODE)
        # Who issued it, unless an AWS service did (it issues every instance's key).
        linkable = graph_.nodes.filter(~pl.col(c.IDENTITY_TYPE).is_in(SERVICES).fill_null(False))
        found = linkable.join(issuers.unique(), on=[c.PRINCIPAL, c.ACCESS_KEY_ID], nulls_equal=True)
        # The nodes that used the key; the one that issued it when none did (a key handed
        # out and never used still has a chain behind it).
        using = users.get_column(NODE).to_list()
        return sorted(using or found.get_column(NODE).to_list())
    if principal is None:
        return []
    matched = Filters((PrincipalClause.from_text(principal),)).apply(view)
    pairs = (
        matched.select(c.PRINCIPAL, c.ACCESS_KEY_ID)
        .unique()
        .select(_s(c.PRINCIPAL), _s(c.ACCESS_KEY_ID))
    )
    found = graph_.nodes.join(pairs, on=[c.PRINCIPAL, c.ACCESS_KEY_ID], nulls_equal=True)
    return sorted(found.get_column(NODE).to_list())


def reach(edges: pl.DataFrame, start: list[int]) -> list[int]:
    """Every node linked to ``start`` by hops, either way."""
    seen = set(start)
    frontier = list(start)
    while frontier:
        near = pl.concat(
            [
                edges.filter(pl.col("src").is_in(frontier)).select(pl.col("dst").alias("n")),
                edges.filter(pl.col("dst").is_in(frontier)).select(pl.col("src").alias("n")),
            ]
        )
        new = set(near.get_column("n").to_list()) - seen
        seen |= new
        frontier = sorted(new)
    return sorted(seen)
