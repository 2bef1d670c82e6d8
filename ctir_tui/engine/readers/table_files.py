"""CSV, Parquet and query-result JSON read into flat frames (see :mod:`.tabular`).

Cells are read as text, never as formulas or numbers; a header naming a column twice is
kept (the first is read, every row is flagged with both values); rows longer than the
header are cut to it and shorter ones padded. The original row is shown in the detail
view as a JSON object of its columns, in file order, duplicates included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any, Final

import orjson
import polars as pl

from ctir_tui.engine.readers.tabular import MAX_CELL
from ctir_tui.engine.readers.typed import FLAG_DUPLICATE_KEYS

PARQUET_MAGIC: Final = b"PAR1"
#: The note of a row one of whose cells was cut.
CUT_NOTE: Final = "a cell longer than 1 MiB was cut"


def csv_header(head: bytes) -> list[str] | None:
    """The column names of a CSV's first line (None when it is not one)."""
    line = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    if "," not in line or line.lstrip().startswith(("{", "[")):
        return None
    try:
        return next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None


def _unique(names: Iterable[str]) -> list[str]:
    return [f"c{i}" for i, _ in enumerate(names)]


class CsvRows:
    """A CSV file's cells, positional, with its header as written."""

    def __init__(self, data: bytes) -> None:
        header = csv_header(data[:65536]) or []
        self.header = header
        positional = _unique(header)
        #: Set when rows held more fields than the header (the extra ones are dropped).
        self.note: str | None = None
        try:
            self.cells = self._read(data, positional, ragged=False)
        except pl.exceptions.ComputeError:
            try:
                self.cells = self._read(data, positional, ragged=True)
                self.note = (
                    "some rows held more fields than the header: the extra fields were dropped"
                )
            except pl.exceptions.ComputeError as exc:
                # A quote left open: Python's reader takes the rest of the file as its cell.
                self.cells = _read_leniently(data, positional)
                self.note = f"damaged CSV ({str(exc).splitlines()[0][:160]}); read leniently"
        if self.cells.width < len(positional):  # an empty body: no columns inferred
            self.cells = pl.DataFrame(schema=dict.fromkeys(positional, pl.String))

    @staticmethod
    def _read(data: bytes, names: list[str], *, ragged: bool) -> pl.DataFrame:
        return pl.read_csv(
            io.BytesIO(data),  # the worker's buffer may be a bytearray
            has_header=False,
            skip_rows=1,
            new_columns=names,
            schema=dict.fromkeys(names, pl.String),
            truncate_ragged_lines=ragged,
            missing_columns="insert",  # a short row is padded, never the file refused
            empty_string_is_null=False,
            encoding="utf8-lossy",
            raise_if_empty=False,
            quote_char='"',
        )

    def flat(self, *, fold_case: bool = True) -> pl.DataFrame:
        """Columns named by their header (lower-cased), the first of a repeated name."""
        seen: dict[str, str] = {}
        for position, name in enumerate(self.header):
            key = name.strip().lower() if fold_case else name.strip()
            seen.setdefault(key, f"c{position}")
        return self.cells.select([pl.col(col).alias(key) for key, col in seen.items()])

    def repeated(self, *, fold_case: bool = True) -> dict[str, list[str]]:
        """Header names given more than once, with their positional columns."""
        where: dict[str, list[str]] = {}
        for position, name in enumerate(self.header):
            key = name.strip().lower() if fold_case else name.strip()
            where.setdefault(key, []).append(f"c{position}")
        return {key: cols for key, cols in where.items() if len(cols) > 1}

    def flagged(self) -> list[tuple[int, str, str]]:
        """Rows to flag: a repeated column's values, and cells cut for their size."""
        out: list[tuple[int, str, str]] = []
        for key, cols in self.repeated().items():
            values = self.cells.select(cols).rows()
            for row, cells in enumerate(values):
                shown = " / ".join(orjson.dumps(c).decode()[:80] for c in cells)
                note = f"duplicate keys: column {key} given {len(cols)} times: {shown}"
                out.append((row, FLAG_DUPLICATE_KEYS, note))
        return out

    def row_text(self, row: int) -> str:
        """Row ``row`` as a JSON object of its columns, in file order (duplicates kept)."""
        cells = self.cells.row(row)
        return _object_text(zip(self.header, cells, strict=False))

    def __len__(self) -> int:
        return self.cells.height


def _read_leniently(data: bytes, names: list[str]) -> pl.DataFrame:
    """Cells by Python's csv reader, each row cut or padded to the header."""
    text = data.decode("utf-8", "replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    width = len(names)
    rows = [(row + [""] * width)[:width] for row in reader]
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")


def _object_text(pairs: Iterable[tuple[str, Any]]) -> str:
    # Written by hand so that a key given twice is shown twice, as the file has it.
    body = ",".join(
        orjson.dumps(key).decode() + ":" + orjson.dumps(value, default=str).decode()
        for key, value in pairs
    )
    return "{" + body + "}"


def cut_cells(flat: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """Cells longer than :data:`MAX_CELL` cut to it; the rows that had one."""
    texts = [c for c in flat.columns if flat.schema[c] == pl.String]
    long = [pl.col(c).str.len_bytes() > MAX_CELL for c in texts]
    if not long:
        return flat, []
    rows = flat.select(pl.any_horizontal(long).fill_null(False).alias("x")).to_series()
    if not rows.any():
        return flat, []
    where = rows.arg_true().to_list()
    cut = [pl.col(c).str.slice(0, MAX_CELL) for c in flat.columns if flat.schema[c] == pl.String]
    return flat.with_columns(cut), where


# --- nested frames (Parquet, JSON) --------------------------------------------------------


def _as_text(expr: pl.Expr, dtype: Any) -> pl.Expr:
    """Any column as text: structs and lists as JSON, times in ISO 8601, booleans as words."""
    if dtype == pl.String:
        return expr
    if isinstance(dtype, pl.Struct | pl.List | pl.Array):
        encoded = pl.struct(expr.alias("v")).struct.json_encode()
        return pl.when(expr.is_not_null()).then(encoded.str.slice(5).str.head(-1))
    if isinstance(dtype, pl.Datetime):
        return expr.dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).when(expr.not_()).then(pl.lit("false"))
    return expr.cast(pl.String, strict=False)


def nested_flat(frame: pl.DataFrame, paths: Iterable[str], *, fold_case: bool) -> pl.DataFrame:
    """The flat frame of a nested one: a text column per dotted path present in it.

    A path into a map (a list of ``{key, value}``, as Parquet maps arrive) takes the value
    of that key; ``unmapped.recipientAccountId`` reads Security Lake's ``unmapped`` map.
    """
    columns: list[pl.Expr] = []
    top = {(c.lower() if fold_case else c): c for c in frame.columns}
    for path in paths:
        parts = path.split(".")
        name = top.get(parts[0].lower() if fold_case else parts[0])
        if name is None:
            continue
        expr: pl.Expr = pl.col(name)
        dtype: Any = frame.schema[name]
        found = True
        for part in parts[1:]:
            if isinstance(dtype, pl.Struct):
                fields = {f.name: f.dtype for f in dtype.fields}
                if part not in fields:
                    found = False
                    break
                expr, dtype = expr.struct.field(part), fields[part]
            elif isinstance(dtype, pl.List) and _is_map(dtype.inner):
                value = pl.element().struct.field("value")
                key = pl.element().struct.field("key")
                expr = expr.list.eval(value.filter(key == part)).list.first()
                dtype = _map_value(dtype.inner)
            else:
                found = False
                break
        if found:
            columns.append(_as_text(expr, dtype).alias(path))
    return frame.select(columns) if columns else pl.DataFrame({"__rows": [None] * frame.height})


def _is_map(dtype: Any) -> bool:
    return isinstance(dtype, pl.Struct) and {f.name for f in dtype.fields} == {"key", "value"}


def _map_value(dtype: Any) -> Any:
    return next(f.dtype for f in dtype.fields if f.name == "value")


def parquet_frame(data: bytes) -> pl.DataFrame:
    """A Parquet file's rows (raises on a damaged or truncated file)."""
    return pl.read_parquet(io.BytesIO(data))


def frame_row_text(frame: pl.DataFrame) -> Callable[[int], str]:
    """Row ``k`` of a frame as a JSON object of its columns (structs nested)."""

    def text(row: int) -> str:
        return _object_text(frame.row(row, named=True).items())

    return text


def flat_from_json(rows: list[dict[str, Any]], paths: Iterable[str]) -> pl.DataFrame:
    """The flat frame of decoded JSON objects: a text column per dotted path."""
    wanted = list(paths)
    columns: dict[str, list[str | None]] = {path: [] for path in wanted}
    for row in rows:
        for path in wanted:
            columns[path].append(_text_at(row, path.split(".")))
    return pl.DataFrame(columns, schema=dict.fromkeys(wanted, pl.String))


def _text_at(value: Any, parts: list[str]) -> str | None:
    for part in parts:
        if isinstance(value, list) and all(isinstance(i, dict) and "key" in i for i in value):
            value = next((i.get("value") for i in value if i.get("key") == part), None)
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
        if value is None:
            return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()
