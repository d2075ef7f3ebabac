"""Cards in Arrow: repair a column of cards in a RecordBatch or Table (a Hub dump, `datasets`, Polars, DuckDB).

`repair_batch(batch)` returns the batch with four columns added, always of this schema:

    repaired  string                 the repaired card (the input where nothing changed; null for check-only
                                     runs and for cards that could not be read)
    changed   bool                   whether the card would change
    findings  list<struct<code: string, name: string, line: int32, message: string, fixable: bool,
                          severity: string>>
    error     string                 why the card could not be read (null when it was)

The input's columns are passed through as they are (no copy). With a `modelId` column (the schema of
`librarian-bots/model_cards_with_metadata`), that id names the card in messages and is the repository's
own id: it is never written as its base_model. A null or blank `modelId` names no repository.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from cardfix.api import Result, settings
from cardfix.card import CardError, card_text
from cardfix.core import error, repair
from cardfix.options import Options
from cardfix.settings import Settings

try:
    import pyarrow as pa
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("cardfix.arrow needs pyarrow: pip install 'cardfix[arrow]'") from exc

FINDING = pa.struct([("code", pa.string()), ("name", pa.string()), ("line", pa.int32()), ("message", pa.string()),
                     ("fixable", pa.bool_()), ("severity", pa.string())])
COLUMNS = pa.schema([("repaired", pa.string()), ("changed", pa.bool_()), ("findings", pa.list_(FINDING)),
                     ("error", pa.string())])
PATH_COLUMN = "modelId"
B = TypeVar("B", pa.RecordBatch, pa.Table)


def repair_batch(batch: B, column: str = "card", *, check: bool = False, select: Iterable[str] | None = None,
                 ignore: Iterable[str] | None = None, settings_: Settings | None = None, **options: Any) -> B:
    """`batch` with `repaired`, `changed`, `findings` and `error` added; `check=True` keeps no text.
    Rules and options as `cardfix.repair` takes them, or a whole `settings_` (the command line's)."""
    return with_results(batch, repair_rows(batch, column, _chosen(select, ignore, settings_, options), check), check)


def _chosen(select: Iterable[str] | None, ignore: Iterable[str] | None, settings_: Settings | None,
            options: Mapping[str, Any]) -> Settings:
    """The settings repair_batch and repair_pandas run with: `settings_`, or those their arguments make."""
    return settings_ or settings(select, ignore, Options(**options))


def _check_column(column: str, names: Sequence[str]) -> None:
    if column not in names:
        raise KeyError(f"no column {column!r} (columns: {', '.join(map(str, names))})")
    for name in (column, PATH_COLUMN):
        if list(names).count(name) > 1:  # (pyarrow then finds none: "Column card does not exist in schema")
            raise KeyError(f"{list(names).count(name)} columns named {name!r}")


def repair_rows(batch: pa.RecordBatch | pa.Table, column: str, chosen: Settings, check: bool) -> list[Result]:
    """Each row's Result (named by its `modelId`, else None): what repair_batch's columns are made from."""
    check_schema(batch.schema, column)
    texts = batch.column(column).to_pylist()
    ids = batch.column(PATH_COLUMN).to_pylist() if PATH_COLUMN in batch.schema.names else [None] * len(texts)
    return [_repair_row(text, repo_id, chosen, check) for text, repo_id in zip(texts, ids)]


def check_schema(schema: pa.Schema, column: str) -> None:
    """KeyError without the cards' column, TypeError where it (or `modelId`) holds no text: one line each."""
    _check_column(column, schema.names)
    for name, binary in ((column, True), (PATH_COLUMN, False)):
        if name in schema.names and not _holds_text(schema.field(name).type, binary):
            raise TypeError(f"the column {name!r} holds {schema.field(name).type}, not "
                            f"{'text' if binary else 'strings'}")


def _holds_text(kind: pa.DataType, binary: bool) -> bool:
    """Strings of any layout (also dictionary-encoded, as pandas' categoricals are written), or bytes."""
    if pa.types.is_dictionary(kind):
        return _holds_text(kind.value_type, binary)
    strings = pa.types.is_string(kind) or pa.types.is_large_string(kind) or str(kind) == "string_view"
    raw = pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or str(kind) == "binary_view"
    return pa.types.is_null(kind) or strings or (binary and raw)


def repair_dict(batch: Mapping[str, Sequence[Any]], column: str = "card", **kwargs: Any) -> dict[str, list[Any]]:
    """The same for `datasets.Dataset.map(batched=True)`, which hands out a dict of lists."""
    table = repair_batch(pa.table({k: list(v) for k, v in batch.items()}), column, **kwargs)
    return {name: table.column(name).to_pylist() for name in COLUMNS.names}


def _repair_row(text: str | bytes | None, repo_id: str | None, chosen: Settings, check: bool) -> Result:
    if repo_id is not None and not repo_id.strip():
        repo_id = None  # a blank modelId names no repository: the row is named by its number, as for a null
    if text is None:
        return error("no card (null)", repo_id)
    try:
        text = card_text(text, chosen.max_bytes)  # (a binary column: read as a card file's bytes are)
    except CardError as exc:
        return error(str(exc), repo_id)
    if repo_id is None:
        return repair(text, chosen, None, verify=not check)
    try:
        options = chosen.options.for_repo(repo_id)
    except ValueError:  # a modelId that is no Hub model id still names the row; no rule may write it
        return repair(text, chosen, repo_id, verify=not check)
    return repair(text, chosen, repo_id, verify=not check, options=options)


def new_columns(results: Sequence[Result], check: bool = False) -> list[pa.Array]:
    """The four columns for these results, in COLUMNS' order and types."""
    repaired = [None if check or r.error is not None else r.text for r in results]
    findings = [[{"code": f.code, "name": f.name, "line": f.line, "message": f.message, "fixable": f.fixable,
                  "severity": f.severity} for f in r.findings] for r in results]
    values = [repaired, [r.changed for r in results], findings, [r.error for r in results]]
    return [pa.array(v, type=field.type) for v, field in zip(values, COLUMNS)]


def with_results(batch: B, results: Sequence[Result], check: bool = False) -> B:
    """`batch` with the four columns made from its rows' results (as `repair_rows` gives them)."""
    return _with_columns(batch, new_columns(results, check))


def _with_columns(batch: B, columns: list[pa.Array]) -> B:
    if isinstance(batch, pa.Table):
        for field, values in zip(COLUMNS, columns):
            batch = batch.append_column(field, values)
        return batch
    return pa.RecordBatch.from_arrays([*batch.columns, *columns], schema=_extended(batch.schema))


def _extended(schema: pa.Schema) -> pa.Schema:
    clash = [name for name in COLUMNS.names if name in schema.names]
    if clash:
        raise ValueError(f"the batch already has the column {clash[0]!r}")
    return pa.schema([*schema, *COLUMNS])


def repair_batches(batches: Iterable[pa.RecordBatch], column: str = "card", **kwargs: Any) -> Iterator[pa.RecordBatch]:
    """Batch by batch (a parquet file's `iter_batches()`): memory bounded by the batch size."""
    for batch in batches:
        yield repair_batch(batch, column, **kwargs)


def repair_pandas(frame: Any, column: str = "card", *, check: bool = False, select: Iterable[str] | None = None,
                  ignore: Iterable[str] | None = None, settings_: Settings | None = None, **options: Any) -> Any:
    """The same for a pandas DataFrame (a Dask partition: `ddf.map_partitions(repair_pandas)`). The new
    columns are Arrow-backed (`pd.ArrowDtype`, COLUMNS' types): no Python object per finding, and a Dask
    worker sends them to the client as Arrow buffers."""
    import pandas as pd

    _check_column(column, list(frame.columns))
    read = [name for name in (column, PATH_COLUMN) if name in frame.columns]
    results = repair_rows(pa.Table.from_pandas(frame[read], preserve_index=False), column,
                          _chosen(select, ignore, settings_, options), check)
    out = frame.copy(deep=False)
    for field, values in zip(COLUMNS, new_columns(results, check)):
        out[field.name] = pd.Series(pd.arrays.ArrowExtensionArray(values), index=frame.index)
    return out
