"""First seen: per principal, the source IPs, user agents, regions and event names that
appear only after a baseline.

The baseline is the first half of the view's time range unless a time is given
(``--baseline-until``). A principal here is the actor a responder follows: the normalised
principal, except that the sessions of one role are the role (``session_issuer_arn``),
since every session of a role has a new name and would otherwise make everything new.
AWS services are left out: what they do is AWS's doing.

A value is *new* for an actor when the actor's first use of it is after the baseline. Rows
are ranked by how telling that is, their ``score``: 2 for a value no one used before the
baseline (new to the whole view), 1 more when the actor was active before the baseline (an
established account doing something new), plus ``1 / actors using the value`` (the rarer,
the higher), all weighed by kind (:data:`WEIGHTS`: a new address or region counts double a
new call); ties go to the earliest. Agents are compared without the command they name
(aws-cli writes one agent per command).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.analyses.doors import door, equals, one_of, window
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.times import iso_z

#: What is looked at: the kind shown and the column it is in.
KINDS: Final[dict[str, str]] = {
    "ip": c.SOURCE_IP,
    "agent": c.USER_AGENT,
    "region": c.REGION,
    "event": c.EVENT_NAME,
}
#: How much a new value of each kind weighs: a new address or region says more than an
#: agent's new version, which says more than a call never made before.
WEIGHTS: Final[dict[str, float]] = {"ip": 1.0, "region": 1.0, "agent": 0.75, "event": 0.5}
ACTOR: Final = "actor"
_ROW: Final = "__row"
#: Identity types whose calls are not a person's or a workload's own.
SERVICE_TYPES: Final = ("AWSService",)


@dataclass(frozen=True, slots=True)
class NewValue:
    """A value an actor used for the first time after the baseline.

    Attributes:
        actor: The principal (or, for role sessions, the role).
        actor_column: The column the actor is in (``principal`` or ``session_issuer_arn``).
        kind: ``ip``, ``agent``, ``region`` or ``event``.
        value: The value.
        first: The actor's first use of it.
        last: The actor's last use of it.
        count: The actor's events with it (all after the baseline).
        users: How many actors use the value in the whole view.
        new_to_all: No actor used it before the baseline.
        new_actor: The actor itself has no event before the baseline.
        score: How telling the row is (see the module's documentation).
        first_key: The key of the actor's first event with the value.
        door: The actor's events with the value.
    """

    actor: str
    actor_column: str
    kind: str
    value: str
    first: datetime
    last: datetime
    count: int
    users: int
    new_to_all: bool
    new_actor: bool
    score: float
    first_key: str
    door: Filters

    def to_json(self) -> dict[str, Any]:
        """The row as JSON (times ISO 8601, the door as its labels)."""
        return {
            "principal": self.actor,
            "kind": self.kind,
            "value": self.value,
            "first": iso_z(self.first),
            "last": iso_z(self.last),
            "count": self.count,
            "principals_using_it": self.users,
            "new_to_all": self.new_to_all,
            "new_principal": self.new_actor,
            "score": round(self.score, 4),
            "first_event": self.first_key,
            "filter": self.door.labels(),
        }


#: Rows a first-seen answer lists unless asked for more.
DEFAULT_ROWS: Final = 50


@dataclass(frozen=True)
class FirstSeen:
    """The new values of a view, most telling first.

    ``table`` holds every new value, ranked; :meth:`rows` makes the first of them rows
    with their doors (there may be thousands: only those shown are made).
    """

    baseline: datetime | None
    start: datetime | None
    end: datetime | None
    actors: int
    new_actors: int
    table: pl.DataFrame

    @property
    def total(self) -> int:
        """How many new values there are."""
        return self.table.height

    def first_keys(self) -> list[str]:
        """The key of each new value's first event, once each, in time order."""
        if not self.table.height:
            return []
        ordered = self.table.sort("first", "first_key").get_column("first_key")
        return [str(k) for k in ordered.unique(maintain_order=True).to_list()]

    def rows(self, limit: int | None = DEFAULT_ROWS) -> tuple[NewValue, ...]:
        """The ``limit`` most telling new values (None: all of them)."""
        shown = self.table if limit is None else self.table.head(limit)
        return tuple(_row(r) for r in shown.iter_rows(named=True))

    def to_json(self, limit: int | None = DEFAULT_ROWS) -> dict[str, Any]:
        """``{"baseline_until", "start", "end", "principals", "new_principals", "total",
        "rows"}``."""
        return {
            "baseline_until": iso_z(self.baseline),
            "start": iso_z(self.start),
            "end": iso_z(self.end),
            "principals": self.actors,
            "new_principals": self.new_actors,
            "total": self.total,
            "rows": [r.to_json() for r in self.rows(limit)],
        }


def _row(r: dict[str, Any]) -> NewValue:
    column = c.SESSION_ISSUER_ARN if r["role"] else c.PRINCIPAL
    return NewValue(
        actor=r[ACTOR],
        actor_column=column,
        kind=r["kind"],
        value=r["value"],
        first=r["first"],
        last=r["last"],
        count=int(r["count"]),
        users=int(r["users"]),
        new_to_all=bool(r["new_to_all"]),
        new_actor=bool(r["new_actor"]),
        score=float(r["score"]),
        first_key=str(r["first_key"]),
        door=door(
            equals(column, r[ACTOR]),
            one_of(KINDS[r["kind"]], r["raws"]),
            *window(r["first"], None),
        ),
    )


def _by_role() -> pl.Expr:
    # Categoricals compare with text without being turned into text (1M rows stay cheap).
    role = pl.col(c.SESSION_ISSUER_ARN)
    return ((pl.col(c.IDENTITY_TYPE) == "AssumedRole") & role.is_not_null()).fill_null(False)


def actor_expr() -> pl.Expr:
    """The actor of an event: the role for role sessions, else the principal."""
    return pl.when(_by_role()).then(pl.col(c.SESSION_ISSUER_ARN)).otherwise(pl.col(c.PRINCIPAL))


def baseline_of(view: pl.DataFrame, until: datetime | None) -> datetime | None:
    """The end of the baseline: ``until``, else the middle of the view's time range."""
    if until is not None:
        return until
    first, last = view.select(pl.col(c.TIME).min().alias("a"), pl.col(c.TIME).max().alias("b")).row(
        0
    )
    if first is None or last is None:
        return None
    middle: datetime = first + (last - first) / 2
    return middle


#: What an agent names beside the client itself: the command or API it made.
_AGENT_DETAIL: Final = r"\s*(?:md/command#|command/|api/)\S+"


def _compared(kind: str, value: pl.Expr) -> pl.Expr:
    """The value as compared: an agent without the command it names, others as they are."""
    return value.str.replace_all(_AGENT_DETAIL, "").str.strip_chars() if kind == "agent" else value


def _locator() -> pl.Expr:
    # The key of a record without an eventID (as the case marks it).
    return pl.concat_str(
        [pl.lit("@"), pl.col(c.SOURCE_FILE).cast(pl.String), pl.lit("#"), pl.col(c.REC_INDEX)]
    )


def first_seen(
    view: pl.DataFrame,
    baseline_until: datetime | None = None,
    kinds: Sequence[str] = tuple(KINDS),
    principal: str | None = None,
) -> FirstSeen:
    """The values each actor of ``view`` used for the first time after the baseline.

    Args:
        view: Any filtered view.
        baseline_until: The end of the baseline (None: the middle of the time range).
        kinds: Which of :data:`KINDS` to look at.
        principal: Keep only the actors holding this text (case-insensitive); the baseline
            and what is "new to all" still come from the whole view.

    Returns:
        Every new value, most telling first (see the module's documentation).
    """
    baseline = baseline_of(view, baseline_until)
    start, end = view.select(pl.col(c.TIME).min().alias("a"), pl.col(c.TIME).max().alias("b")).row(
        0
    )
    if baseline is None:
        return FirstSeen(None, start, end, 0, 0, _EMPTY)
    columns = [KINDS[k] for k in kinds]
    base = (
        view.lazy()
        .filter(
            pl.col(c.TIME).is_not_null()
            & ~pl.col(c.IDENTITY_TYPE).is_in(SERVICE_TYPES).fill_null(False)
        )
        .with_columns(actor_expr().alias(ACTOR))
        .filter(pl.col(ACTOR).is_not_null())
        .select(
            ACTOR,
            c.TIME,
            c.EVENT_ID,
            c.SOURCE_FILE,
            c.REC_INDEX,
            _by_role().alias("__session"),
            *columns,
        )
        .collect()
    )
    actors = (
        base.lazy()
        .group_by(ACTOR)
        .agg(pl.col(c.TIME).min().alias("actor_first"), pl.col("__session").any().alias("role"))
        .with_columns(pl.col(ACTOR).cast(pl.String))
        .collect()
    )
    # Time order, so that a group's first row is its first event; the kinds are one lazy
    # plan each, collected together (Polars runs them side by side).
    if not base.get_column(c.TIME).is_sorted():
        base = base.sort(c.TIME)
    base = base.with_row_index(_ROW)
    split = base.get_column(c.TIME).search_sorted(baseline, side="right")
    before, after = base.head(split).lazy(), base.slice(split).lazy()

    plans = []
    for kind in kinds:
        column = KINDS[kind]
        # What the baseline holds needs only to be known, not counted: the distinct pairs.
        # After it, each pair's first and last use, events, and first event's key. Values
        # are compared as _compared makes them (an agent without the command it names).
        known = (
            before.filter(pl.col(column).is_not_null())
            .select(ACTOR, column)
            .unique()
            .select(
                pl.col(ACTOR).cast(pl.String),
                _compared(kind, pl.col(column).cast(pl.String)).alias("value"),
            )
            .unique()
        )
        # The first event is kept as its row number (cheap to carry); its key is read for
        # the few pairs that turn out new.
        later = (
            after.filter(pl.col(column).is_not_null())
            .group_by(ACTOR, column)
            .agg(
                pl.col(c.TIME).first().alias("first"),
                pl.col(c.TIME).last().alias("last"),
                pl.len().alias("count"),
                pl.col(_ROW).first(),
            )
            .with_columns(
                pl.col(ACTOR).cast(pl.String),
                pl.col(column).cast(pl.String).alias("raw"),
            )
            .with_columns(_compared(kind, pl.col("raw")).alias("value"))
        )
        if kind == "agent":  # several agents may compare as one: gather them
            later = later.group_by(ACTOR, "value").agg(
                pl.col("first").min(),
                pl.col("last").max(),
                pl.col("count").sum(),
                pl.col(_ROW).min(),  # rows are in time order: the smallest is the first
                pl.col("raw").unique().sort().alias("raws"),
            )
        else:
            later = later.with_columns(pl.concat_list("raw").alias("raws"))
        fresh = later.join(known, on=[ACTOR, "value"], how="anti")
        users = (
            pl.concat([known, later.select(ACTOR, "value")])
            .group_by("value")
            .agg(pl.col(ACTOR).n_unique().alias("users"))
        )
        seen = known.select("value").unique().with_columns(pl.lit(False).alias("new_to_all"))
        plans.append(
            fresh.join(users, on="value")
            .join(seen, on="value", how="left")
            .select(
                ACTOR,
                pl.lit(kind).alias("kind"),
                "value",
                "raws",
                "first",
                "last",
                "count",
                "users",
                pl.col("new_to_all").fill_null(True),
                _ROW,
            )
        )
    found = pl.collect_all(plans)
    table = pl.concat(found)
    # The key of each new pair's first event, read from its row.
    rows = table.get_column(_ROW)
    first = base.select(c.EVENT_ID, c.SOURCE_FILE, c.REC_INDEX)[rows]
    table = table.drop(_ROW).with_columns(
        first.select(pl.coalesce(pl.col(c.EVENT_ID), _locator()).alias("first_key")).to_series()
    )
    if principal is not None:
        wanted = principal.strip().lower()
        table = table.filter(pl.col(ACTOR).str.to_lowercase().str.contains(wanted, literal=True))
        actors = actors.filter(pl.col(ACTOR).str.to_lowercase().str.contains(wanted, literal=True))
    if not table.height:
        return FirstSeen(baseline, start, end, actors.height, _new(actors, baseline), _EMPTY)
    table = (
        table.join(actors, on=ACTOR)
        .with_columns((pl.col("actor_first") > baseline).alias("new_actor"))
        .with_columns(
            (
                pl.col("kind").replace_strict(WEIGHTS, return_dtype=pl.Float64)
                * (
                    pl.col("new_to_all").cast(pl.Float64) * 2
                    + (~pl.col("new_actor")).cast(pl.Float64)
                    + 1.0 / pl.col("users").cast(pl.Float64)
                )
            ).alias("score")
        )
        .sort(
            ["score", "first", ACTOR, "kind", "value"],
            descending=[True, False, False, False, False],
        )
    )
    return FirstSeen(baseline, start, end, actors.height, _new(actors, baseline), table)


#: No new value.
_EMPTY: Final = pl.DataFrame(
    schema={
        ACTOR: pl.String,
        "kind": pl.String,
        "value": pl.String,
        "raws": pl.List(pl.String),
        "first": pl.Datetime("us", "UTC"),
        "last": pl.Datetime("us", "UTC"),
        "count": pl.UInt32,
        "users": pl.UInt32,
        "new_to_all": pl.Boolean,
        "first_key": pl.String,
        "actor_first": pl.Datetime("us", "UTC"),
        "role": pl.Boolean,
        "new_actor": pl.Boolean,
        "score": pl.Float64,
    }
)


def _new(actors: pl.DataFrame, baseline: datetime) -> int:
    return int(actors.filter(pl.col("actor_first") > baseline).height)
