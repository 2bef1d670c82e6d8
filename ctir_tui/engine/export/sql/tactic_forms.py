"""SQL form of a tactic: the events its mapping lists, as the matrix matches them.

The engines know nothing of ATT&CK, so a tactic becomes its mapping's event list: seed cells
by ``eventName`` alone; in extended mode also (``eventSource``, ``eventName``) entries, and
Lambda's versioned names by prefix plus an optional API-version suffix (see
:mod:`ctir_tui.engine.tactics.matrix`). Overrides are already merged into the mapping, so
the SQL follows whatever the view shows.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ctir_tui.engine import schema as c
from ctir_tui.engine.export.sql.context import SqlContext
from ctir_tui.engine.export.sql.forms import any_of, positive
from ctir_tui.engine.query.clauses import TacticClause
from ctir_tui.engine.tactics.model import Mapping

# What may follow a prefix entry's name (matrix._VERSION_SUFFIX): nothing or 20150331[v2].
_VERSION_SUFFIX = r"(\d{8}(v\d+)?)?$"


def _regex_literal(text: str) -> str:
    """``text`` as a regex matching only itself, in the syntax Joni, RE2 and Rust share."""
    return "".join(
        "\\" + ch if ch.isascii() and not ch.isalnum() and ch != "_" else ch for ch in text
    )


def tactic_ids(mapping: Mapping, named: Callable[[str], bool], *, extended: bool) -> set[str]:
    """The IDs of every tactic whose shown name satisfies ``named``: in the seed column the
    cheatsheet's name, in the extended one ATT&CK's (as :mod:`..tactics.matrix` writes them)."""
    if not extended:
        return {t.id for t in mapping.tactics if named(t.name)}
    ids = {t.id for t in mapping.tactics} | {t for e in mapping.extended for t in e.tactic_ids}
    return {tid for tid in ids if named(mapping.names.get(tid, tid))}


def _in(column: exp.Expr, values: list[str]) -> exp.Expr:
    return exp.In(this=column, expressions=[exp.Literal.string(v) for v in values])


def tactic_events(ctx: SqlContext, ids: set[str], *, extended: bool) -> exp.Expr:
    """Events carrying any tactic of ``ids`` in the seed (or extended) mapping."""
    name = ctx.shape.column(c.EVENT_NAME)
    source = ctx.shape.column(c.EVENT_SOURCE)
    seed = sorted({cell.event for t in ctx.mapping.tactics if t.id in ids for cell in t.cells})
    tests: list[exp.Expr] = [_in(name, seed)] if seed else []
    if extended:
        exact: dict[str, set[str]] = {}
        prefixes: set[tuple[str, str]] = set()
        for entry in ctx.mapping.extended:
            if not ids.intersection(entry.tactic_ids):
                continue
            if entry.prefix:
                prefixes.add((entry.event_source, entry.event_name))
            else:
                exact.setdefault(entry.event_source, set()).add(entry.event_name)
        for src in sorted(exact):
            tests.append(exp.and_(source.eq(src), _in(name, sorted(exact[src]))))
        for src, prefix in sorted(prefixes):
            pattern = "^" + _regex_literal(prefix) + _VERSION_SUFFIX
            tests.append(
                exp.and_(
                    source.eq(src),
                    exp.RegexpLike(this=name, expression=exp.Literal.string(pattern)),
                )
            )
    return any_of(tests)


@positive.register
def _tactic(clause: TacticClause, ctx: SqlContext) -> exp.Expr:
    # Any name of the tactic (or of the tactics an alias stands for), as the view reads it.
    wanted = ctx.mapping.tactic_aliases().get(clause.value.strip().lower())
    words = wanted or frozenset({clause.value.strip().lower()})
    ids = tactic_ids(ctx.mapping, lambda shown: shown.lower() in words, extended=ctx.extended)
    return tactic_events(ctx, ids, extended=ctx.extended)
