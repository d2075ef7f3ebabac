"""Hub dumps on disk: parquet files of cards (`librarian-bots/model_cards_with_metadata`), streamed.

A dump is read record batch by record batch, so memory is bounded by the batch size, not the file. Each
row's `modelId` is its card's path in messages and reports.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cardfix.api import settings
from cardfix.arrow import check_schema, repair_rows
from cardfix.core import Result, error
from cardfix.options import Options
from cardfix.settings import Settings

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("reading parquet dumps needs pyarrow: pip install 'cardfix[arrow]'") from exc

CARD_COLUMN = "card"
BATCH_ROWS = 1024


def is_dump(path: str) -> bool:
    """A parquet file, or a folder holding some (and no README.md of its own to walk instead)."""
    p = Path(path)
    return p.suffix == ".parquet" or (p.is_dir() and any(p.glob("*.parquet")))


def dump_files(path: str) -> list[Path]:
    p = Path(path)
    return sorted(p.glob("*.parquet")) if p.is_dir() else [p]


class DumpError(ValueError):
    """A parquet file that cannot be read as a dump of cards; the message is one line, naming the file."""


def batches(path: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The record batches of every file of the dump (DumpError for a file that is no dump of cards)."""
    for file in dump_files(path):
        yield from _file_batches(file, batch_rows)


def _file_batches(file: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    try:
        reader = pq.ParquetFile(file)
        check_schema(reader.schema_arrow, CARD_COLUMN)
        yield from reader.iter_batches(batch_size=batch_rows)
    except KeyError as exc:
        raise DumpError(f"{file}: {exc.args[0]}") from None
    except TypeError as exc:
        raise DumpError(f"{file}: {exc}") from None
    except (pa.ArrowException, OSError) as exc:
        raise DumpError(f"{file}: cannot be read as parquet: {exc}") from None


def results(path: str, *, check: bool = False, batch_rows: int = BATCH_ROWS, settings_: Settings | None = None,
            **options: Any) -> Iterator[Result]:
    """Every card of the dump repaired, as Results named by their modelId, else `row N` (counted over the whole
    dump; row order kept): the rows that repair_batch would give, without the round trip through Arrow columns.
    A file that is no dump of cards is one error Result named by the file; the next file is read."""
    chosen = settings_ or settings(options=Options(**options))
    row = 0
    for file in dump_files(path):
        try:
            for batch in _file_batches(file, batch_rows):
                for result in repair_rows(batch, CARD_COLUMN, chosen, check):
                    name = result.path if result.path is not None else f"row {row}"
                    row += 1
                    if check:
                        yield result.findings_only(name)
                    else:
                        yield result if result.path is not None else replace(result, path=name)
        except DumpError as exc:
            yield error(str(exc).removeprefix(f"{file}: "), str(file))


def write(batches_out: Iterator[pa.RecordBatch], output: str) -> int:
    """Write repaired batches (the input's columns plus cardfix's) to one parquet file; rows written. The file
    appears whole or not at all: it is written beside its place and renamed there at the end."""
    folder = os.path.dirname(os.path.abspath(output))
    handle, temporary = tempfile.mkstemp(prefix=".cardfix-", suffix=".parquet.tmp", dir=folder)
    os.close(handle)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for batch in batches_out:
            if writer is None:
                writer = pq.ParquetWriter(temporary, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
        if writer is not None:
            writer.close()
            writer = None
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)  # (mkstemp makes it 0600: a new file's usual mode instead)
            os.replace(temporary, output)
    finally:
        if writer is not None:
            writer.close()
        if os.path.exists(temporary):
            os.unlink(temporary)
    return rows
