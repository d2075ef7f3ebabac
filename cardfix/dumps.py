"""Hub dumps on disk: parquet files of cards (`librarian-bots/model_cards_with_metadata`), streamed.

A dump is read record batch by record batch, so memory is bounded by the batch size, not the file. Each
row's `modelId` is its card's path in messages and reports.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cardfix.api import settings
from cardfix.arrow import COLUMNS, PATH_COLUMN, check_schema, repair_rows
from cardfix.config import describe_os_error
from cardfix.core import Result, error
from cardfix.files import output_file
from cardfix.options import Options
from cardfix.settings import Settings

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("reading parquet dumps needs pyarrow: pip install 'cardfix[arrow]'") from exc

CARD_COLUMN = "card"
BATCH_ROWS = 1024


def dump_files(path: str) -> list[Path]:
    p = Path(path)
    return sorted(p.glob("*.parquet")) if p.is_dir() else [p]


class DumpError(ValueError):
    """A parquet file that cannot be read as a dump of cards: `str()` is one line, `PATH: what is wrong`."""

    def __init__(self, file: Path, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file, self.reason = file, reason


def batches(path: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The record batches of every file of the dump (DumpError for a file that is no dump of cards)."""
    for file in dump_files(path):
        yield from _file_batches(file, batch_rows)


def check_for_output(paths: Sequence[str]) -> list[DumpError]:
    """What is wrong with each file of these dumps for one output file, read from the footers only (so that
    `apply --output` can refuse before it writes anything): a file that is no dump of cards, one that already
    has cardfix's columns, one whose columns differ from the first file's (an output has one schema)."""
    found = []
    first: tuple[Path, pa.Schema] | None = None
    for file in (file for path in paths for file in dump_files(path)):
        try:
            schema = _open(file).schema_arrow.remove_metadata()
        except DumpError as exc:
            found.append(exc)
            continue
        ours = [name for name in COLUMNS.names if name in schema.names]
        if ours:
            found.append(DumpError(file, f"it already has cardfix's column {ours[0]!r} (a file apply --output wrote?)"))
        elif first is None:
            first = (file, schema)
        elif not schema.equals(first[1]):
            how = f"{_difference(schema, first[1])}; one output, one schema"
            found.append(DumpError(file, f"its columns differ from those of {first[0]} ({how})"))
    return found


def _difference(schema: pa.Schema, first: pa.Schema) -> str:
    """How two files' columns differ, said briefly: their names, their order, or a column's type."""
    if set(schema.names) != set(first.names):
        return "other names"
    if schema.names != first.names:
        return "another order"
    name = next((n for n in schema.names if schema.field(n).type != first.field(n).type), None)
    if name is None:
        return "other column attributes (nullability or metadata)"
    return f"{name!r} holds {schema.field(name).type}, not {first.field(name).type}"


def _open(file: Path) -> pq.ParquetFile:
    try:
        reader = pq.ParquetFile(file)
    except (pa.ArrowException, OSError) as exc:
        raise DumpError(file, _unreadable(exc)) from None
    try:
        check_schema(reader.schema_arrow, CARD_COLUMN)
    except KeyError as exc:
        raise DumpError(file, exc.args[0]) from None
    except TypeError as exc:
        raise DumpError(file, str(exc)) from None
    return reader


def _file_batches(file: Path, batch_rows: int, only_cards: bool = False) -> Iterator[pa.RecordBatch]:
    """The file's batches; `only_cards`: only the columns a repair reads (`card`, `modelId`), not the rest."""
    reader = _open(file)
    names = reader.schema_arrow.names
    columns = [name for name in (CARD_COLUMN, PATH_COLUMN) if name in names] if only_cards else None
    try:
        yield from reader.iter_batches(batch_size=batch_rows, columns=columns)
    except (pa.ArrowException, OSError) as exc:  # a row group that cannot be read
        raise DumpError(file, _unreadable(exc)) from None


def _unreadable(exc: pa.ArrowException | OSError) -> str:
    """Why pyarrow could not read a file, in one line: the system's reason where it gives an errno (as for a
    card file: "no such file or directory"), else pyarrow's text with its line breaks folded."""
    if isinstance(exc, OSError) and exc.errno:
        return describe_os_error(OSError(exc.errno, os.strerror(exc.errno)))
    return "cannot be read as parquet: " + " ".join(str(exc).split())


def results(path: str, *, check: bool = False, batch_rows: int = BATCH_ROWS, settings_: Settings | None = None,
            row_numbers: Iterator[int] | None = None, **options: Any) -> Iterator[Result]:
    """Every card of the dump repaired, as Results named by their modelId, else `row N` (counted over the whole
    dump; row order kept): the rows that repair_batch would give, without the round trip through Arrow columns.
    A file that is no dump of cards is one error Result named by the file; the next file is read.
    `row_numbers` goes on counting over calls (the files of one dump read one by one)."""
    chosen = settings_ or settings(options=Options(**options))
    numbers = itertools.count() if row_numbers is None else row_numbers
    for file in dump_files(path):
        try:
            for batch in _file_batches(file, batch_rows, only_cards=True):
                for result in repair_rows(batch, CARD_COLUMN, chosen, check):
                    name = row_name(result.path, numbers)
                    if check:
                        yield result.findings_only(name)
                    else:
                        yield result if result.path is not None else replace(result, path=name)
        except DumpError as exc:
            yield error(exc.reason, str(file))


def row_name(model_id: str | None, numbers: Iterator[int]) -> str:
    """A row's name in messages and reports: its modelId, else `row N`, N counted over the rows of its dump
    (`numbers` goes on for every row, named or not)."""
    number = next(numbers)
    return model_id if model_id is not None else f"row {number}"


def empty_batch(path: str) -> pa.RecordBatch:
    """No row, with the columns of the dump's first file: what a dump without rows is written as."""
    return pa.RecordBatch.from_pylist([], schema=_open(dump_files(path)[0]).schema_arrow)


def write(batches_out: Iterable[pa.RecordBatch], output: str, empty: pa.RecordBatch) -> int:
    """Write repaired batches (the input's columns plus cardfix's) to one parquet file; rows written. The file
    appears whole or not at all (files.output_file); with no batch at all, it is `empty` (no row, the columns
    the rows would have had), so no earlier run's file is left looking like this one's."""
    rows = 0
    with output_file(output) as temporary:  # (made first: an output that cannot be written fails at once)
        batches = iter(batches_out)
        first = next(batches, None)
        if first is None:
            first = empty
        with pq.ParquetWriter(temporary, first.schema) as writer:
            for batch in itertools.chain([first], batches):
                writer.write_batch(batch)
                rows += batch.num_rows
    return rows
