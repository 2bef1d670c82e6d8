"""Columns of the event list and the Polars expressions that turn a frame slice into cells.

Nothing here touches a widget: :class:`~ctir_tui.ui.widgets.event_list.EventList` slices the
visible rows out of the frame and asks :func:`format_rows` for their display text, so the work
per screen is one small ``select`` whatever the size of the frame; :func:`row_strip` then lays
the cells out with the styles the widget picked from its component classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import polars as pl
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from ctir_tui.engine import schema
from ctir_tui.engine.case.marks import KEY_COLUMNS, mark_key_expr
from ctir_tui.engine.query.clauses import FAILED_OUTCOMES
from ctir_tui.text import cell_width, fit, inert

#: Longest text kept for one cell; wider than any column, short enough to be cheap.
CELL_LIMIT: Final = 256
#: Cells of the gutter left of the columns: a mark, a failed call (``!``), a flagged record (``?``).
GUTTER: Final = 3


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the list: its key, title and how it gives way when narrow."""

    key: str
    title: str
    min_width: int
    width: int
    """The widest it grows to fit its content (its natural width is measured per view)."""
    priority: int
    """Lower numbers are kept longer when the list is too narrow for every column."""
    flex: int
    """Share of the width left once every shown column has its natural width."""
    optional: bool = False
    """Kept only once the others have their natural widths."""
    middle: bool = False
    """Cut in the middle (ARNs and names keep both ends) rather than at the end."""
    description: str = ""
    """What the column shows (the columns chooser says it)."""
    want: int = 0
    """The width it grows to before the optional columns come in (0: its natural width)."""
    whole: bool = False
    """Grown to its natural width before the others: a cut value (an address) misleads."""


#: Keys of the columns that are not frame columns of the same name.
ACCOUNT = "account"
AGENT = "agent"
MFA_SHOWN = "mfa_shown"

COLUMNS: Final = (
    Column(schema.TIME, "Time (UTC)", 19, 19, 0, 0, description="event time, UTC"),
    Column(
        ACCOUNT, "Account", 12, 12, 5, 0, optional=True, description="caller's account (if several)"
    ),
    Column(schema.PRINCIPAL, "Principal", 15, 72, 3, 6, middle=True, want=40, description="who"),
    Column(schema.EVENT_NAME, "Event", 14, 32, 1, 2, want=20, description="API call"),
    Column(
        schema.EVENT_SOURCE, "Source", 6, 16, 11, 1, optional=True, want=12, description="service"
    ),
    Column(schema.SOURCE_IP, "Source IP", 15, 39, 2, 0, whole=True, description="address"),
    Column(schema.REGION, "Region", 9, 14, 6, 0, optional=True, description="AWS region"),
    Column(
        schema.OUTCOME, "Outcome", 7, 7, 8, 0, optional=True, description="success/failure/denied"
    ),
    Column(MFA_SHOWN, "MFA", 3, 3, 9, 0, optional=True, description="MFA used / session MFA"),
    Column(schema.ERROR_CODE, "Error", 8, 28, 4, 1, want=12, description="error code"),
    Column(schema.TARGET, "Target", 10, 60, 10, 2, optional=True, want=24, description="acted on"),
    Column(AGENT, "User agent", 12, 60, 12, 2, optional=True, want=24, description="user agent"),
)
BY_KEY: Final = {column.key: column for column in COLUMNS}
#: Shown when the user has chosen nothing (the chooser, ``v``, changes it).
DEFAULT_COLUMNS: Final = tuple(c.key for c in COLUMNS if c.key not in (schema.EVENT_SOURCE,))

_ARN_PREFIX: Final = r"^arn:aws[\w-]*:(?:iam|sts)::\d*:"
#: The random suffix of an SSO permission set's role (``AWSReservedSSO_Admin_4f1e2d3c2b1a0f9e``):
#: noise in a cell (``V`` shows it); the permission set's name and the user are what count.
_SSO_SUFFIX: Final = r"(AWSReservedSSO_[\w+=,.@-]+?)_[0-9a-f]{16}(/|$)"

#: Natural widths of a view: column key -> cells of its widest value (bounded).
Widths = tuple[tuple[str, int], ...]


def _grow(
    spare: int,
    columns: list[Column],
    widths: dict[str, int],
    goal: Callable[[Column], int],
    *,
    weighted: bool = True,
) -> int:
    """Grow ``columns`` toward their goals, sharing ``spare``; returns cells given.

    Shares rather than one column at a time: a long event name must not starve the
    principal, nor the principal the event name. ``weighted`` shares by flex (the
    principal needs the most); otherwise equally, so that short values are completed.
    """
    given = 0
    while spare > given:
        hungry = [c for c in columns if widths[c.key] < goal(c)]
        if not hungry:
            break
        weights = {c.key: max(c.flex, 1) if weighted else 1 for c in hungry}
        total = sum(weights.values())
        left = spare - given
        for column in hungry:
            share = max(left * weights[column.key] // total, 1)
            grow = min(share, goal(column) - widths[column.key], spare - given)
            widths[column.key] += grow
            given += grow
    return given


@lru_cache(maxsize=256)
def layout(
    width: int, shown: tuple[str, ...] = DEFAULT_COLUMNS, natural: Widths = ()
) -> tuple[tuple[Column, int], ...]:
    """Fit the chosen columns to ``width`` cells (gutter and one-cell separators included).

    Required columns are kept, most important first, while their minimum widths fit; a
    :attr:`Column.whole` one (the address) then grows to its natural width (the widest
    value of the view, at most :attr:`Column.width`), the others to :attr:`Column.want`.
    Optional columns then join the same way, most important first, while they fit at
    their minimum. What is left grows every column to its natural width; no column is
    wider than its content.

    Args:
        width: Cells available.
        shown: Keys of the columns the user chose, in display order.
        natural: Widest value per column for this view (see :func:`natural_widths`);
            a column not given is taken at its bound, one measured 0 (no value in the
            view) is left out.

    Returns:
        The kept columns, in display order, each with its width.
    """
    avail = max(width - GUTTER, 0)
    wanted = [BY_KEY[k] for k in shown if k in BY_KEY]
    sizes = dict(natural)

    def full(column: Column) -> int:
        return max(column.min_width, min(column.width, sizes.get(column.key, column.width)))

    def comfortable(column: Column) -> int:
        return min(full(column), max(column.want or column.width, column.min_width))

    widths: dict[str, int] = {}
    used = -1  # the first column has no separator before it
    for optional in (False, True):
        tier = sorted(
            (c for c in wanted if c.optional == optional and sizes.get(c.key, 1)),
            key=lambda c: c.priority,
        )
        for column in tier:
            if widths and used + column.min_width + 1 > avail:
                continue
            widths[column.key] = column.min_width
            used += column.min_width + 1
        kept = [c for c in tier if c.key in widths]
        # A whole column is grown whole first, when it can be; else it grows like the rest.
        for column in (c for c in kept if c.whole):
            missing = full(column) - widths[column.key]
            if 0 < missing <= avail - used:
                widths[column.key] += missing
                used += missing
        used += _grow(avail - used, kept, widths, comfortable)
    _grow(avail - used, [c for c in wanted if c.key in widths], widths, full, weighted=False)
    return tuple((c, widths[c.key]) for c in wanted if c.key in widths)


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


@dataclass(frozen=True, slots=True)
class RowCells:
    """The display text of one event, already made inert and bounded."""

    cells: dict[str, str]
    failed: bool
    key: str | None
    marked: bool
    #: The loader flagged the record as suspicious (see the ``flagged`` filter).
    flagged: bool = False
    #: The gutter's glyph when marked: ``*``, or the initial of a tag it carries.
    glyph: str = "*"


def _shown_exprs(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    """The display text of every column, as expressions over ``frame`` (or a slice of it)."""
    dtype = frame.schema.get(schema.TIME)
    if isinstance(dtype, pl.Datetime):
        time = pl.col(schema.TIME)
        if dtype.time_zone is not None:
            time = time.dt.convert_time_zone("UTC")
        time = time.dt.strftime("%Y-%m-%d %H:%M:%S")
    else:
        time = _text(frame, schema.TIME)
    mfa = pl.coalesce(_flag(frame, schema.MFA_USED), _flag(frame, schema.MFA))
    return {
        schema.TIME: time.fill_null("-"),
        ACCOUNT: pl.coalesce(
            _text(frame, schema.ACCOUNT_ID), _text(frame, schema.RECIPIENT_ACCOUNT_ID)
        ),
        schema.PRINCIPAL: _text(frame, schema.PRINCIPAL)
        .str.replace(_ARN_PREFIX, "")
        .str.replace(_SSO_SUFFIX, "${1}${2}"),
        schema.EVENT_NAME: _text(frame, schema.EVENT_NAME),
        schema.EVENT_SOURCE: _text(frame, schema.EVENT_SOURCE).str.strip_suffix(".amazonaws.com"),
        schema.SOURCE_IP: _text(frame, schema.SOURCE_IP),
        schema.REGION: _text(frame, schema.REGION),
        schema.OUTCOME: _text(frame, schema.OUTCOME),
        MFA_SHOWN: pl.when(mfa).then(pl.lit("yes")).when(~mfa).then(pl.lit("no")),
        schema.ERROR_CODE: _text(frame, schema.ERROR_CODE),
        schema.TARGET: _text(frame, schema.TARGET),
        AGENT: _text(frame, schema.USER_AGENT),
    }


def _flag(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(pl.Boolean)
    return pl.lit(None, dtype=pl.Boolean)


def _failed(frame: pl.DataFrame) -> pl.Expr:
    """Failed or denied (the frame's ``outcome``: a failed ConsoleLogin has no error code)."""
    code = _text(frame, schema.ERROR_CODE).is_not_null()
    if schema.OUTCOME not in frame.columns:
        return code
    outcome = pl.col(schema.OUTCOME).cast(pl.String)
    return outcome.is_in(FAILED_OUTCOMES).fill_null(False) | (outcome.is_null() & code)


#: A view of at most this many rows is measured in one pass over its rows.
_SMALL_VIEW: Final = 4096


def _distinct(frame: pl.DataFrame, shown: dict[str, pl.Expr]) -> dict[str, pl.Series]:
    """The distinct non-null display texts of each of ``shown`` over ``frame``.

    A small view is measured in one pass over its rows (the first rows of a load, a
    narrow filter: 3 ms instead of 18 ms, the cost of a query per column). A large one is
    worked out on the distinct values of the columns each text reads (a few thousand of a
    million rows for the categorical ones), not on every row, the columns side by side.
    """
    if frame.height <= _SMALL_VIEW:
        row = frame.select(e.drop_nulls().unique().implode().alias(k) for k, e in shown.items())
        return {key: row.get_column(key)[0] for key in shown}
    queries = []
    for expr in shown.values():
        sources = list(dict.fromkeys(n for n in expr.meta.root_names() if n in frame.columns))
        base = frame.lazy().select(sources).unique() if sources else frame.lazy().head(1)
        queries.append(base.select(expr.alias("v")).unique())
    found = pl.collect_all(queries)
    return {key: f.get_column("v").drop_nulls() for key, f in zip(shown, found, strict=True)}


def natural_widths(frame: pl.DataFrame, keys: tuple[str, ...] | None = None) -> Widths:
    """The widest display value of each column over the whole view, bounded by the column.

    Categorical columns are measured over their distinct values, so a 1M-event view costs
    a few tens of milliseconds; run it off the UI thread all the same (the view worker
    does). A column with no value in the view, and the account when the view holds only
    one, are measured 0: they are left out.
    """
    return _measured(frame, keys)[0]


def measure_view(frame: pl.DataFrame) -> tuple[Widths, str | None]:
    """:func:`natural_widths` of every column, and the account of every event of ``frame``
    when there is one only (its column is then left out): one pass over the view.

    Run it off the UI thread (the view worker does).
    """
    widths, accounts = _measured(frame, None)
    only = accounts is not None and accounts.len() == 1
    return widths, str(accounts[0]) if accounts is not None and only else None


def _measured(frame: pl.DataFrame, keys: tuple[str, ...] | None) -> tuple[Widths, pl.Series | None]:
    """The natural widths of ``keys`` (every column), and the view's distinct accounts if
    the account is among them."""
    exprs = _shown_exprs(frame)
    wanted = keys if keys is not None else tuple(c.key for c in COLUMNS)
    fixed = {k for k in wanted if BY_KEY[k].min_width == BY_KEY[k].width and not BY_KEY[k].optional}
    distinct = _distinct(frame, {k: exprs[k] for k in wanted if k not in fixed})
    out: list[tuple[str, int]] = []
    for key in wanted:
        column = BY_KEY[key]
        if key in fixed:
            out.append((key, column.min_width))
            continue
        values = distinct[key]
        if values.is_empty() or (key == ACCOUNT and values.len() == 1):
            # Nothing to show, or one account: it would say the same on every row (the
            # status line names it instead); the column stays out.
            out.append((key, 0))
        elif values.len() > 4096:  # very many distinct values: their length is close enough
            widest = values.str.len_chars().max()
            widest = widest if isinstance(widest, int) else 0
            out.append((key, max(column.min_width, min(widest, column.width))))
        else:
            widest = max(cell_width(inert(v, limit=column.width)) for v in values)
            out.append((key, max(column.min_width, min(widest, column.width))))
    return tuple(out), distinct.get(ACCOUNT)


#: Longest text kept for one value in the full-values view (``V``).
FULL_LIMIT: Final = 4096


def full_values(row: pl.DataFrame) -> list[tuple[str, str]]:
    """(column title, whole value) of every column for the first event of ``row``.

    What a cell shortens is given whole: the principal as its full ARN, no cut. Values are
    made inert; an empty one is ``-``.
    """
    exprs = _shown_exprs(row)
    if schema.PRINCIPAL_ARN in row.columns:
        exprs[schema.PRINCIPAL] = pl.coalesce(
            _text(row, schema.PRINCIPAL_ARN), _text(row, schema.PRINCIPAL)
        )
    values = row.head(1).select(**exprs).row(0, named=True) if row.height else {}
    return [(c.title, inert(values.get(c.key), limit=FULL_LIMIT) or "-") for c in COLUMNS]


def format_rows(
    rows: pl.DataFrame, marks: frozenset[str], glyphs: Mapping[str, str] | None = None
) -> list[RowCells]:
    """Turn a few rows of the event frame into display cells.

    Args:
        rows: A small slice of the frame (the visible rows), in display order.
        marks: Mark keys (see :func:`mark_key_expr`) of the marked events.
        glyphs: The gutter glyph of a marked event, by key, when not ``*``.

    Returns:
        One :class:`RowCells` per row of ``rows``.
    """
    has_key = set(rows.columns) >= KEY_COLUMNS
    exprs = {
        **_shown_exprs(rows),
        "__failed": _failed(rows),
        "__key": mark_key_expr() if has_key else pl.lit(None, dtype=pl.String),
        "__flagged": pl.col(schema.FLAGS).is_not_null()
        if schema.FLAGS in rows.columns
        else pl.lit(False),
    }
    shown = rows.select(**exprs)
    keys = [c.key for c in COLUMNS]
    out: list[RowCells] = []
    for values in shown.iter_rows(named=True):
        cells = {k: inert(values[k], limit=CELL_LIMIT) for k in keys}
        key = values["__key"]
        marked = key is not None and key in marks
        glyph = (glyphs or {}).get(key, "*") if marked else "*"
        failed = bool(values["__failed"])
        out.append(RowCells(cells, failed, key, marked, bool(values["__flagged"]), glyph))
    return out


def header_strip(
    columns: tuple[tuple[Column, int], ...], width: int, style: Style, *, descending: bool
) -> Strip:
    """The column titles of a :func:`layout`, the time title showing the sort order."""
    segments = [Segment(" " * GUTTER, style)]
    arrow = " ↓" if descending else " ↑"
    for column, size in columns:
        title = column.title + (arrow if column.key == schema.TIME else "")
        segments.append(Segment(fit(title, size) + " ", style))
    return Strip(segments).adjust_cell_length(width, style)


def _cut(text: str, size: int, column: Column) -> str:
    """``text`` fitted to ``size`` cells; a principal keeps its last part (user, session)."""
    if column.key == schema.PRINCIPAL and cell_width(text) > size and "/" in text:
        tail = text[text.rindex("/") :]
        room = size - cell_width(tail)
        if room >= 8:  # enough left to tell the kind and the role apart
            return fit(fit(text[: -len(tail)], room, pad=False) + tail, size)
    return fit(text, size, middle=column.middle)


def row_strip(
    row: RowCells,
    columns: tuple[tuple[Column, int], ...],
    width: int,
    styles: tuple[Style, Style, Style],
) -> Strip:
    """One event laid out in ``width`` cells: gutter flags, then the columns of a layout.

    ``styles`` are the row's, a failed call's and a mark's.
    """
    style, error, mark = styles
    segments = [
        Segment(row.glyph if row.marked else " ", mark),
        Segment("!" if row.failed else " ", error),
        Segment("?", mark) if row.flagged else Segment(" ", style),
    ]
    for column, size in columns:
        failed_cell = column.key in (schema.ERROR_CODE, schema.OUTCOME)
        cell_style = error if row.failed and failed_cell else style
        text = _cut(row.cells[column.key], size, column)
        segments.append(Segment(text, cell_style))
        segments.append(Segment(" ", style))
    return Strip(segments).adjust_cell_length(width, style)


class PageCells:
    """The cells of the rows formatted so far, a page at a time, for one frame generation."""

    def __init__(self, size: int = 1024) -> None:
        self._cells: LRUCache[tuple[int, int], RowCells] = LRUCache(size)

    def clear(self) -> None:
        """Forget every row (the frame or the marks changed)."""
        self._cells.clear()

    def row(
        self,
        frame: pl.DataFrame,
        generation: int,
        row: int,
        *,
        top: int,
        page: int,
        descending: bool,
        marks: frozenset[str],
        glyphs: Mapping[str, str] | None = None,
    ) -> RowCells:
        """The cells of displayed ``row``, formatting its whole page on a miss.

        One small Polars select per screenful, whatever the size of the frame.
        """
        cells = self._cells.get((generation, row))
        if cells is not None:
            return cells
        height = frame.height
        start = top if top <= row < top + page else row
        stop = min(start + page, height)
        if descending:
            rows = frame.slice(height - stop, stop - start).reverse()
        else:
            rows = frame.slice(start, stop - start)
        for offset, formatted in enumerate(format_rows(rows, marks, glyphs)):
            self._cells[(generation, start + offset)] = formatted
        return self._cells[(generation, row)]
