"""CF301's inference: finding training-results rows written in another key order after a resume.

Mechanism (reference 1.3): rows restored from a checkpoint come back with their keys sorted, rows logged
after the resume keep the live order (`Validation Loss`, then the metrics in `compute_metrics` order), and
the header is the first row's keys. So a table whose metric header is in sorted order may have a sorted
prefix of rows and a live suffix. `analyse` finds the boundary from evidence, or says why it cannot.
"""

from __future__ import annotations

import functools
import itertools
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
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
        values = row.values[3:]
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
    candidates = _admissible(restored, logged, summary, _limits(columns, evidence.bounds))
    if not candidates:
        return None, "no reading of the rows fits the value ranges and the evaluation summary", ""
    candidates = _distinct(candidates, restored, logged)
    split = Boundaries(restored, logged, columns)
    costs = Costs(split)
    best = costs.smoothest(candidates)
    if best == n:
        return n, "", ""
    if len(candidates) == 1:
        return best, "", "the only reading the value ranges and the evaluation summary allow"

    def near(b: int, best: int) -> bool:  # within the margin of the best
        return b != best and costs.test(b, lambda cost: cost - costs[best] <= evidence.margin * costs[best] + 1e-9)

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
    miscounted = _miscounted([best, *close], split.reading, counted, evidence.count_alpha, n)
    if miscounted:
        why.append(f"put {' or '.join(counted)} values that fit no evaluation-set size the values shared with "
                   "another reading establish")
        left = [b for b in candidates if b not in miscounted]
        if not left:  # readings ruling each other out in a circle: no count evidence after all
            return None, "the readings' accuracy values contradict each other's evaluation-set sizes", ""
        best = costs.smoothest(left)
        if best == n:
            return n, "", ""
    step = typical_step(split.reading(best), columns)
    rest = [b for b in candidates if b not in miscounted and near(b, best)]
    rougher = [b for b in rest if (b != n or best > 1) and step
               and costs.test(b, lambda cost: cost - costs[best] > evidence.noise_steps * step)]
    if rougher:
        why.append(f"are over {evidence.noise_steps:g} typical steps ({step:g}) rougher")
    ruled_out = set(rougher)
    left = [b for b in rest if b not in ruled_out]
    if left and n not in left and n >= evidence.shape_rows:
        agreed = (restored[:min(candidates)], logged[max(candidates):])  # rows every reading reads alike
        left = _by_shape(best, left, split, agreed, evidence, why)
    if not left:
        return best, "", f"the smoothest reading left; the others almost as smooth {' or '.join(why)}"
    return None, (f"rows from epoch {table.rows[best].cells[1]} on look swapped, but the evidence is not "
                  "decisive (another reading of the rows is almost as smooth)"), ""


def _admissible(restored: Rows, logged: Rows, summary: Sequence[Item], limits: Limits) -> list[int]:
    """The boundaries b (rows before b restored, from b logged) whose reading fits the value ranges and the
    summary: b no later than the first restored row out of range, after the last logged row out of range."""
    n = len(restored)
    first_out = next((i for i, row in enumerate(restored) if not _within(row, limits)), n)
    last_out = next((i for i in reversed(range(n)) if not _within(logged[i], limits)), -1)
    low, high = _summary_limits(restored, logged, summary)
    return list(range(max(1, last_out + 1, low), min(first_out, high) + 1))


def _by_shape(best: int, left: list[int], split: Boundaries, agreed: tuple[Rows, Rows], evidence: Evidence,
              why: list[str]) -> list[int]:
    """The readings in `left` that the shape of the columns does not rule out (none: `best` wins).

    A value under the wrong column makes a spike in it: a turn and a turn back. When every column of the
    best reading runs one way (no turn), a reading with `spike_turns` turns is ruled out. (In a table whose
    columns turn anyway, noise makes and hides turns: no evidence.) The rest are weighed again with each
    column in units of its own typical step, taken on the rows every admissible reading reads alike, so
    a small column's spike is not drowned by a large column's curve: the best must win by the margin
    there too.
    """
    turned = {b: split.turns(b) for b in (best, *left)}
    spiky = [b for b in left if turned[b] >= evidence.spike_turns] if turned[best] == 0 else []
    if spiky:
        why.append(f"make spikes ({evidence.spike_turns} or more turns where the smoothest has none)")
    ruled_out = set(spiky)
    left = [b for b in left if b not in ruled_out]
    if not left:
        return left
    scale = column_steps(split.columns, *agreed)
    if scale is None:
        return left
    scaled = Costs(split, scale)
    if all(scaled.test(b, lambda cost: cost - scaled[best] > evidence.margin * scaled[best]) for b in left):
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


def _miscounted(plausible: list[int], reading: Callable[[int], Rows], counted: Sequence[str], alpha: float,
                n: int) -> set[int]:
    """Readings (never `n`, the table as written) whose count values fit none of the evaluation-set sizes
    that the values shared with another plausible reading establish, while that reading's values fit one."""
    if not counted or len(plausible) > MAX_COUNT_READINGS:
        return set()
    rows = {b: reading(b) for b in plausible}
    values = {(b, column): frozenset(v for row in rows[b] if (v := row.get(column)) is not None)
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
    """Boundaries that give the same values (rows equal under both readings) are one; keep the latest.

    Readings b < b' differ exactly where a row in [b, b') reads differently restored and logged, so
    with the running count of such rows each (ascending) candidate is compared with the next in O(1).
    """
    differing = [0]
    for rest, live in zip(restored, logged):
        differing.append(differing[-1] + (rest != live))
    return [b for b, later in zip(candidates, [*candidates[1:], None])
            if later is None or differing[later] != differing[b]]


def _in_bounds(row: Mapping[str, float | None], bounds: Sequence[Bound]) -> bool:
    return _within(row, _limits(row, bounds))


Limits = dict[str, tuple[bool, tuple[tuple[float, float], ...]]]


def _limits(columns: Iterable[str], bounds: Sequence[Bound]) -> Limits:
    """Per column: whether it is a loss (never negative), and the ranges of the bounds its name matches
    (matched once per table, not once per value)."""
    return {name: (raw_key(name).endswith("loss"), tuple((b.low, b.high) for b in bounds if b.pattern.fullmatch(name)))
            for name in columns}


def _within(row: Mapping[str, float | None], limits: Limits) -> bool:
    for name, value in row.items():
        if value is None:
            continue
        loss, ranges = limits[name]
        if (loss and value < 0) or any(not low <= value <= high for low, high in ranges):
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
        part: float = sum(abs(b - a) for a, b in zip(s, s[1:]))
        part += sum(abs(a - 2 * b + c) for a, b, c in zip(s, s[1:], s[2:]))
        total += part / scale[column] if scale is not None else part
    return total


# Every boundary b reads the rows restored before b and logged from b. Building each reading (and summing
# its roughness) costs O(rows) per boundary: O(rows^2) in all, minutes for a long table. A column's series
# under reading b is the restored values before b then the logged ones from b, so running sums over the
# restored series (left to right) and the logged one (right to left), joined by the few terms that straddle
# b, price any boundary in O(1).


class _Column:
    """One metric column read both ways, with running sums and turns for every cut of either series."""

    def __init__(self, restored: Rows, logged: Rows, column: str) -> None:
        self.head, self.head_cut = _cut(restored, column)  # head[:head_cut[b]]: restored values before b
        self.tail, self.tail_cut = _cut(logged, column)  # tail[tail_cut[b]:]: logged values from b
        self.head_var, self.head_curv = _prefix_sums(self.head)
        self.tail_var, self.tail_curv = _suffix_sums(self.tail)
        self.head_turns, self.head_last = _prefix_turns(self.head)
        self.tail_turns, self.tail_first = _suffix_turns(self.tail)

    def _joint(self, b: int) -> tuple[int, int, list[float], int]:
        """The cuts, and the values around the join: up to two restored ones, then up to two logged ones."""
        p, q = self.head_cut[b], self.tail_cut[b]
        before = self.head[max(0, p - 2):p]
        return p, q, before + self.tail[q:q + 2], len(before)

    def roughness(self, b: int) -> float:
        """`_roughness` of this column under reading b (the same terms, summed in another order)."""
        p, q, w, s = self._joint(b)
        variation = self.head_var[p] + self.tail_var[q]
        curvature = self.head_curv[p] + self.tail_curv[q]
        if 0 < s < len(w):
            variation += abs(w[s] - w[s - 1])
        for i in range(max(0, s - 2), min(s, len(w) - 2)):  # the triples with values from both sides
            curvature += abs(w[i] - 2 * w[i + 1] + w[i + 2])
        return variation + curvature

    def turns(self, b: int) -> int:
        """`turns` of this column under reading b."""
        p, q, w, s = self._joint(b)
        joint = w[s] - w[s - 1] if 0 < s < len(w) and w[s] != w[s - 1] else None
        steps = [d for d in (self.head_last[p], joint, self.tail_first[q]) if d is not None]
        return self.head_turns[p] + self.tail_turns[q] + sum(1 for a, c in itertools.pairwise(steps) if a * c < 0)


def _cut(rows: Rows, column: str) -> tuple[list[float], list[int]]:
    """The column's values (None skipped) and, for every boundary b, how many lie in the rows before b."""
    values: list[float] = []
    cuts = [0]
    for row in rows:
        if (v := row.get(column)) is not None:
            values.append(v)
        cuts.append(len(values))
    return values, cuts


def _prefix_sums(s: Sequence[float]) -> tuple[list[float], list[float]]:
    """Variation and curvature of s[:p] for every p, summed left to right (the terms as `_roughness`)."""
    variation, curvature = [0.0] * (len(s) + 1), [0.0] * (len(s) + 1)
    for p in range(2, len(s) + 1):
        variation[p] = variation[p - 1] + abs(s[p - 1] - s[p - 2])
        curvature[p] = curvature[p - 1] + (abs(s[p - 3] - 2 * s[p - 2] + s[p - 1]) if p >= 3 else 0.0)
    return variation, curvature


def _suffix_sums(s: Sequence[float]) -> tuple[list[float], list[float]]:
    """Variation and curvature of s[q:] for every q, summed right to left (the terms as `_roughness`)."""
    variation, curvature = [0.0] * (len(s) + 1), [0.0] * (len(s) + 1)
    for q in range(len(s) - 2, -1, -1):
        variation[q] = variation[q + 1] + abs(s[q + 1] - s[q])
        curvature[q] = curvature[q + 1] + (abs(s[q] - 2 * s[q + 1] + s[q + 2]) if q + 2 < len(s) else 0.0)
    return variation, curvature


def _prefix_turns(s: Sequence[float]) -> tuple[list[int], list[float | None]]:
    """For every p: the turns among the steps of s[:p] (as `turns` counts them), and its last nonzero step."""
    counts = [0] * (len(s) + 1)
    last: list[float | None] = [None] * (len(s) + 1)
    for p in range(2, len(s) + 1):
        counts[p], last[p] = counts[p - 1], last[p - 1]
        if s[p - 1] != s[p - 2]:
            step = s[p - 1] - s[p - 2]
            before = last[p]
            if before is not None and before * step < 0:
                counts[p] += 1
            last[p] = step
    return counts, last


def _suffix_turns(s: Sequence[float]) -> tuple[list[int], list[float | None]]:
    """For every q: the turns among the steps of s[q:], and its first nonzero step."""
    counts = [0] * (len(s) + 1)
    first: list[float | None] = [None] * (len(s) + 1)
    for q in range(len(s) - 2, -1, -1):
        counts[q], first[q] = counts[q + 1], first[q + 1]
        if s[q + 1] != s[q]:
            step = s[q + 1] - s[q]
            after = first[q]
            if after is not None and step * after < 0:
                counts[q] += 1
            first[q] = step
    return counts, first


class Boundaries:
    """Every boundary's reading of the rows, priced without building it."""

    def __init__(self, restored: Rows, logged: Rows, columns: Sequence[str]) -> None:
        self.restored, self.logged, self.columns = restored, logged, tuple(columns)
        self.series = [_Column(restored, logged, column) for column in self.columns]

    def reading(self, b: int) -> Rows:
        return self.restored[:b] + self.logged[b:]

    def turns(self, b: int) -> int:
        """`turns(self.reading(b), columns)` in O(columns)."""
        return sum(series.turns(b) for series in self.series)

    def estimate(self, b: int, scale: Mapping[str, float] | None) -> float:
        """`_roughness(self.reading(b), columns, scale)` up to rounding (the sums run in another order)."""
        total = 0.0
        for column, series in zip(self.columns, self.series):
            part = series.roughness(b)
            total += part / scale[column] if scale is not None else part
        return total


class Costs:
    """Each boundary's roughness: `costs[b]` is the very float `_roughness` gives (computed, in O(rows), only
    for the few boundaries a comparison needs); `test` and `smoothest` decide every comparison as that
    float would, from the O(1) estimate where its rounding error cannot change the outcome.
    """

    def __init__(self, split: Boundaries, scale: Mapping[str, float] | None = None) -> None:
        self.split, self.scale = split, scale
        self.exact: dict[int, float] = {}
        self.estimates: dict[int, float] = {}
        # Sums of nonnegative terms: both orders are within (depth * 2^-53) of the true sum, relatively,
        # the depth being at most 2 * rows + columns + a few; 2^-50 per unit is 8 times that, and the floor
        # covers underflow.
        self.error = (2 * len(split.restored) + len(split.columns) + 8) * 2.0 ** -50

    def __getitem__(self, b: int) -> float:
        if b not in self.exact:
            self.exact[b] = _roughness(self.split.reading(b), self.split.columns, self.scale)
        return self.exact[b]

    def span(self, b: int) -> tuple[float, float] | None:
        """Floats bounding costs[b] (None: no bound, an overflow)."""
        if b in self.exact:
            return self.exact[b], self.exact[b]
        if b not in self.estimates:
            self.estimates[b] = self.split.estimate(b, self.scale)
        estimate = self.estimates[b]
        if not math.isfinite(estimate):
            return None
        slack = estimate * self.error + 1e-300
        return estimate - slack, estimate + slack

    def test(self, b: int, passes: Callable[[float], bool]) -> bool:
        """`passes(costs[b])`, for a test monotone in the cost: from the bounds where they agree."""
        span = self.span(b)
        if span is not None and passes(span[0]) == passes(span[1]):
            return passes(span[0])
        return passes(self[b])

    def smoothest(self, boundaries: Sequence[int]) -> int:
        """`min(boundaries, key=lambda b: (costs[b], -b))`, costing exactly only those the bounds cannot part."""
        spans = [self.span(b) for b in boundaries]
        if any(span is None for span in spans):
            return min(boundaries, key=lambda b: (self[b], -b))
        ceiling = min(span[1] for span in spans if span is not None)
        contenders = [b for b, span in zip(boundaries, spans) if span is not None and span[0] <= ceiling]
        return min(contenders, key=lambda b: (self[b], -b))


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
