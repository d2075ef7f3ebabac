"""Issue 16: CF301 must not be quadratic in the number of training-results rows.

Tests never assert on time (bench/bench.py prints the seconds): they count the work instead, and check
that a long table is still realigned right.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest

from cardfix import repair, swaps
from cardfix.ruleset import load_rules
from tests.swapgen import facts_of, table_cells

KINDS = ("swapped", "consistent", "undecided")
EVAL_SIZE = 1873  # accuracy is correct / EVAL_SIZE, shown to 4 decimals

CARD = """---
license: apache-2.0
tags:
- generated_from_trainer
metrics:
- accuracy
model-index:
- name: long-run
  results: []
---

<!-- This model card has been generated automatically according to the information the Trainer had access to. You
should probably proofread and complete it, then remove this comment. -->

# long-run

This model is a fine-tuned version of [{base}](https://huggingface.co/{base}) on an unknown dataset.
It achieves the following results on the evaluation set:
- Loss: {loss}
- Accuracy: {accuracy}

## Model description

More information needed

## Intended uses & limitations

More information needed

## Training and evaluation data

More information needed

## Training procedure

### Training hyperparameters

The following hyperparameters were used during training:
- learning_rate: 2e-05
- train_batch_size: 16
- eval_batch_size: 16
- seed: 42
- optimizer: Adam with betas=(0.9,0.999) and epsilon=1e-08
- lr_scheduler_type: linear
- num_epochs: {epochs}

### Training results

| Training Loss | Epoch | Step | Accuracy | Validation Loss |
|:-------------:|:-----:|:----:|:--------:|:---------------:|
{rows}

### Framework versions

- Transformers 4.16.2
- Pytorch 1.10.0+cu111
- Datasets 1.18.3
- Tokenizers 0.11.0
"""


def _curves(n: int, kind: str, rng: random.Random) -> list[tuple[float, float, float]]:
    """(training loss, validation loss, accuracy) per evaluation: smooth learning curves with a little
    noise; "undecided" puts loss and accuracy on top of each other, so no reading of the rows is smoother."""
    values = []
    for i in range(n):
        t = i / max(n - 1, 1)
        if kind == "undecided":
            loss, accuracy = 0.5 + rng.gauss(0, 0.01), 0.5 + rng.gauss(0, 0.01)
        else:
            loss = 0.25 + 0.35 * math.exp(-3 * t) + rng.gauss(0, 0.002)
            accuracy = 0.65 + 0.25 * (1 - math.exp(-3 * t)) + rng.gauss(0, 0.002)
        values.append((0.2 + 0.9 * math.exp(-4 * t), loss, round(accuracy * EVAL_SIZE) / EVAL_SIZE))
    return values


def big_card(n: int, resume: int, *, kind: str = "swapped", seed: int = 0) -> str:
    """A Trainer card whose table has `n` rows in checkpoint order (sorted header): rows before `resume`
    restored (sorted, correct), rows from `resume` on logged live (loss and accuracy swapped). "consistent"
    restores every row and its summary (a final evaluate) repeats no row."""
    rng = random.Random(seed)
    curves = _curves(n, kind, rng)
    resume = n if kind == "consistent" else resume
    rows = []
    for i, (train, loss, accuracy) in enumerate(curves):
        metrics = (accuracy, loss) if i < resume else (loss, accuracy)
        rows.append(f"| {train:.4f} | {(i + 1) * 0.5:.1f} | {(i + 1) * 50} | {metrics[0]:.4f} | {metrics[1]:.4f} |")
    _, loss, accuracy = curves[-1]
    if kind == "consistent":
        loss, accuracy = loss + 0.0123, accuracy - 0.0071
    return CARD.format(base="distilbert-base-uncased", loss=f"{loss:.4f}", accuracy=f"{accuracy:.4f}",
                       epochs=n // 2 or 1, rows="\n".join(rows))


EVIDENCE = swaps.evidence_from(next(r for r in load_rules() if r.code == "CF301").params)


def _analyse(text: str) -> swaps.Analysis | None:
    facts = facts_of(text)
    assert facts.table is not None
    return swaps.analyse(facts.table, facts.summary, EVIDENCE)


def _work(text: str) -> int:
    """The lines of cardfix/swaps.py that the analysis executes: its work, counted, not timed. (Every
    step of a loop or a generator expression is a line event, so this counts the quadratic loops too.)"""
    facts = facts_of(text)
    assert facts.table is not None
    table, summary, source = facts.table, facts.summary, swaps.__file__
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename != source:
            return None
        count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        swaps.analyse(table, summary, EVIDENCE)
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("kind", KINDS)
def test_work_grows_linearly_with_the_rows(kind: str) -> None:
    # Pricing every boundary by rebuilding its reading doubles the work per boundary and the boundaries:
    # four times the work for twice the rows (3.9 measured before issue 16's fix; now 2.0).
    n = 150
    small, large = _work(big_card(n, n // 3, kind=kind)), _work(big_card(2 * n, 2 * n // 3, kind=kind))
    assert large <= 2.3 * small + 1000, (small, large)


@pytest.mark.parametrize("kind", KINDS)
def test_only_a_few_readings_are_priced_in_full(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # `_roughness` reads every row of a reading: it may run for the few boundaries whose comparison the
    # O(1) estimate's rounding could flip, never once per boundary.
    reference = swaps._roughness
    calls: list[int] = []

    def counted(rows: swaps.Rows, columns: Any, scale: Any = None) -> float:
        calls.append(len(rows))
        return reference(rows, columns, scale)

    monkeypatch.setattr(swaps, "_roughness", counted)
    for n in (200, 400):
        calls.clear()
        _analyse(big_card(n, n // 3, kind=kind))
        assert 1 <= len(calls) <= 6, (n, calls)


@pytest.mark.parametrize(("kind", "n"), [("swapped", 10_000), ("consistent", 2_500), ("undecided", 2_500)])
def test_a_long_table_gets_the_same_decision(kind: str, n: int) -> None:
    text, resume = big_card(n, n // 3, kind=kind), n // 3
    result = repair(text, select=["CF301"])
    found = [f for f in result.findings if f.code == "CF301"]
    finding = found[0] if found else None
    if kind == "swapped":  # realigned: every row as if restored (the same values, each under its column)
        assert table_cells(result.text) == table_cells(big_card(n, n, kind=kind))
        assert finding is not None and finding.message.startswith(f"{n - resume} training-results rows (epoch "
                                                                  f"{(resume + 1) * 0.5:.1f} on)")
    elif kind == "consistent":
        assert result.text == text and finding is None
    else:
        assert result.text == text
        assert finding is not None and "the evidence is not decisive" in finding.message


def _random_rows(rng: random.Random, n: int, columns: tuple[str, ...]) -> Iterator[dict[str, float | None]]:
    """Rows with ties, repeats, blanks (None) and steps both ways: what the running sums must get right."""
    for _ in range(n):
        yield {c: None if rng.random() < 0.1 else rng.choice([0.1, 0.25, 0.5, 0.5, 0.75, rng.random()])
               for c in columns}


@pytest.mark.parametrize("seed", range(40))
def test_every_boundary_is_priced_as_its_reading(seed: int) -> None:
    rng = random.Random(seed)
    columns = ("Accuracy", "F1", "Validation Loss")[: rng.randint(1, 3)]
    live = tuple(reversed(columns))
    n = rng.randint(0, 12)
    restored = list(_random_rows(rng, n, columns))
    logged = [dict(zip(live, row.values())) for row in restored]
    split = swaps.Boundaries(restored, logged, columns)
    scale = {c: rng.uniform(0.01, 1) for c in columns}
    for b in range(n + 1):
        reading = restored[:b] + logged[b:]
        assert split.reading(b) == reading
        assert split.turns(b) == swaps.turns(reading, columns)
        for costs in (swaps.Costs(split), swaps.Costs(split, scale)):
            span = costs.span(b)
            assert span is not None and span[0] <= swaps._roughness(reading, columns, costs.scale) <= span[1]
            assert costs[b] == swaps._roughness(reading, columns, costs.scale)
    if n:
        costs = swaps.Costs(split)
        assert costs.smoothest(list(range(n + 1))) == min(range(n + 1), key=lambda b: (costs[b], -b))


@pytest.mark.parametrize("seed", range(40))
def test_distinct_keeps_the_latest_of_each_reading(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 10)
    restored: swaps.Rows = [{"Accuracy": rng.choice([0.5, 0.7]), "Validation Loss": rng.choice([0.5, 0.7])}
                            for _ in range(n)]
    logged: swaps.Rows = [{"Validation Loss": r["Accuracy"], "Accuracy": r["Validation Loss"]} for r in restored]
    candidates = sorted(rng.sample(range(1, n + 1), rng.randint(1, n)))
    latest: dict[tuple[tuple[tuple[str, float | None], ...], ...], int] = {}
    for b in candidates:
        latest[tuple(tuple(sorted(row.items())) for row in restored[:b] + logged[b:])] = b
    assert swaps._distinct(candidates, restored, logged) == sorted(latest.values())
