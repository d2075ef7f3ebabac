"""The "Training results" table the Trainer draws (`make_markdown_table`): its rows, and reading its cells.

Rows' lines are offsets into the table's section; the table carries the section's offset, so a fix
elsewhere moves the table without parsing it again.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from cardfix.facts.lines import Line, split_lines
from cardfix.facts.sections import Section
from cardfix.facts.trainer import Item

LEADING = ("Training Loss", "Epoch", "Step")
VALIDATION_LOSS = "Validation Loss"
SUMMARY_LOSS = "Loss"


class TableRow(NamedTuple):
    cells: tuple[str, ...]
    line: Line
    values: tuple[float | None, ...] = ()  # each cell's number(), read once with the table


def table_row(cells: tuple[str, ...], line: Line) -> TableRow:
    return TableRow(cells, line, tuple([number(cell) for cell in cells]))


@dataclass(frozen=True)
class TrainingTable:
    """Rows' lines are offsets into the table's section; `offset` is where that section starts in the body
    (so a fix elsewhere moves the table without rebuilding its rows)."""

    header: TableRow
    align: TableRow
    rows: tuple[TableRow, ...]
    offset: int = 0

    @property
    def start(self) -> int:
        return self.offset + self.header.line.start

    @property
    def end(self) -> int:
        return self.offset + (self.rows[-1] if self.rows else self.align).line.end

    def span(self, row: TableRow) -> tuple[int, int]:
        """A row's [start, end) in the body, without its line break."""
        return self.offset + row.line.start, self.offset + row.line.end

    def column(self, name: str) -> int | None:
        return self.header.cells.index(name) if name in self.header.cells else None


def read_table(body: str, section: Section | None) -> TrainingTable | None:
    """The first run of `|` lines in the section: header, alignment row, rows.

    Parsed per text of the section (cached) and moved to its place: a fix elsewhere in the card
    changes where the table is, not what it says.
    """
    if section is None:
        return None
    start, end = section.content_start, section.content_end
    found = _table_at_zero(body[start:end])
    if found is None or start == 0:
        return found
    return replace(found, offset=start)


@functools.lru_cache(maxsize=64)
def _table_at_zero(segment: str) -> TrainingTable | None:
    rows: list[TableRow] = []
    for line in split_lines(segment):
        text = segment[line.start : line.end]
        if text.lstrip().startswith("|"):
            # The header and alignment rows hold no numbers: only the rows after them are read as such.
            rows.append(table_row(_cells(text), line) if len(rows) >= 2 else TableRow(_cells(text), line))
        elif rows:
            break
    if len(rows) < 2 or not all(set(c) <= set(":- ") and "-" in c for c in rows[1].cells):
        return None
    return TrainingTable(rows[0], rows[1], tuple(rows[2:]))


def _cells(text: str) -> tuple[str, ...]:
    inner = text.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple([cell.strip() for cell in inner.split("|")])


def number(cell: str) -> float | None:
    """A cell's value, or None for `No log`, blanks and anything that is not a finite number."""
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def raw_key(column: str) -> str:
    """Undo the Trainer's title-casing of an eval key (`Matthews Correlation` -> `matthews_correlation`)."""
    return "loss" if column == VALIDATION_LOSS else column.lower().replace(" ", "_")


def table_name(summary_key: str) -> str:
    """The summary calls the validation loss `Loss`; the table calls it `Validation Loss`."""
    return VALIDATION_LOSS if summary_key == SUMMARY_LOSS else summary_key


def metric_columns(table: TrainingTable) -> tuple[str, ...] | None:
    header = table.header.cells
    if header[:3] != LEADING or VALIDATION_LOSS not in header[3:]:
        return None
    return header[3:]


def live_order(columns: tuple[str, ...], summary: Sequence[Item]) -> tuple[str, ...] | None:
    """Live key order: from the summary (logged in process), or forced when loss has one partner."""
    from_summary = [table_name(i.key) for i in summary]
    ordered = tuple(c for c in from_summary if c in columns)
    if VALIDATION_LOSS in ordered and set(ordered) == set(columns):
        rest = tuple(c for c in ordered if c != VALIDATION_LOSS)
        return (VALIDATION_LOSS, *rest)
    if len(columns) == 2:
        return (VALIDATION_LOSS, *(c for c in columns if c != VALIDATION_LOSS))
    return None


def is_sorted_order(columns: tuple[str, ...]) -> bool:
    keys = [raw_key(c) for c in columns]
    return keys == sorted(keys)


def same_as_shown(value: float | None, other: float | None) -> bool:
    """Equal as the card shows them (both sides come from text rounded to 4 decimals)."""
    return value is not None and other is not None and abs(value - other) < 5e-5


@dataclass(frozen=True)
class Break:
    """A row where a progress column (Epoch, Step) goes backwards or jumps past its usual step."""

    row: int  # index into table.rows
    before: float
    after: float
    kind: str  # "backwards" or "jump"
    typical: float  # the median step


def progress_breaks(table: TrainingTable, column: str, jump_factor: float | None) -> list[Break]:
    """Breaks in `column`; jumps only with a `jump_factor` (None: backwards steps only)."""
    index = table.column(column)
    if index is None:
        return []
    values = [(v, i) for i, row in enumerate(table.rows) if index < len(row.values)
              and (v := row.values[index]) is not None]
    steps = [b[0] - a[0] for a, b in zip(values, values[1:])]
    if len(steps) < 2:
        return []
    typical = statistics.median(steps)
    breaks = []
    for (before, _), (after, row), step in zip(values, values[1:], steps):
        if step <= 0:
            breaks.append(Break(row, before, after, "backwards", typical))
        elif jump_factor is not None and typical > 0 and step > jump_factor * typical:
            breaks.append(Break(row, before, after, "jump", typical))
    return breaks


def render_row(cells: Sequence[str], widths: Sequence[int]) -> str:
    """A row as `make_markdown_table` writes it: `| {v}` padded to the column width, then `|`."""
    return "".join(f"| {v}" + " " * (max(w, len(v)) - len(v) + 1) for v, w in zip(cells, widths)) + "|"


def render_align(widths: Sequence[int]) -> str:
    return "".join("|:" + "-" * w + ":" for w in widths) + "|"


def column_widths(table: TrainingTable) -> list[int]:
    """Widths as drawn by the alignment row (`|:---:|` has width 3), falling back to the header cell."""
    widths = []
    for i, header in enumerate(table.header.cells):
        align = table.align.cells[i] if i < len(table.align.cells) else ""
        widths.append(max(len(align) - 2, len(header)) if align.startswith(":") else len(header))
    return widths


def rows_matching_summary(table: TrainingTable, summary: Sequence[Item]) -> list[int] | None:
    """The rows whose metric cells all show the summary's values (None: no column to compare)."""
    columns = metric_columns(table)
    if columns is None or not summary:
        return None
    wanted = {table_name(i.key): number(i.value) for i in summary}
    shared = [(3 + j, wanted[c]) for j, c in enumerate(columns) if wanted.get(c) is not None]
    if not shared:
        return None
    width = len(table.header.cells)
    return [i for i, row in enumerate(table.rows)
            if len(row.cells) == width and all(same_as_shown(row.values[k], v) for k, v in shared)]
