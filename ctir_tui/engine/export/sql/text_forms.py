"""SQL forms of the text clauses: principal, free text, source IP, event name, errors, read-only.

Each mirrors the clause's Polars test in :mod:`ctir_tui.engine.query.clauses` over the same
canonical columns (:data:`PRINCIPAL_COLUMNS`, :data:`TEXT_COLUMNS`), derived from the table
as :mod:`.tables` says.

Source IPs are compared as addresses, never as text: Trino's ``TRY_CAST(... AS IPADDRESS)``
is null for what is no address ("AWS Internal", ``ec2.amazonaws.com``), so such events never
match an address or a network (and a negated one keeps them, as in ctir). Trino stores an
IPv4 address as its IPv4-mapped IPv6 form, which is how ctir folds ``::ffff:1.2.3.4`` onto
IPv4; ctir never matches an IPv4 address against an IPv6 network, hence the extra
``NOT contains('::ffff:0.0.0.0/96', ...)`` on IPv6 networks.
"""

from __future__ import annotations

import ipaddress

from sqlglot import exp

from ctir_tui.engine import schema as c
from ctir_tui.engine.export.sql.context import SqlContext
from ctir_tui.engine.export.sql.forms import any_of, contains_text, positive
from ctir_tui.engine.query.clauses import (
    FAILED_OUTCOMES,
    PRINCIPAL_COLUMNS,
    RECORD_TEXT_COLUMNS,
    ErrorsClause,
    EventClause,
    IpClause,
    PrincipalClause,
    ReadOnlyClause,
    TextClause,
)
from ctir_tui.engine.query.values import (
    Address,
    Network,
    clean,
    globs_regex,
    ip_parts,
    ip_target,
)

T = exp.DataType.Type
#: Where Trino keeps IPv4 addresses among IPv6 ones.
_MAPPED_V4 = "::ffff:0.0.0.0/96"
#: What separates the addresses of one sourceIPAddress value (as ctir splits it).
_ADDRESS_SEPARATORS = r"[\s,]+"
#: The lambda's name for each of them.
_EACH = "address"


def _contains_any(ctx: SqlContext, columns: tuple[str, ...], needle: str) -> exp.Expr:
    return any_of(contains_text(ctx.shape.column(col), needle) for col in columns)


@positive.register
def _principal(clause: PrincipalClause, ctx: SqlContext) -> exp.Expr:
    return _contains_any(ctx, PRINCIPAL_COLUMNS, clean(clause.value))


#: The record's objects free text searches, as ctir's text store holds them.
_TEXT_OBJECTS = ("requestParameters", "responseElements", "additionalEventData")


@positive.register
def _text(clause: TextClause, ctx: SqlContext) -> exp.Expr:
    # The record's columns (the loader's notes are ctir's own: a table of the trail has the
    # record only), and its request, response and additional data (ctir's text store).
    needle = clean(clause.value)
    objects = [contains_text(ctx.shape.json_text(name), needle) for name in _TEXT_OBJECTS]
    return any_of([_contains_any(ctx, RECORD_TEXT_COLUMNS, needle), *objects])


def _prefix(network: ipaddress.IPv4Network | ipaddress.IPv6Network | str) -> exp.Expr:
    return exp.cast(exp.Literal.string(str(network)), T.IPPREFIX)


def _in_network(prefix: exp.Expr, address: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="contains", expressions=[prefix, address])


def _address_test(
    target: Address | Network,
    address: exp.Expr,
) -> exp.Expr:
    if isinstance(target, ipaddress.IPv4Network):
        return _in_network(_prefix(target), address)
    if isinstance(target, ipaddress.IPv6Network):
        return exp.and_(
            _in_network(_prefix(target), address),
            exp.not_(_in_network(_prefix(_MAPPED_V4), address)),
        )
    return exp.EQ(
        this=address,
        expression=exp.cast(exp.Literal.string(str(target)), T.IPADDRESS),
    )


def _ip_part(part: str, ctx: SqlContext) -> exp.Expr:
    target = ip_target(part)
    source = ctx.shape.column(c.SOURCE_IP)
    if target is None:
        return contains_text(source, part.strip())
    # A value may hold several addresses ("203.0.113.5, 10.0.0.1": a proxy chain), as ctir
    # reads it: split at commas and spaces, and any of them may match. TRY_CAST makes what
    # is no address null, which matches nothing.
    split = exp.Anonymous(
        this="REGEXP_SPLIT",
        expressions=[exp.Trim(this=source), exp.Literal.string(_ADDRESS_SEPARATORS)],
    )
    each = exp.to_identifier(_EACH)
    address = exp.TryCast(this=exp.column(each), to=exp.DataType.build(T.IPADDRESS))
    return exp.Anonymous(
        this="ANY_MATCH",
        expressions=[split, exp.Lambda(this=_address_test(target, address), expressions=[each])],
    )


@positive.register
def _ip(clause: IpClause, ctx: SqlContext) -> exp.Expr:
    return any_of(_ip_part(part, ctx) for part in ip_parts(clause.value))


@positive.register
def _event(clause: EventClause, ctx: SqlContext) -> exp.Expr:
    # The very regex the view uses: anchored, case-insensitive, every metacharacter of the
    # glob escaped. Trino (Joni) and RE2 read it as Rust's regex crate does.
    return exp.RegexpLike(
        this=ctx.shape.column(c.EVENT_NAME),
        expression=exp.Literal.string(globs_regex(clause.globs)),
    )


@positive.register
def _errors(clause: ErrorsClause, ctx: SqlContext) -> exp.Expr:
    # The outcome, as ctir derives it: a failed console login (no error code) is failed too.
    return exp.In(
        this=ctx.shape.column(c.OUTCOME),
        expressions=[exp.Literal.string(o) for o in FAILED_OUTCOMES],
    )


@positive.register
def _read_only(clause: ReadOnlyClause, ctx: SqlContext) -> exp.Expr:
    # Hides read-only events; an unknown readOnly stays shown.
    return exp.not_(exp.Coalesce(this=ctx.shape.column(c.READ_ONLY), expressions=[exp.false()]))
