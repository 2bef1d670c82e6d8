"""Free text over the text store: the records whose request, response or extra data hold a word.

Request parameters, response elements and additional event data are most of a trail's bytes,
so they are not in the frame (see :mod:`ctir_tui.engine.pipeline.texts`). A search scans the
store's Parquet parts lazily with Polars' streaming engine, keeps only the locators
(``file_id``, ``rec_index``) of the records that match, and remembers the answer for a few
recent words, so the ``text`` clause of a view that is filtered again costs nothing more.
Memory stays that of the locators found plus one batch of text at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

import polars as pl

from ctir_tui.engine import schema as c
from ctir_tui.engine.pipeline.texts import DROPPED, TextStore
from ctir_tui.engine.query.values import literal_pattern

#: The text-store columns a free-text search reads.
SEARCHED: Final = (c.REQUEST_JSON, c.RESPONSE_JSON, c.ADDITIONAL_JSON)
#: Words whose answers are kept.
REMEMBERED: Final = 16


def packed_locator() -> pl.Expr:
    """``file_id`` and ``rec_index`` of a row as one UInt64 (what :meth:`TextSearch.hits` holds)."""
    return pl.col(c.FILE_ID).cast(pl.UInt64) * (1 << 32) + pl.col(c.REC_INDEX).cast(pl.UInt64)


class TextSearch:
    """Case-insensitive literal search of one load's text store, with its recent answers."""

    def __init__(self, store: TextStore) -> None:
        self.store = store
        self._answers: OrderedDict[tuple[str, int], pl.Series] = OrderedDict()
        self._lock = threading.Lock()

    def hits(self, needle: str) -> pl.Series:
        """The packed locators (see :func:`packed_locator`) of the records holding ``needle``.

        Args:
            needle: Text to find, matched literally and case-insensitively in the JSON text
                of the request parameters, response elements and additional event data.

        Returns:
            A sorted UInt64 series, empty when nothing holds the text (or the store is empty).
        """
        if not needle:
            return pl.Series("hits", [], dtype=pl.UInt64)
        key = (needle.lower(), len(self.store.parts))
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found
        found = self._scan(needle)
        with self._lock:
            self._answers[key] = found
            while len(self._answers) > REMEMBERED:
                self._answers.popitem(last=False)
        return found

    def _scan(self, needle: str) -> pl.Series:
        pattern = "(?i)" + literal_pattern(needle)
        parts, scans = [], []
        for part in list(self.store.parts):
            if not part.path.exists():  # a cache cleared under a running ctir
                continue
            lazy = pl.scan_parquet(part.path)
            columns = [name for name in SEARCHED if name in lazy.collect_schema().names()]
            if not columns:
                continue
            test = pl.any_horizontal(pl.col(name).str.contains(pattern) for name in columns)
            parts.append(part)
            scans.append(lazy.filter(test.fill_null(False)).select(c.FILE_ID, c.REC_INDEX))
        found = []
        for part, rows in zip(parts, pl.collect_all(scans, engine="streaming"), strict=True):
            if not rows.height:
                continue
            # A part numbers its files from 0: their ids in the load are in ``part.ids``.
            ids = pl.Series(part.ids, dtype=pl.UInt32)
            local = rows.get_column(c.FILE_ID).cast(pl.UInt32)
            known = local < len(ids)
            rows = rows.filter(known).with_columns(ids.gather(local.filter(known)).alias(c.FILE_ID))
            found.append(rows.filter(pl.col(c.FILE_ID) != DROPPED).select(packed_locator()))
        if not found:
            return pl.Series("hits", [], dtype=pl.UInt64)
        return pl.concat(found).to_series().rename("hits").sort()


def read_texts(store: TextStore, rows: pl.DataFrame) -> pl.DataFrame:
    """The JSON texts of a few records (``rows`` holds their ``file_id`` and ``rec_index``).

    Only the parts holding those files are read, each filtered on its own numbering so the
    Parquet reader skips what it can; a part that vanished gives nothing.

    Returns:
        ``file_id``, ``rec_index`` and the text columns, one row per record found.
    """
    wanted = rows.select(
        pl.col(c.FILE_ID).cast(pl.UInt32), pl.col(c.REC_INDEX).cast(pl.UInt32)
    ).unique()
    columns = [c.FILE_ID, c.REC_INDEX, *SEARCHED]
    found = []
    files = set(wanted.get_column(c.FILE_ID).to_list())
    for part in list(store.parts):
        local = {gid: i for i, gid in enumerate(part.ids) if gid in files}
        if not local or not part.path.exists():
            continue
        lazy = pl.scan_parquet(part.path)
        names = lazy.collect_schema().names()
        texts = (
            lazy.filter(pl.col(c.FILE_ID).is_in(list(local.values())))
            .select(
                pl.col(c.FILE_ID).replace_strict(
                    {i: gid for gid, i in local.items()}, return_dtype=pl.UInt32
                ),
                pl.col(c.REC_INDEX).cast(pl.UInt32),
                *(pl.col(n) if n in names else pl.lit(None, pl.String).alias(n) for n in SEARCHED),
            )
            .collect()
        )
        found.append(texts.join(wanted, on=[c.FILE_ID, c.REC_INDEX], how="semi"))
    if not found:
        return pl.DataFrame(schema={n: c.TEXT_SCHEMA[n] for n in columns})
    return pl.concat(found)
