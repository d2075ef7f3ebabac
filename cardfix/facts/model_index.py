"""Reading a card's `model-index`: its results and metrics, wherever they sit."""

from __future__ import annotations

from typing import Any

from cardfix.facts import Facts

MetricPath = tuple[int | str, ...]


def metric_paths(model_index: list[Any]) -> list[tuple[MetricPath, dict[str, Any]]]:
    found: list[tuple[MetricPath, dict[str, Any]]] = []
    for i, entry in enumerate(model_index):
        results = entry.get("results") if isinstance(entry, dict) else None
        for j, result in enumerate(_as_list(results)):
            metrics = result.get("metrics") if isinstance(result, dict) else None
            for k, metric in enumerate(_as_list(metrics)):
                if isinstance(metric, dict):
                    found.append(((i, "results", j, "metrics", k), metric))
    return found

def model_index_results(facts: Facts) -> list[dict[str, Any]]:
    """Every result of every entry, where the model-index is the list the Hub expects."""
    entries = facts.metadata.get("model-index")
    return [result for entry in _as_list(entries) if isinstance(entry, dict)
            for result in _as_list(entry.get("results")) if isinstance(result, dict)]


def _as_list(value: Any) -> list[Any]:
    """A list as it is; anything else (`results: 5`, a mapping, a string) holds nothing to read."""
    return value if isinstance(value, list) else []
