"""CF301's inference: finding training-results rows written in another key order after a resume.

Mechanism (reference 1.3): rows restored from a checkpoint come back with their keys sorted, rows logged
after the resume keep the live order (`Validation Loss`, then the metrics in `compute_metrics` order), and
the header is the first row's keys. So a table whose metric header is in sorted order may have a sorted
prefix of rows and a live suffix. `analyse` finds the boundary from evidence, or says why it cannot.
"""

from __future__ import annotations

import functools
import itertools
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from cardfix.facts import Facts, Item, TrainingTable
from cardfix.facts.table import (
    VALIDATION_LOSS,
    is_sorted_order,
    live_order,
    metric_columns,
    number,
    progress_breaks,
    raw_key,
    same_as_shown,
    table_name,
)


@dataclass(frozen=True)
class Bound:
    pattern: regex.Pattern[str]
    low: float
    high: float


def bounds_from(params: Sequence[Mapping[str, Any]]) -> tuple[Bound, ...]:
    """Value ranges from rule data: `[{match: regex, min: x, max: y}]` (raises on a malformed entry)."""
    bounds = []
    for entry in params:
        if not isinstance(entry, Mapping) or set(entry) != {"match", "min", "max"}:
            raise ValueError("each bound needs exactly the keys match, min, max")
        bounds.append(Bound(regex.compile(str(entry["match"]), regex.IGNORECASE), float(entry["min"]),
                            float(entry["max"])))
    return tuple(bounds)


@dataclass(frozen=True)
class Analysis:
    """`boundary`: index of the first live row (len(rows) when none), or None with `reason` when undecided."""

    header: tuple[str, ...]  # the metric columns as the header has them (sorted order)
    live: tuple[str, ...]  # the same columns in live order
    boundary: int | None
    reason: str = ""  # why undecided
    basis: str = ""  # what decided a realignment

    def live_rows(self, table: TrainingTable) -> range:
        return range(self.boundary if self.boundary is not None else len(table.rows), len(table.rows))


@dataclass(frozen=True)
class Evidence:
    """How CF301 weighs the evidence: the rule's parameters (rules/CF301-align-swapped-columns.yaml)."""

    bounds: tuple[Bound, ...]
    margin: float  # the best reading wins outright when every other is this much rougher
    resume_jump: float  # an epoch step this many times the usual one marks a resume
    noise_steps: float  # a reading this many typical steps rougher than the best is ruled out
    counts: regex.Pattern[str] | None  # metrics that are a count over the evaluation set (correct / N)
    count_alpha: float  # how unlikely a chance fit of the shared values must be to fix N
    spike_turns: int  # beside a best reading without turns, a reading with this many makes a spike
    shape_rows: int  # tables this long at least show shape (turns, each column's own step)


def analyse(table: TrainingTable, summary: Sequence[Item], evidence: Evidence) -> Analysis | None:
    """None when the table cannot carry this defect (not a sorted header, or live order equals it)."""
    columns = metric_columns(table)
    if columns is None or not is_sorted_order(columns):
        return None
    live = live_order(columns, summary)
    if live is None:
        if columns[0] == VALIDATION_LOSS:
            return None  # loss first: already the live order's head, nothing would move the loss
        return Analysis(columns, columns, None, "the header is in checkpoint (sorted) order but the live "
                        "order is unknown: no evaluation summary names every column")
    if live == columns:
        return None
    width = len(table.header.cells)
    if any(len(row.cells) != width for row in table.rows):
        return Analysis(columns, live, None, "rows with a different number of cells than the header")
    boundary, reason, basis = _boundary(table, columns, live, summary, evidence)
    return Analysis(columns, live, boundary, reason, basis)


def readings(table: TrainingTable, columns: tuple[str, ...], live: tuple[str, ...]
             ) -> tuple[list[dict[str, float | None]], list[dict[str, float | None]]]:
    """Each row read as restored (values in header order) and as live (values in live order)."""
    restored, logged = [], []
    for row in table.rows:
        values = [number(cell) for cell in row.cells[3:]]
        restored.append(dict(zip(columns, values)))
        logged.append(dict(zip(live, values)))
    return restored, logged


Rows = list[dict[str, float | None]]


def _boundary(table: TrainingTable, columns: tuple[str, ...], live: tuple[str, ...], summary: Sequence[Item],
              evidence: Evidence) -> tuple[int | None, str, str]:
    """The first live row (n: none), or None; the reason when undecided, the evidence that decided."""
    restored, logged = readings(table, columns, live)
    n = len(restored)
    if n == 0:
        return n, "", ""
    rest_ok = [_in_bounds(row, evidence.bounds) for row in restored]
    live_ok = [_in_bounds(row, evidence.bounds) for row in logged]
    candidates = [b for b in range(1, n + 1) if all(rest_ok[:b]) and all(live_ok[b:])]
    low, high = _summary_limits(restored, logged, summary)
    candidates = [b for b in candidates if low <= b <= high]
    if not candidates:
        return None, "no reading of the rows fits the value ranges and the evaluation summary", ""
    candidates = _distinct(candidates, restored, logged)
    reading = {b: restored[:b] + logged[b:] for b in candidates}
    costs = {b: _roughness(reading[b], columns) for b in candidates}
    best = min(candidates, key=lambda b: (costs[b], -b))
    if best == n:
        return n, "", ""
    if len(candidates) == 1:
        return best, "", "the only reading the value ranges and the evaluation summary allow"

    def near(b: int, best: int) -> bool:  # within the margin of the best
        return b != best and costs[b] - costs[best] <= evidence.margin * costs[best] + 1e-9

    close = [b for b in candidates if near(b, best)]
    if not close:
        return best, "", f"every other reading is over {evidence.margin:.0%} rougher"
    if best in resume_rows(table, evidence.resume_jump):
        return best, "", "the smoothest reading, beginning where the epochs jump (where training resumed)"
    # Readings almost as smooth may still be ruled out: by count evidence, which can rule out the smoothest
    # reading too, then by the table's noise level, then by the shape of its columns. The table as written
    # is ruled out only by the noise level, and only when the best reading begins after the second row:
    # a learning curve's first jump is many typical steps, and a consistent table must not change.
    why = []
    counted = [c for c in columns if evidence.counts is not None and evidence.counts.fullmatch(c)]
    miscounted = _miscounted([best, *close], reading, counted, evidence.count_alpha, n)
    if miscounted:
        why.append(f"put {' or '.join(counted)} values that fit no evaluation-set size the values shared with "
                   "another reading establish")
        left = [b for b in candidates if b not in miscounted]
        if not left:  # readings ruling each other out in a circle: no count evidence after all
            return None, "the readings' accuracy values contradict each other's evaluation-set sizes", ""
        best = min(left, key=lambda b: (costs[b], -b))
        if best == n:
            return n, "", ""
    step = typical_step(reading[best], columns)
    rest = [b for b in candidates if b not in miscounted and near(b, best)]
    rougher = [b for b in rest if (b != n or best > 1) and step
               and costs[b] - costs[best] > evidence.noise_steps * step]
    if rougher:
        why.append(f"are over {evidence.noise_steps:g} typical steps ({step:g}) rougher")
    left = [b for b in rest if b not in rougher]
    if left and n not in left and n >= evidence.shape_rows:
        agreed = (restored[:min(candidates)], logged[max(candidates):])  # rows every reading reads alike
        left = _by_shape(best, left, reading, columns, agreed, evidence, why)
    if not left:
        return best, "", f"the smoothest reading left; the others almost as smooth {' or '.join(why)}"
    return None, (f"rows from epoch {table.rows[best].cells[1]} on look swapped, but the evidence is not "
                  "decisive (another reading of the rows is almost as smooth)"), ""


def _by_shape(best: int, left: list[int], reading: dict[int, Rows], columns: Sequence[str],
              agreed: tuple[Rows, Rows], evidence: Evidence, why: list[str]) -> list[int]:
    """The readings in `left` that the shape of the columns does not rule out (none: `best` wins).

    A value under the wrong column makes a spike in it: a turn and a turn back. When every column of the
    best reading runs one way (no turn), a reading with `spike_turns` turns is ruled out. (In a table whose
    columns turn anyway, noise makes and hides turns: no evidence.) The rest are weighed again with each
    column in units of its own typical step, taken on the rows every admissible reading reads alike, so
    a small column's spike is not drowned by a large column's curve: the best must win by the margin
    there too.
    """
    turned = {b: turns(reading[b], columns) for b in (best, *left)}
    spiky = [b for b in left if turned[b] >= evidence.spike_turns] if turned[best] == 0 else []
    if spiky:
        why.append(f"make spikes ({evidence.spike_turns} or more turns where the smoothest has none)")
    left = [b for b in left if b not in spiky]
    if not left:
        return left
    scale = column_steps(columns, *agreed)
    if scale is None:
        return left
    scaled = {b: _roughness(reading[b], columns, scale) for b in (best, *left)}
    if all(scaled[b] - scaled[best] > evidence.margin * scaled[best] for b in left):
        why.append(f"are over {evidence.margin:.0%} rougher with each column in units of its own typical step")
        return []
    return left


def turns(rows: Rows, columns: Sequence[str]) -> int:
    """How often the metric columns change direction (a local maximum or minimum), summed."""
    total = 0
    for column in columns:
        s = _series(rows, column)
        steps = [b - a for a, b in zip(s, s[1:]) if b != a]
        total += sum(1 for a, b in zip(steps, steps[1:]) if a * b < 0)
    return total


def column_steps(columns: Sequence[str], *parts: Rows) -> dict[str, float] | None:
    """Each column's median change between consecutive rows within the parts; None if any is unknown or 0."""
    scale = {}
    for column in columns:
        steps = [abs(b - a) for part in parts for a, b in itertools.pairwise(_series(part, column))]
        scale[column] = statistics.median(steps) if steps else 0.0
    return scale if all(scale.values()) else None


MAX_COUNT_READINGS = 8  # readings compared pairwise for count evidence (more: too undecided to be worth it)


def _miscounted(plausible: list[int], reading: dict[int, Rows], counted: Sequence[str], alpha: float,
                n: int) -> set[int]:
    """Readings (never `n`, the table as written) whose count values fit none of the evaluation-set sizes
    that the values shared with another plausible reading establish, while that reading's values fit one."""
    if not counted or len(plausible) > MAX_COUNT_READINGS:
        return set()
    values = {(b, column): frozenset(v for row in reading[b] if (v := row.get(column)) is not None)
              for b in plausible for column in counted}
    return {other for other in plausible if other != n and any(
        _count_rules_out(values[b, column], values[other, column], alpha)
        for b in plausible if b != other for column in counted)}


def typical_step(rows: Rows, columns: Sequence[str]) -> float:
    """The median change between consecutive values of a metric column: the table's own noise level."""
    steps = [abs(b - a) for column in columns for a, b in itertools.pairwise(_series(rows, column))]
    return statistics.median(steps) if steps else 0.0


# Count evidence. An accuracy is correct / N over a fixed evaluation set, shown rounded to 4 decimals, so
# every true value lies within ROUNDING of some k / N with the same N. A loss read as accuracy rarely does.
ROUNDING = 5e-5 + 1e-12
RESOLUTION = 1e-4  # the share of [0, 1] within rounding of one k / N: a chance fit of N has odds N * 1e-4
MAX_SIZE = 10_000  # past this every 4-decimal value fits: no evidence
SIZE_MULTIPLES = 4  # shared values that are all multiples of 2, 3 or 4 counts also fit N / 2, N / 3, N / 4


def _count_rules_out(ours: frozenset[float], theirs: frozenset[float], alpha: float) -> bool:
    """Whether `theirs` (one reading's values of a count metric) fit none of the evaluation-set sizes that
    the values both readings share establish, while `ours` fit one of them."""
    sizes = eval_sizes(ours & theirs, alpha)
    return any(_fits(ours, size) for size in sizes) and not any(_fits(theirs, size) for size in sizes)


@functools.lru_cache(maxsize=256)
def eval_sizes(values: frozenset[float], alpha: float) -> tuple[int, ...]:
    """The evaluation-set sizes these values establish: the smallest N they all fit, when so many values
    fitting so small an N by chance has odds below `alpha`, and the N up to SIZE_MULTIPLES times it that
    they fit as well. Empty when the values establish nothing. 0 and 1 fit every N: they do not count."""
    values = frozenset(v for v in values if 0 < v < 1)
    if len(values) < 3:
        return ()
    limit = _significant_size(len(values), alpha)
    first = next((size for size in range(1, limit + 1) if _fits(values, size)), None)
    if first is None:
        return ()
    return tuple(size for size in range(first, SIZE_MULTIPLES * first + 1) if _fits(values, size))


@functools.lru_cache(maxsize=64)
def _significant_size(count: int, alpha: float) -> int:
    """The largest N such that `count` random 4-decimal values fit some size <= N with odds below alpha."""
    odds, size = 0.0, 0
    while size < MAX_SIZE:
        odds += min(1.0, (size + 1) * RESOLUTION) ** count
        if odds >= alpha:
            break
        size += 1
    return size


def _fits(values: frozenset[float], size: int) -> bool:
    return all(abs(round(v * size) / size - v) <= ROUNDING for v in values)


def resume_rows(table: TrainingTable, jump_factor: float) -> set[int]:
    """Rows whose epoch jumps ahead (more than `jump_factor` times the usual step) or goes back."""
    return {b.row for b in progress_breaks(table, "Epoch", jump_factor)}


def _distinct(candidates: list[int], restored: list[dict[str, float | None]],
              logged: list[dict[str, float | None]]) -> list[int]:
    """Boundaries that give the same values (rows equal under both readings) are one; keep the latest."""
    seen: dict[tuple[tuple[tuple[str, float | None], ...], ...], int] = {}
    for b in sorted(candidates, reverse=True):
        rows = restored[:b] + logged[b:]
        seen.setdefault(tuple(tuple(sorted(row.items())) for row in rows), b)
    return sorted(seen.values())


def _in_bounds(row: Mapping[str, float | None], bounds: Sequence[Bound]) -> bool:
    for name, value in row.items():
        if value is None:
            continue
        if raw_key(name).endswith("loss") and value < 0:
            return False
        for bound in bounds:
            if bound.pattern.fullmatch(name) and not bound.low <= value <= bound.high:
                return False
    return True


def _summary_limits(restored: Sequence[Mapping[str, float | None]], logged: Sequence[Mapping[str, float | None]],
                    summary: Sequence[Item]) -> tuple[int, int]:
    """A row that only the live reading matches to the summary is live (b <= i); only restored: b > i."""
    wanted = {table_name(i.key): number(i.value) for i in summary}
    low, high = 1, len(restored)
    for i, (rest, live) in enumerate(zip(restored, logged)):
        live_match, rest_match = _matches(live, wanted), _matches(rest, wanted)
        if live_match and not rest_match:
            high = min(high, i)
        elif rest_match and not live_match:
            low = max(low, i + 1)
    return low, high


def _matches(row: Mapping[str, float | None], wanted: Mapping[str, float | None]) -> bool:
    shared = [k for k in row if k in wanted]
    return len(shared) == len(row) and all(same_as_shown(row[k], wanted[k]) for k in shared)


def _series(rows: Sequence[Mapping[str, float | None]], column: str) -> list[float]:
    return [v for row in rows if (v := row.get(column)) is not None]


def _roughness(rows: Sequence[Mapping[str, float | None]], columns: Sequence[str],
               scale: Mapping[str, float] | None = None) -> float:
    """Total variation plus total curvature of every metric column (each divided by its `scale`, if given).

    A value under the wrong column makes two jumps (variation) and a kink (curvature); learning curves
    are smooth. Calibrated on the swap generator over real tables (tests/test_table_swaps.py): plain
    variation ties on monotone columns, curvature alone misreads noisy ones; the sum did best.
    """
    total = 0.0
    for column in columns:
        s = _series(rows, column)
        part = sum(abs(b - a) for a, b in zip(s, s[1:]))
        part += sum(abs(a - 2 * b + c) for a, b, c in zip(s, s[1:], s[2:]))
        total += part / scale[column] if scale is not None else part
    return total


def evidence_from(params: Mapping[str, Any]) -> Evidence:
    """The swap analysis' settings from CF301's parameters (rules/CF301-align-swapped-columns.yaml)."""
    return Evidence(bounds_from(params["bounds"]), float(params["margin"]), float(params["resume_jump"]),
                    float(params["noise_steps"]), params["counts"], float(params["count_alpha"]),
                    int(params["spike_turns"]), int(params["shape_rows"]))


def swap_analysis(facts: Facts, evidence: Evidence) -> Analysis | None:
    """The analysis of this body's table (once per body and settings: the fix loop asks again)."""
    table = facts.table
    if table is None:
        return None
    return facts.body.derived(("swap-analysis", evidence), lambda: analyse(table, facts.summary, evidence))
