"""CF201 against the Trainer itself: empty the model-index it wrote, rebuild it, compare."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub.repocard_data import model_index_to_eval_results

from cardfix import Options, repair
from cardfix.card import parse_text
from cardfix.frontmatter import SetNode, parse_front_matter, splice
from cardfix.resources import schema_path
from cardfix.schema import load_schema, validate
from tests.conftest import corpus_files, needs_corpus
from tests.swapgen import facts_of


def trainer_written(path: Path) -> tuple[str, dict[str, Any]] | None:
    """The card and its first result, if the Trainer wrote that result (names and values = summary)."""
    text = path.read_bytes().decode("utf-8")
    facts = facts_of(text)
    model_index = facts.metadata.get("model-index")
    if not facts.is_trainer_card or not isinstance(model_index, list) or len(model_index) != 1:
        return None
    results = model_index[0].get("results") if isinstance(model_index[0], dict) else None
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        return None
    result = results[0]
    summary = {i.key: i.value for i in facts.summary}
    metrics = result.get("metrics")
    if not (isinstance(result.get("task"), dict) and isinstance(result.get("dataset"), dict) and metrics):
        return None
    for metric in metrics:
        shown = summary.get(str(metric.get("name")))
        if shown is None or not isinstance(metric.get("value"), (int, float)) or f"{metric['value']:.4f}" != (
                shown if "." in shown and len(shown.split(".")[1]) == 4 else f"{float(shown):.4f}"):
            return None
    return text, result


def emptied(text: str) -> str:
    card = parse_text(text)
    root = parse_front_matter(card.front_matter).root
    return card.with_front_matter(splice(card.front_matter, root, SetNode(("model-index", 0, "results"), []),
                                         card.newline)).render()


def written_results(text: str) -> list[dict[str, Any]]:
    data = parse_front_matter(parse_text(text).front_matter).data
    return data["model-index"][0]["results"]  # type: ignore[no-any-return]


@needs_corpus
def test_rebuilding_trainer_model_indexes() -> None:
    counts: Counter[str] = Counter()
    misses: dict[str, list[str]] = {"metrics": [], "dataset": [], "task": []}
    for path in corpus_files("bulk"):
        found = trainer_written(path)
        if found is None:
            continue
        text, original = found
        counts["cards"] += 1
        result = repair(emptied(text), select=["CF201"], options=Options(results_from="summary"))
        rebuilt = written_results(result.text)
        assert rebuilt, f"{path.name}: nothing rebuilt: {result.findings}"
        got = rebuilt[0]
        want_metrics = {m["type"]: round(float(m["value"]), 4) for m in original["metrics"]}
        got_metrics = {m["type"]: m["value"] for m in got["metrics"]}
        if got_metrics != want_metrics:
            misses["metrics"].append(f"{path.name}: {want_metrics} -> {got_metrics}")
        if got["dataset"]["type"] != original["dataset"].get("type"):
            misses["dataset"].append(f"{path.name}: {original['dataset'].get('type')} -> {got['dataset']['type']}")
        if got["task"]["type"] != original["task"].get("type"):
            misses["task"].append(f"{path.name}: {original['task'].get('type')} -> {got['task']['type']}")
    n = counts["cards"]
    rates = {k: 1 - len(v) / n for k, v in misses.items()}
    print(f"\nmodel-index rebuild over {n} Trainer-filled cards: "
          + ", ".join(f"{k} {r:.1%}" for k, r in rates.items()))
    for kind, rows in misses.items():
        for row in rows:
            print(f"  {kind} miss: {row}")
    assert n > 300
    assert rates["metrics"] == 1.0
    assert rates["dataset"] >= 0.99
    assert rates["task"] >= 0.95


@needs_corpus
@pytest.mark.parametrize("folder", ["seeds", "bulk"])
def test_every_written_model_index_is_hub_valid(folder: str) -> None:
    schema = load_schema(schema_path("model-index.schema.yaml"))
    written = 0
    for path in corpus_files(folder):
        text = path.read_bytes().decode("utf-8")
        result = repair(text)
        if result.error or not result.changed:
            continue
        before = parse_front_matter(parse_text(text).front_matter).data.get("model-index")
        after = parse_front_matter(parse_text(result.text).front_matter).data.get("model-index")
        if after == before:
            continue
        written += 1
        assert list(validate(after, schema)) == [], path.name
        name = model_index_to_eval_results(after)[0]
        assert name
    print(f"\n{folder}: {written} model-indexes written, all valid")
    assert written > (2 if folder == "seeds" else 300)


def test_no_decisive_task_evidence_writes_nothing_and_says_why() -> None:
    from cardfix.rules import load_rules, override_params

    rule = next(r for r in load_rules() if r.code == "CF201")
    blind = override_params(rule, {"inference": []}, "test")
    card = ("---\nmodel-index:\n- name: m\n  results: []\n---\n# m\n\nIt achieves the following results on the "
            "evaluation set:\n- Loss: 0.3\n- Accuracy: 0.9\n")
    result = repair(card, rules=(blind,))
    assert not result.changed
    assert [f.message for f in result.findings] == [
        "model-index results are empty, but nothing in the card decides the task (metrics: accuracy); pass --task"]
    assert repair(card, rules=(blind,), options=Options(task="text-classification")).changed
