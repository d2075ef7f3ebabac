"""The metrics a card reports, as the Trainer names them: from its evaluation summary or final table row.

`metric_types` (the Trainer's METRIC_TAGS) and `type_map` (`rouge1` -> `rouge`) come from the rule that asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import regex

from cardfix.facts import Facts
from cardfix.facts.table import metric_columns, number
from cardfix.written import Written


@dataclass(frozen=True)
class Metric:
    name: str  # as the card shows it (`Accuracy`)
    type: str  # the Trainer's key (`accuracy`), or its mapped tag (`Rouge1` -> `rouge`)
    text: str  # the cell / summary text
    value: float | int

def snake(name: str) -> str:
    return name.strip().lower().replace(" ", "_")

def to_number(text: str) -> float | int | None:
    """The number a cell shows, keeping how it is written (`0.8720` stays `0.8720` in the YAML)."""
    text = text.strip()
    if number(text) is None:
        return None
    return _as_written(text)

INTEGER_RE = regex.compile(r"-?\d+")

def _as_written(text: str) -> float | int:
    return int(text) if INTEGER_RE.fullmatch(text) else Written(text)

def metric_key(name: str) -> str:
    """The key the Trainer logged a metric under, as a card shows it (`Exact Match`, `eval_accuracy`)."""
    key = snake(name)
    return key[len("eval_"):] if key.startswith("eval_") else key

def title_case(key: str) -> str:
    """The Trainer's summary name of a logged key (`exact_match` -> `Exact Match`)."""
    return " ".join(part.capitalize() for part in key.split("_"))


def metrics_from_summary(facts: Facts, types: Iterable[str], type_map: Mapping[str, str]) -> list[Metric]:
    return _metrics(((item.key, item.value) for item in facts.summary), types, type_map)


def metrics_from_final_row(facts: Facts, types: Iterable[str], type_map: Mapping[str, str]) -> list[Metric]:
    table = facts.table
    columns = metric_columns(table) if table is not None else None
    if table is None or columns is None or not table.rows or len(table.rows[-1].cells) != len(table.header.cells):
        return []
    return _metrics(zip(columns, table.rows[-1].cells[3:]), types, type_map)


def _metrics(pairs: Iterable[tuple[str, str]], types: Iterable[str], type_map: Mapping[str, str]) -> list[Metric]:
    found = []
    wanted = set(types)
    for name, text in pairs:
        key = metric_key(name)
        metric_type = type_map.get(key, key)
        value = to_number(text)
        if metric_type in wanted and value is not None:
            # An eval-only card shows the raw key (`eval_accuracy`); the Trainer's name is its title.
            shown = title_case(key) if snake(name) != key else name
            found.append(Metric(shown, metric_type, text, value))
    return found


def reported_keys(facts: Facts) -> list[str]:
    """Every evaluation key the card reports (summary, else the table's metric columns): task evidence."""
    table = facts.table
    names = [i.key for i in facts.summary] if facts.summary else list(
        (metric_columns(table) or ()) if table is not None else ())
    return [metric_key(n) for n in names]
