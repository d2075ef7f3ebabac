"""The five founding cards come out right (../shared/corpus/seeds)."""

from __future__ import annotations

import pytest

from cardfix import repair
from cardfix.card import parse_text
from cardfix.yaml_read import parse_front_matter
from tests.conftest import CORPUS, needs_corpus
from tests.swapgen import facts_of

SEEDS = CORPUS / "seeds"


def seed(prefix: str) -> tuple[str, str, list[str]]:
    path = next(SEEDS.glob(f"{prefix}_*.md"))
    text = path.read_bytes().decode("utf-8")
    result = repair(text)
    assert result.error is None and result.changed
    assert repair(result.text).text == result.text
    return text, result.text, [f"{f.code} {f.message}" for f in result.findings]


def model_index_text(text: str) -> str:
    front = parse_text(text).front_matter
    return front[front.index("model-index:"):]


def metadata(text: str) -> dict:  # type: ignore[type-arg]
    return parse_front_matter(parse_text(text).front_matter).data


@needs_corpus
@pytest.mark.parametrize("prefix", ["000", "002"])
def test_filled_model_index_is_kept_byte_identical(prefix: str) -> None:
    before, after, _ = seed(prefix)
    assert model_index_text(after) == model_index_text(before)


@needs_corpus
@pytest.mark.parametrize(("prefix", "expected"), [
    ("001", {"accuracy": 0.72, "precision": 0.679, "recall": 0.677, "f1": 0.6766}),
    ("003", {"accuracy": 0.7146}),
    ("004", {"accuracy": 0.7876}),  # the summary, as the Trainer writes it; not the realigned final row's 0.7913
])
def test_empty_model_index_is_filled_from_the_summary(prefix: str, expected: dict[str, float]) -> None:
    _, after, findings = seed(prefix)
    result = metadata(after)["model-index"][0]["results"][0]
    assert result["task"] == {"name": "Text Classification", "type": "text-classification"}
    assert result["dataset"] == {"name": "unknown", "type": "unknown"}
    assert {m["type"]: m["value"] for m in result["metrics"]} == expected
    assert any(f.startswith("CF201 the card trained on an unknown dataset") for f in findings)


@needs_corpus
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_seed_gets_base_model_and_filled_sections(prefix: str) -> None:
    before, after, _ = seed(prefix)
    link = facts_of(before).base_model_link
    assert link is not None and metadata(after)["base_model"] == link.repo_id
    facts = facts_of(after)
    for title in ("Model description", "Intended uses & limitations", "Training and evaluation data"):
        section = facts.section(title)
        assert section is not None and not section.placeholder


@needs_corpus
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_correct_tables_are_byte_identical(prefix: str) -> None:
    before, after, _ = seed(prefix)
    old, new = facts_of(before), facts_of(after)
    assert old.table is not None and new.table is not None
    assert old.card.body[old.table.start:old.table.end] == new.card.body[new.table.start:new.table.end]


@needs_corpus
def test_seed_004_table_is_realigned_and_put_in_canonical_order() -> None:
    before, after, findings = seed("004")
    table = facts_of(after).table
    assert table is not None
    assert table.header.cells == ("Training Loss", "Epoch", "Step", "Validation Loss", "Accuracy")
    rows = {r.cells[1]: r.cells for r in table.rows}
    assert rows["10.0"][3:] == ("1.0876", "0.7872")  # restored rows: moved with their columns only
    assert rows["20.0"][3:] == ("1.0813", "0.7874")  # live rows: values back under their own columns
    assert rows["30.0"][3:] == ("1.0963", "0.7913")
    assert all(float(r.cells[4]) <= 1 for r in table.rows)
    assert any(f.startswith("CF301 11 training-results rows (epoch 20.0 on)") for f in findings)
    assert any(f.startswith("CF303 Epoch jumps from 10 to 20") for f in findings)
    assert "CF201 Accuracy: the summary says 0.7876, the final row says 0.7913 (the summary matches no row of the " \
           "table); kept 0.7876 (see --results-from)" in findings
    other_lines = [line for line in before.splitlines() if not line.startswith("|")]
    changed = [line for line in other_lines if line not in after.splitlines()]
    assert changed == ["  results: []", "More information needed", "More information needed",
                       "More information needed"]
