"""Reproduce the resume-from-checkpoint table defect (reference 1.3) on real, correct Trainer tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cardfix import repair, swaps
from cardfix.card import parse_text
from cardfix.facts import Facts
from cardfix.facts.table import (
    LEADING,
    VALIDATION_LOSS,
    is_sorted_order,
    live_order,
    metric_columns,
    number,
    raw_key,
    render_align,
    render_row,
)
from cardfix.ruleset import Rule
from cardfix.swaps import bounds_from, readings
from cardfix.yaml_read import parse_front_matter
from tests.conftest import corpus_files


@dataclass(frozen=True)
class Case:
    path: Path
    resume: int  # first live row
    card: str  # the card with the generated table
    expected: tuple[tuple[str, ...], ...]  # header + rows, aligned, in the header's (sorted) order
    original: tuple[tuple[str, ...], ...]  # header + rows as the real card had them (live order)
    detectable: bool  # the live order can be known and some live row really differs


def facts_of(text: str) -> Facts:
    card = parse_text(text)
    return Facts(card, parse_front_matter(card.front_matter))


def source_tables(paths: list[Path], bounded: tuple[str, ...]) -> Iterator[tuple[Path, str, Facts]]:
    """Correct tables in live order with a bounded metric and numeric metric cells."""
    for path in paths:
        text = path.read_bytes().decode("utf-8")
        try:
            facts = facts_of(text)
        except ValueError:
            continue
        table = facts.table
        columns = metric_columns(table) if table else None
        if table is None or columns is None or columns[0] != VALIDATION_LOSS or len(table.rows) < 2:
            continue
        if not any(c.lower() in bounded for c in columns):
            continue
        if any(len(r.cells) != len(table.header.cells) or any(number(c) is None for c in r.cells[3:])
               for r in table.rows):
            continue
        yield path, text, facts


def generate(path: Path, text: str, facts: Facts, resume: int) -> Case | None:
    table = facts.table
    assert table is not None
    live = table.header.cells[3:]
    ordered = tuple(sorted(live, key=raw_key))
    if ordered == live:
        return None
    header = (*LEADING, *ordered)
    position = [live.index(c) for c in ordered]
    rows = [list(r.cells) for r in table.rows]
    restored = [(*r[:3], *(r[3 + p] for p in position)) for r in rows]
    widths = [max(len(str(v)) for v in (h, *(row[i] for row in restored))) for i, h in enumerate(header)]
    lines = [render_row(header, widths), render_align(widths)]
    lines += [render_row(restored[i] if i < resume else rows[i], widths) for i in range(len(rows))]
    nl = facts.card.newline
    body = facts.card.body
    new_body = body[: table.start] + nl.join(lines) + body[table.end :]
    card = facts.card.with_body(new_body).render()
    known = live_order(ordered, facts.summary) == live
    differs = any(tuple(rows[i]) != restored[i] for i in range(resume, len(rows)))
    return Case(path, resume, card, (header, *restored),
                (table.header.cells, *(r.cells for r in table.rows)), known and differs)


def resume_points(n: int) -> list[int]:
    return list(range(1, n)) if n <= 8 else sorted({1, 2, n // 2, n - 2, n - 1})


def cases(paths: list[Path], bounded: tuple[str, ...]) -> Iterator[Case]:
    for path, text, facts in source_tables(paths, bounded):
        assert facts.table is not None
        for resume in resume_points(len(facts.table.rows)):
            case = generate(path, text, facts, resume)
            if case is not None:
                yield case


def table_cells(text: str) -> tuple[tuple[str, ...], ...] | None:
    table = facts_of(text).table
    if table is None:
        return None
    return (table.header.cells, *(r.cells for r in table.rows))


def is_sorted(header: tuple[str, ...]) -> bool:
    return is_sorted_order(header[3:])


def run_cases(bounded: tuple[str, ...], cf301: Rule) -> tuple[Counter[str], list[str]]:
    """Run CF301 (and CF302) over the generated cases and the consistent tables in checkpoint order."""
    counts: Counter[str] = Counter()
    wrong: list[str] = []
    for case in cases(corpus_files("bulk"), bounded):
        counts["cases"] += 1
        counts["detectable"] += case.detectable
        aligned = repair(case.card, select=["CF301"]).text
        cells = table_cells(aligned)
        generated = table_cells(case.card)
        if case.detectable and truth_is_smoothest(case, cf301):
            counts["truth-smoothest"] += 1
        if cells == case.expected:
            counts["realigned" if cells != generated else "already-correct"] += 1
            if case.detectable and cells != generated:
                counts["recalled"] += 1
                counts["recalled-of-smoothest"] += truth_is_smoothest(case, cf301)
        elif cells == generated:
            counts["left-alone"] += 1
        else:
            wrong.append(f"{case.path.name}@{case.resume}")
        canonical = table_cells(repair(case.card, select=["CF301", "CF302"]).text)
        if cells == case.expected and cells != generated and canonical != case.original:
            wrong.append(f"{case.path.name}@{case.resume} (CF302 order)")
    for path, text, facts in source_tables(corpus_files("bulk"), bounded):
        assert facts.table is not None
        correct = generate(path, text, facts, len(facts.table.rows))  # every row restored: consistent
        if correct is not None:
            counts["consistent-tables"] += 1
            if table_cells(repair(correct.card, select=["CF301"]).text) != correct.expected:
                wrong.append(f"{path.name} in checkpoint order, consistent, was changed")
    return counts, wrong


def truth_is_smoothest(case: Case, cf301: Rule) -> bool:
    """Whether the evidence in the card could single out the true reading: it fits the bounds and the
    summary, and every other admissible reading is rougher (otherwise no method can prefer it)."""
    facts = facts_of(case.card)
    table = facts.table
    assert table is not None
    columns = metric_columns(table)
    assert columns is not None
    live = live_order(columns, facts.summary)
    if live is None:
        return False
    restored, logged = readings(table, columns, live)
    bounds = bounds_from(cf301.params["bounds"])
    rest_ok = [swaps._in_bounds(r, bounds) for r in restored]
    live_ok = [swaps._in_bounds(r, bounds) for r in logged]
    low, high = swaps._summary_limits(restored, logged, facts.summary)
    candidates = [b for b in range(1, len(restored) + 1)
                  if all(rest_ok[:b]) and all(live_ok[b:]) and low <= b <= high]
    truth = restored[:case.resume] + logged[case.resume:]
    rough = {b: swaps._roughness(restored[:b] + logged[b:], columns) for b in candidates}
    true_b = [b for b in candidates if restored[:b] + logged[b:] == truth]
    if not true_b:
        return False
    others = [rough[b] for b in candidates if restored[:b] + logged[b:] != truth]
    return all(rough[true_b[0]] < r for r in others)
