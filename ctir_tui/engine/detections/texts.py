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
    leaves: dict[tuple[TextField, Matcher], set[int]] = field(default_factory=dict)
    #: field -> rows that need its values (field references, cidr, correlation fields).
    values: dict[TextField, set[int]] = field(default_factory=dict)

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


def _rows(rows: set[int]) -> pl.Series:
    return pl.Series(sorted(rows), dtype=pl.UInt32)


def read(frame: pl.DataFrame, store: TextStore, request: TextRequest) -> pl.DataFrame:
    """Run ``request`` over the rows of ``frame`` it names.

    Returns:
        One row per frame row found in the store: ``_row`` (index into ``frame``), each leaf's
        boolean (:meth:`TextRequest.leaf_column`), each value field's values and presence
        (:func:`value_column`, :func:`present_column`, by position in
        :meth:`TextRequest.fields`). Rows the store does not hold are absent.
    """
    fields = request.fields()
    need: dict[TextField, set[int]] = {f: set() for f in fields}
    for (f, _), rows in request.leaves.items():
        need[f] |= rows
    for f, rows in request.values.items():
        need[f] |= rows
    every: set[int] = set().union(*need.values()) if need else set()
    if not every:
        return pl.DataFrame(schema={ROW: pl.UInt32})
    all_rows = _rows(every)
    keys = frame[all_rows].select(packed_key().alias(_KEY)).with_columns(all_rows.alias(ROW))
    stores = sorted({f.store for f in fields})
    scan = store.scan().select(packed_key().alias(_KEY), *stores).join(keys.lazy(), on=_KEY)
    out: list[pl.Expr] = [pl.col(ROW)]
    for index, f in enumerate(fields):
        raw = pl.col(f.store)
        keep = pl.lit(True)
        if len(need[f]) < len(every):
            keep = pl.col(ROW).is_in(pl.lit(_rows(need[f])).implode())
        if f.needle is not None:
            keep = keep & (
                raw.str.contains(f.needle, literal=True) | raw.str.contains("\\", literal=True)
            )
        kept: pl.Expr = pl.when(keep).then(raw)
        jsonpath = _json_path(f.path)
        fast: pl.Expr
        walked: pl.Expr
        if not f.path:
            fast, walked = kept, pl.lit(False)
        elif jsonpath is None:
            fast, walked = pl.lit(None, dtype=pl.String), kept.is_not_null()
        else:
            fast = kept.str.json_path_match(jsonpath)
            walked = kept.is_not_null() & (fast.is_null() | fast.str.starts_with("["))
        out += [
            fast.alias(f"_f{index}"),
            walked.alias(f"_w{index}"),
            pl.when(walked).then(raw).alias(f"_r{index}"),
        ]
        for (leaf_field, matcher), _ in request.leaves.items():
            if leaf_field != f:
                continue
            name = request.leaf_column((leaf_field, matcher))
            out.append(_fast_leaf(fast, matcher).alias(name))
    got = scan.select(out).unique(ROW).collect(engine="streaming")
    return _finish(got, request, fields)


def _fast_leaf(fast: pl.Expr, matcher: Matcher) -> pl.Expr:
    if isinstance(matcher, Null):
        return fast.is_null()
    if isinstance(matcher, Exists):
        return fast.is_not_null() if matcher.present else fast.is_null()
    test = string_test(matcher)
    assert test is not None, matcher  # cidr and field references go by values
    return test(fast).fill_null(False)


def _finish(got: pl.DataFrame, request: TextRequest, fields: list[TextField]) -> pl.DataFrame:
    """Walk the rows whose path crosses an array, and settle every output column."""
    columns: list[pl.Expr] = []
    for index, f in enumerate(fields):
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
