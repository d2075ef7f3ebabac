"""CF202: model-index values that contradict the card, and metrics it never mentions (check only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import action
from cardfix.actions.fill_model_index import METRIC_TYPE_MAP, METRIC_TYPES, keras_validation_metrics
from cardfix.edits import NOTHING, Outcome, Report, report
from cardfix.facts import Facts
from cardfix.facts.metrics import metrics_from_final_row, metrics_from_summary
from cardfix.facts.model_index import metric_paths
from cardfix.facts.table import number
from cardfix.options import Options


@action("check_model_index_consistency", params={"metric_types": METRIC_TYPES, "metric_type_map": METRIC_TYPE_MAP})
def check_model_index_consistency(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    model_index = facts.metadata.get("model-index")
    if not isinstance(model_index, list) or not facts.is_trainer_card:
        return NOTHING  # a hand-made model-index (RL's mean_reward, an eval script's Test WER) is its author's
    shown: dict[str, list[str]] = {}
    names: dict[str, set[str]] = {}
    types, type_map = params["metric_types"], params["metric_type_map"]
    from_summary = keras_validation_metrics if facts.is_keras_card else metrics_from_summary  # as CF201 reads it
    for reported in [*from_summary(facts, types, type_map), *metrics_from_final_row(facts, types, type_map)]:
        shown.setdefault(reported.type, []).append(reported.text)
        names.setdefault(reported.type, set()).add(reported.name.casefold())
    body = None
    line = facts.front_matter_line
    found = []
    for _, metric in metric_paths(model_index):
        kind, value = str(metric.get("type", "")), metric.get("value")
        texts = shown.get(kind)
        if texts is None:
            label = str(metric.get("name") or kind)
            body = facts.card.body.lower() if body is None else body
            if kind and kind.lower() not in body and label.lower() not in body:
                found.append(Report(f"model-index metric {label!r} ({kind}) is never mentioned in the card", line))
            continue
        # Only a metric named as the card shows it is the same measurement ("Test WER" from an eval
        # script on another split is not the Trainer's "Wer").
        same_name = str(metric.get("name") or kind).casefold() in names[kind]
        if same_name and isinstance(value, (int, float)) and not isinstance(value, bool) and not any(
                _agrees(value, text) for text in texts):
            found.append(Report(f"model-index {kind} = {value} contradicts the card, which shows "
                                f"{' and '.join(sorted(set(texts)))}", line))
    return report(*found)

def _agrees(value: float, text: str) -> bool:
    """Equal after rounding the model-index value to the digits the card shows."""
    shown = number(text)
    if shown is None:
        return True
    digits = len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 0
    return bool(abs(round(float(value), digits) - shown) <= 10 ** -digits / 2 + 1e-12)
