"""Tabular inputs (CSV, Parquet, query-result JSON) mapped to CloudTrail records as columns.

A tabular reader turns its file into a *flat frame*: one text column per source path
(``eventname``, ``actor.user.uid``), every value as text (structs and lists as their JSON,
or as Trino's ROW text where a CSV holds that). :func:`record_lines` then builds, with
Polars expressions over whole columns, one line of JSON per row in the shape of a
CloudTrail record, following ``tables.toml`` (the mapping is data). The parsing worker
decodes those lines into typed records exactly as it decodes a trail's own records, so a
row of an Athena result and the record it came from become the same row of the frame.

Only the distinct values of struct columns (a principal's identity repeats on every one of
its events) are read in Python; everything else stays in Polars.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

import orjson
import polars as pl

from ctir_tui.engine.packaged import read_table
from ctir_tui.engine.readers.row_text import RowTextError, parse_row_text

#: Kinds of value a field can be (see tables.toml).
KINDS: Final = ("text", "sql_time", "console_time", "epoch_ms", "object", "resource")
#: A value longer than this is cut (and the row flagged) before it reaches the record.
MAX_CELL: Final = 1 << 20
_CONSOLE_FORMAT: Final = "%B %d, %Y, %H:%M:%S %:z"
#: Rows mapped at a time.
BATCH_ROWS: Final = 65536


@dataclass(frozen=True, slots=True)
class Field:
    """Where one record member comes from."""

    target: tuple[str, ...]
    sources: tuple[str, ...]
    kind: str = "text"
    names: str = "names"


@dataclass(frozen=True, slots=True)
class Mapping:
    """One shape's mapping: its fields, the per-version overrides, what it loses."""

    shape: str
    fields: tuple[Field, ...]
    required: str
    #: Fields used instead where ``version_column`` starts with ``version_prefix``.
    overrides: tuple[Field, ...] = ()
    version_column: str | None = None
    version_prefix: str | None = None
    lost: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()

    def sources(self) -> list[str]:
        """Every source path the mapping reads."""
        paths = [s for f in (*self.fields, *self.overrides) for s in f.sources]
        if self.version_column:
            paths.append(self.version_column)
        return list(dict.fromkeys(paths))


@functools.cache
def _data() -> dict[str, Any]:
    return read_table(resources.files(__package__).joinpath("tables.toml"))


def _fields(table: dict[str, Any]) -> tuple[Field, ...]:
    out = []
    for target, spec in table.items():
        if isinstance(spec, str | list):
            spec = {"from": spec}
        sources = spec["from"]
        sources = (sources,) if isinstance(sources, str) else tuple(sources)
        kind = spec.get("kind", "text")
        assert kind in KINDS, f"tables.toml: unknown kind {kind!r} for {target}"
        out.append(Field(tuple(target.split(".")), sources, kind, spec.get("names", "names")))
    return tuple(out)


@functools.cache
def mapping(shape: str) -> Mapping:
    """The mapping named ``shape`` in tables.toml (``sql``, ``ocsf``, ``event_history``)."""
    data = _data()[shape]
    return Mapping(
        shape=shape,
        fields=_fields(data["fields"]),
        required=data["required"],
        overrides=_fields(data.get("rc2", {})),
        version_column="metadata.version" if "rc2" in data else None,
        version_prefix=data.get("rc2_version"),
        lost=tuple(data.get("lost", ())),
        unread=tuple(data.get("unread", ())),
    )


def renames(table: str) -> dict[str, str]:
    """A table of key renames from tables.toml (empty for ``""``)."""
    return dict(_data()[table]) if table else {}


# --- values -------------------------------------------------------------------------------


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {names.get(k, k): _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return value


def _key_value_pairs(value: Any) -> Any:
    # Parquet maps arrive as lists of {key, value}: make them objects again.
    if (
        isinstance(value, list)
        and value
        and all(isinstance(i, dict) and set(i) == {"key", "value"} for i in value)
    ):
        return {str(i["key"]): i["value"] for i in value}
    return value


def object_json(text: str | None, names: dict[str, str]) -> str | None:
    """A struct's text (JSON, or Trino's ROW text) as the JSON of the record's member.

    Text that is neither stays a JSON string: the typed decode then flags the record.
    """
    if text is None:
        return None
    stripped = text.strip()
    if not stripped or stripped == "null":
        return None
    if stripped[0] in "{[":
        try:
            value = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            try:
                value = parse_row_text(stripped)
            except (RowTextError, RecursionError):
                return orjson.dumps(text).decode()
        else:
            if not names and not isinstance(value, list):
                return stripped  # JSON kept exactly as written
        value = _key_value_pairs(value)
        return orjson.dumps(_renamed(value, names)).decode()
    return orjson.dumps(text).decode()


def _json_string(expr: pl.Expr) -> pl.Expr:
    """A text column as JSON string literals (null stays null)."""
    encoded = pl.struct(expr.alias("v")).struct.json_encode()
    return pl.when(expr.is_not_null()).then(encoded.str.slice(5).str.head(-1))


def _time(kind: str, expr: pl.Expr) -> pl.Expr:
    if kind == "epoch_ms":
        millis = expr.str.strip_chars().cast(pl.Int64, strict=False)
        return pl.from_epoch(millis, "ms").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
    if kind == "sql_time":
        # CloudTrail Lake prints UTC times without a zone: say so, in CloudTrail's form.
        bare = expr.str.contains(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$")
        return pl.when(bare).then(expr.str.replace(" ", "T") + "Z").otherwise(expr)
    if kind == "console_time":
        # "July 10, 2023, 14:05:13 (UTC+02:00)": the console's local time and its offset.
        parts = expr.str.extract_groups(
            r"^([A-Z][a-z]+ \d{1,2}, \d{4}, \d\d:\d\d:\d\d) \(UTC([+-]\d\d:\d\d)?\)$"
        )
        local = parts.struct.field("1") + " " + parts.struct.field("2").fill_null("+00:00")
        parsed = local.str.strptime(pl.Datetime("us", "UTC"), _CONSOLE_FORMAT, strict=False)
        iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        return pl.coalesce(iso, expr)
    return expr


# --- the flat frame -> record lines -----------------------------------------------------------


def _source(flat: pl.DataFrame, paths: Sequence[str]) -> pl.Expr:
    present = [pl.col(p) for p in paths if p in flat.columns]
    if not present:
        return pl.lit(None, dtype=pl.String)
    cleaned = [pl.when(c.str.strip_chars() != "").then(c) for c in present]
    return cleaned[0] if len(cleaned) == 1 else pl.coalesce(cleaned)


def _objects(column: pl.Series, names: dict[str, str]) -> pl.Series:
    """Each distinct struct text converted once (identities repeat on every event)."""
    distinct = column.unique().drop_nulls().to_list()
    converted = {text: object_json(text, names) for text in distinct}
    return column.replace_strict(converted, default=None, return_dtype=pl.String)


Value = pl.Expr


def _value(flat: pl.DataFrame, spec: Field, objects: dict[Field, str]) -> Value:
    if spec.kind == "resource":
        kind, name = (_source(flat, [s]) for s in spec.sources)
        one = pl.struct(kind.alias("ResourceType"), name.alias("ResourceName"))
        return pl.when(name.is_not_null()).then("[" + one.struct.json_encode() + "]")
    if spec.kind == "object":
        return pl.col(objects[spec])
    return _json_string(_time(spec.kind, _source(flat, spec.sources)))


def _object_of(leaves: list[tuple[tuple[str, ...], Value]]) -> Value:
    """``{"a":1,"b":{"c":2}}`` from leaves (path, JSON text); null members left out."""
    members: dict[str, Value] = {}
    groups: dict[str, list[tuple[tuple[str, ...], Value]]] = {}
    for path, value in leaves:
        if len(path) == 1:
            members[path[0]] = value
        else:
            groups.setdefault(path[0], []).append((path[1:], value))
    for name, inner in groups.items():
        members[name] = _object_of(inner)
    return _join(members)


def _join(members: dict[str, Value]) -> Value:
    parts = [
        pl.when(value.is_not_null())
        .then(pl.lit("," + orjson.dumps(name).decode() + ":") + value)
        .otherwise(pl.lit(""))
        for name, value in members.items()
    ]
    body = pl.concat_str(parts)
    return pl.when(body != "").then("{" + body.str.strip_prefix(",") + "}")


def _older(flat: pl.DataFrame, spec: Mapping) -> Value:
    """Rows written with the older field names (OCSF 1.0.0-rc.2)."""
    assert spec.version_column is not None
    assert spec.version_prefix is not None
    if spec.version_column in flat.columns:
        version = _source(flat, [spec.version_column])
        return version.str.starts_with(spec.version_prefix).fill_null(False)
    # Without a version, the older names are recognised by their presence.
    only_old = {s for f in spec.overrides for s in f.sources} - {
        s for f in spec.fields for s in f.sources
    }
    return _source(flat, sorted(only_old)).is_not_null()


def record_lines(flat: pl.DataFrame, spec: Mapping) -> pl.Series:
    """The JSON line of each row's record (null where the required member is absent).

    Built :data:`BATCH_ROWS` rows at a time, so that the intermediate columns of a large
    file never all exist at once.
    """
    if flat.height <= BATCH_ROWS:
        return _record_lines(flat, spec)
    parts = [
        _record_lines(flat.slice(start, BATCH_ROWS), spec)
        for start in range(0, flat.height, BATCH_ROWS)
    ]
    return pl.concat(parts, rechunk=True)


def _record_lines(flat: pl.DataFrame, spec: Mapping) -> pl.Series:
    objects: dict[Field, str] = {}
    extra = []
    for number, field_spec in enumerate((*spec.fields, *spec.overrides)):
        if field_spec.kind == "object":
            name = f"__object_{number}"
            objects[field_spec] = name
            raw = flat.with_columns(_source(flat, field_spec.sources).alias(name))[name]
            extra.append(_objects(raw, renames(field_spec.names)).alias(name))
    if extra:
        flat = flat.with_columns(extra)
    values = {f.target: _value(flat, f, objects) for f in spec.fields}
    if spec.overrides:
        older = _older(flat, spec)
        for override in spec.overrides:
            new = values.get(override.target, pl.lit(None, dtype=pl.String))
            values[override.target] = (
                pl.when(older).then(_value(flat, override, objects)).otherwise(new)
            )
    members: dict[str, Value] = {}
    nested: dict[str, list[tuple[tuple[str, ...], Value]]] = {}
    for target, value in values.items():
        if len(target) == 1:
            members[target[0]] = value
        else:
            nested.setdefault(target[0], []).append((target[1:], value))
    for member, leaves in nested.items():
        members[member] = _object_of(leaves)
    line = pl.when(members[spec.required].is_not_null()).then(_join(members))
    return flat.select(line.alias("line")).to_series()


@dataclass(slots=True)
class Table:
    """What a tabular reader made of its file: a record line per row, and how to show rows."""

    #: JSON text of the CloudTrail-shaped record of each row (null: the row is no event).
    lines: pl.Series
    #: The original row as JSON, for the detail view (``row_text(k)``).
    row_text: Callable[[int], str]
    #: Why each row without a line is none (one reason for all, unless ``reasons`` says).
    reason: str
    reasons: dict[int, str] = field(default_factory=dict)
    #: Rows to flag, with a note (a column given twice, a value cut).
    flagged: list[tuple[int, str, str]] = field(default_factory=list)
    #: What the shape loses, for the load report (None when nothing is lost).
    lossy: str | None = None
