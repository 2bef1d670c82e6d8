"""Tests on request, response and additional data: one streaming pass over the text store.

The text store (:class:`~ctir_tui.engine.pipeline.texts.TextStore`) holds each record's
``requestParameters``, ``responseElements`` and ``additionalEventData`` as JSON text, on disk.
A rule reads them only for its candidate rows (those its frame tests allow), and a field only
where the JSON names its last key (``"policyArn"``; or holds a ``\\`` escape, which could
spell it otherwise), so a pass keeps no JSON in memory but for the few rows whose value
crosses an array.

A field's values: Polars' JSON path gives the value when no array is on the way; a row whose
path crosses an array (``requestParameters.instancesSet.items.instanceType``) or ends in one is
walked in Python, and the field then holds every value found (a test holds if any value
passes, as Sigma backends read multi-valued fields). A JSON ``null`` is no value, but a key
holding ``null`` is present for ``exists``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.detections.fields import TextField
from ctir_tui.engine.detections.matchers import string_test
from ctir_tui.engine.detections.plan import Exists, Matcher, Null
from ctir_tui.engine.pipeline.texts import TextStore

ROW: Final = "_row"
_KEY: Final = "_key"
_PLAIN_KEY: Final = re.compile(r"[^'\\\[\]]+")
#: Deepest JSON walked (deeper documents are refused by orjson and hold no value).
_MAX_WALK: Final = 100_000


def packed_key(file_id: str = c.FILE_ID, rec_index: str = c.REC_INDEX) -> pl.Expr:
    """One integer per record: its file and its index in the file."""
    return pl.col(file_id).cast(pl.UInt64) * (1 << 32) + pl.col(rec_index).cast(pl.UInt64)


@dataclass(slots=True)
class TextRequest:
    """What a pass must compute: leaf tests and field values, each for some rows."""

    #: (field, matcher) -> rows (indices into the frame) that need the test.
    leaves: dict[tuple[TextField, Matcher], list[pl.Series]] = field(default_factory=dict)
    #: field -> rows that need its values (field references, cidr, correlation fields).
    values: dict[TextField, list[pl.Series]] = field(default_factory=dict)

    def add_leaf(self, test: tuple[TextField, Matcher], rows: pl.Series) -> None:
        """Rows that need a leaf test."""
        self.leaves.setdefault(test, []).append(rows)

    def add_values(self, text_field: TextField, rows: pl.Series) -> None:
        """Rows that need a field's values."""
        self.values.setdefault(text_field, []).append(rows)

    def leaf_column(self, test: tuple[TextField, Matcher]) -> str:
        """The output column of a leaf test."""
        return f"_l{list(self.leaves).index(test)}"

    def fields(self) -> list[TextField]:
        """Every field read, in a stable order."""
        seen = dict.fromkeys(f for f, _ in self.leaves)
        seen.update(dict.fromkeys(self.values))
        return list(seen)


def value_column(index: int) -> str:
    """The output column of a field's values (List of String)."""
    return f"_v{index}"


def present_column(index: int) -> str:
    """The output column of whether a field is present."""
    return f"_p{index}"


def leaf_default(matcher: Matcher) -> bool:
    """A leaf's value for a row the text store does not hold (no value at all)."""
    return isinstance(matcher, Null) or (isinstance(matcher, Exists) and not matcher.present)


def _json_path(path: tuple[str, ...]) -> str | None:
    if not path or not all(_PLAIN_KEY.fullmatch(p) for p in path):
        return None
    return "$" + "".join(f"['{p}']" for p in path)


def _flatten(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            yield item


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


def walk(raw: str, path: tuple[str, ...]) -> tuple[bool, list[str]]:
    """Whether ``path`` is present in the JSON text ``raw``, and every value it holds."""
    try:
        nodes: list[Any] = [orjson.loads(raw)]
    except orjson.JSONDecodeError:
        return False, []
    for key in path:
        nodes = [
            item[key]
            for n in nodes
            for item in _flatten(n)
            if isinstance(item, dict) and key in item
        ]
        if not nodes or len(nodes) > _MAX_WALK:
            return False, []
    values = [_text(v) for n in nodes for v in _flatten(n) if v is not None]
    return True, values


def _union(parts: list[pl.Series]) -> pl.Series:
    if not parts:
        return pl.Series(dtype=pl.UInt32)
    return pl.concat(parts).cast(pl.UInt32).unique().sort()


def read(frame: pl.DataFrame, store: TextStore, request: TextRequest) -> pl.DataFrame:
    """Run ``request`` over the rows of ``frame`` it names.

    Returns:
        One row per frame row found in the store: ``_row`` (index into ``frame``), each leaf's
        boolean (:meth:`TextRequest.leaf_column`), each value field's values and presence
        (:func:`value_column`, :func:`present_column`, by position in
        :meth:`TextRequest.fields`). Rows the store does not hold are absent.
    """
    fields = request.fields()
    need: dict[TextField, list[pl.Series]] = {f: [] for f in fields}
    for (f, _), parts in request.leaves.items():
        need[f] += parts
    for f, parts in request.values.items():
        need[f] += parts
    wanted = {f: _union(parts) for f, parts in need.items()}
    all_rows = _union(list(wanted.values()))
    if all_rows.is_empty():
        return pl.DataFrame(schema={ROW: pl.UInt32})
    # Pass 1, streaming over the store: one row per (event, field) needed, kept only where
    # the event's JSON names the field's last key (or holds an escape, which could spell it);
    # only those rows' JSON is read into memory. A whole root has no key to look for.
    packed = frame.select(packed_key()).to_series()
    stores = sorted({f.store for f in fields})
    pieces = [
        pl.DataFrame(
            {
                _KEY: packed.gather(wanted[f]),
                ROW: wanted[f],
                "_fi": pl.Series([index] * len(wanted[f]), dtype=pl.UInt32),
                "_si": pl.Series([stores.index(f.store)] * len(wanted[f]), dtype=pl.UInt32),
                "_needle": pl.Series([f.needle or ""] * len(wanted[f]), dtype=pl.String),
            }
        )
        for index, f in enumerate(fields)
    ]
    wanted_rows = pl.concat(pieces)
    raw: pl.Expr = pl.col(stores[0])
    for number, name in enumerate(stores[1:], start=1):
        raw = pl.when(pl.col("_si") == number).then(pl.col(name)).otherwise(raw)
    named = raw.str.contains(pl.col("_needle"), literal=True)
    # Only the store's parts (and row groups) holding the candidates' files are read.
    files = frame.get_column(c.FILE_ID).gather(all_rows).unique().to_list()
    kept = (
        store.scan(files)
        .select(packed_key().alias(_KEY), *stores)
        .join(wanted_rows.lazy(), on=_KEY)
        .filter(named | raw.str.contains("\\", literal=True))
        .select(ROW, "_fi", raw.alias("_raw"))
        .collect(engine="streaming")
    )
    # Pass 2, in memory, per field over the few rows kept for it.
    frames = [pl.DataFrame(schema={ROW: pl.UInt32})]
    for index, f in enumerate(fields):
        sub = kept.filter(pl.col("_fi") == index).select(ROW, pl.col("_raw").alias(f.store))
        frames.append(_field_pass(sub, request, f, index))
    merged = pl.concat(frames, how="diagonal_relaxed")
    return merged.group_by(ROW).agg(pl.all().drop_nulls().first())


def _field_pass(sub: pl.DataFrame, request: TextRequest, f: TextField, index: int) -> pl.DataFrame:
    """One field's leaf tests and values over the rows whose JSON names it."""
    raw = pl.col(f.store)
    jsonpath = _json_path(f.path)
    fast: pl.Expr
    walked: pl.Expr
    if not f.path:
        fast, walked = raw, pl.lit(False)
    elif jsonpath is None:
        fast, walked = pl.lit(None, dtype=pl.String), raw.is_not_null()
    else:
        fast = raw.str.json_path_match(jsonpath)
        walked = raw.is_not_null() & (fast.is_null() | fast.str.starts_with("["))
    out = [
        pl.col(ROW),
        fast.alias(f"_f{index}"),
        walked.alias(f"_w{index}"),
        pl.when(walked).then(raw).alias(f"_r{index}"),
    ]
    for (leaf_field, matcher), _ in request.leaves.items():
        if leaf_field == f:
            out.append(_fast_leaf(fast, matcher).alias(request.leaf_column((leaf_field, matcher))))
    fields = request.fields()
    return _finish(sub.select(out), request, [f], offset=fields.index(f))


def _fast_leaf(fast: pl.Expr, matcher: Matcher) -> pl.Expr:
    if isinstance(matcher, Null):
        return fast.is_null()
    if isinstance(matcher, Exists):
        return fast.is_not_null() if matcher.present else fast.is_null()
    test = string_test(matcher)
    assert test is not None, matcher  # cidr and field references go by values
    return test(fast).fill_null(False)


def _finish(
    got: pl.DataFrame, request: TextRequest, fields: list[TextField], offset: int = 0
) -> pl.DataFrame:
    """Walk the rows whose path crosses an array, and settle every output column."""
    columns: list[pl.Expr] = []
    for index, f in enumerate(fields, start=offset):
        fast, walked, raw = f"_f{index}", f"_w{index}", f"_r{index}"
        walk_rows = got.filter(pl.col(walked)).select(ROW, raw)
        found = [walk(text, f.path) for _, text in walk_rows.iter_rows()]
        present = pl.DataFrame(
            {
                ROW: walk_rows.get_column(ROW),
                "present": pl.Series([p for p, _ in found], dtype=pl.Boolean),
                "values": pl.Series([v for _, v in found], dtype=pl.List(pl.String)),
            }
        )
        exploded = present.select(ROW, "values").explode("values").drop_nulls("values")
        for (leaf_field, matcher), _ in request.leaves.items():
            if leaf_field != f:
                continue
            name = request.leaf_column((leaf_field, matcher))
            if isinstance(matcher, Null):
                settled = present.filter(pl.col("values").list.len() == 0)
            elif isinstance(matcher, Exists):
                settled = present.filter(pl.col("present") == matcher.present)
            else:
                test = string_test(matcher)
                assert test is not None, matcher
                settled = exploded.filter(test(pl.col("values")).fill_null(False))
            hits = settled.get_column(ROW).unique().implode()
            columns.append(
                pl.when(pl.col(walked)).then(pl.col(ROW).is_in(hits)).otherwise(name).alias(name)
            )
        if f in request.values:
            single = pl.when(pl.col(fast).is_null()).then(pl.lit([], dtype=pl.List(pl.String)))
            got = got.join(present.rename({"present": "_wp", "values": "_wv"}), on=ROW, how="left")
            columns += [
                pl.when(pl.col(walked))
                .then(pl.col("_wv"))
                .otherwise(single.otherwise(pl.concat_list(pl.col(fast))))
                .alias(value_column(index)),
                pl.when(pl.col(walked))
                .then(pl.col("_wp"))
                .otherwise(pl.col(fast).is_not_null())
                .alias(present_column(index)),
            ]
            got = got.with_columns(columns).drop("_wp", "_wv")
            columns = []
    if columns:
        got = got.with_columns(columns)
    keep = [ROW, *[n for n in got.columns if n.startswith(("_l", "_v", "_p"))]]
    return got.select(keep)
