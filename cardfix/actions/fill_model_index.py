"""CF201: fill an absent or empty `model-index` from the card's own numbers, where the card decides the task."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cardfix.actions import Param, action
from cardfix.actions.datasets import DATASET_IDS
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, Report, SetKey, SetNode, report
from cardfix.facts import NONE_NAMES, Facts, is_dataset_id, is_repo_id
from cardfix.facts.metrics import Metric, metrics_from_final_row, metrics_from_summary, reported_keys, snake, to_number
from cardfix.facts.table import rows_matching_summary, same_as_shown
from cardfix.options import Options
from cardfix.resources import id_list
from cardfix.tasks import Task, Undecided, check_inference, compile_inference, infer_task

# The Trainer's METRIC_TAGS: the metrics it puts in a model-index (losses, epochs, speeds never).
METRIC_TYPES = Param("list", ["accuracy", "bleu", "f1", "matthews_correlation", "pearsonr", "precision", "recall",
                              "rouge", "sacrebleu", "spearmanr", "wer"])
METRIC_TYPE_MAP = Param("dict", {"rouge1": "rouge"})
KERAS_VALIDATION = "validation_"  # parse_keras_history's label of Keras' `val_` keys, as `snake` reads it


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]

@dataclass(frozen=True)
class DatasetRef:
    type: str
    name: str
    config: str | None = None
    split: str | None = None
    evidence: str = ""
    placeholder: bool = False

    def as_yaml(self) -> dict[str, str]:
        data = {"name": self.name, "type": self.type}
        if self.config:
            data["config"] = self.config
        if self.split:
            data["split"] = self.split
        return data

def parse_dataset_option(value: str) -> DatasetRef:
    parts = value.split(":")
    return DatasetRef(parts[0], parts[0], parts[1] if len(parts) > 1 and parts[1] else None,
                      parts[2] if len(parts) > 2 and parts[2] else None, "--dataset")

def datasets_of(facts: Facts, options: Options, params: Mapping[str, Any]) -> list[DatasetRef] | str:
    """The datasets to write, or why none can be: ids the card states (`datasets:`, or a sentence naming
    a Hub dataset id), the user's --dataset, or the placeholder for a card that says it does not know."""
    if options.dataset:
        return [parse_dataset_option(options.dataset)]
    sentence = facts.dataset_sentence
    # "the None dataset": the Trainer had no name for it, as unknown as "an unknown dataset".
    named = [n for n in sentence.names if n not in NONE_NAMES] if sentence and sentence.kind == "named" else []
    tags = [str(d) for d in _as_list(facts.metadata.get("datasets")) if isinstance(d, str) and is_repo_id(d)]
    if tags:
        pretty = named if len(named) == len(tags) else tags
        return [DatasetRef(t, p, evidence="datasets") for t, p in zip(tags, pretty)]
    if named:
        bad = [n for n in named if not is_dataset_id(n, params["dataset_ids"])]
        if bad:
            return (f"the card names {', '.join(map(repr, bad))}, not a Hub dataset id; pass --dataset "
                    "type[:config[:split]]")
        return [DatasetRef(n, n, evidence="the dataset sentence") for n in named]
    unknown = params["unknown_dataset"]
    return [DatasetRef(unknown["type"], unknown["name"], evidence="unknown", placeholder=True)]

@action("fill_model_index", params={
    "metric_types": METRIC_TYPES, "metric_type_map": METRIC_TYPE_MAP,
    "results_from": Param("str", "summary", check=lambda v: _one_of(v, ("final-row", "summary"))),
    "task_names": Param("dict", {}), "task_inference": Param("dict", {"clues": []}, check=check_inference,
                                                                convert=compile_inference),
    "dataset_ids": Param("str", DATASET_IDS, convert=id_list),
    "unknown_dataset": Param("dict", {"type": "unknown", "name": "unknown"},
                             check=lambda v: _keys(v, {"type", "name"}))}, settles=True)
def fill_model_index(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    target = _empty_results(facts.metadata.get("model-index"))
    if target is None or not facts.is_trainer_card:
        return NOTHING  # a hand-written card's numbers may come from anywhere: never a model-index of ours
    line = facts.front_matter_line
    source = params["results_from"]
    chosen, other = ((metrics_from_final_row, _summary_metrics) if source == "final-row"
                     else (_summary_metrics, metrics_from_final_row))
    metrics = chosen(facts, params["metric_types"], params["metric_type_map"])
    alternative = other(facts, params["metric_types"], params["metric_type_map"])
    used = source
    if not metrics:
        metrics, used = alternative, ("summary" if source == "final-row" else "final-row")
        alternative = []
    if not metrics:
        if facts.summary or facts.table:
            return report(Report("model-index results are empty and the card reports no metric the Hub "
                                 "model-index takes (losses, epochs and speeds are not metrics)", line))
        return NOTHING
    task = infer_task(facts, options, params, reported_keys(facts))
    if isinstance(task, Undecided):
        return report(Report(f"model-index results are empty, but the task is not decided: {task.reason()}; "
                             "pass --task", line))
    datasets = datasets_of(facts, options, params)
    if isinstance(datasets, str):
        return report(Report(f"model-index results are empty, but no dataset can be written: {datasets}", line))
    name = _entry_name(facts, target, options)
    if name is None:
        return report(Report("model-index results are empty, but the card gives no model name (no `# title`); "
                             "pass --model-name", line))
    result = [_result(task, ds, metrics, params) for ds in datasets]
    reports = [Report(_describe(used, task, datasets, metrics), line, fixable=True)]
    reports += _disagreements(facts, metrics, alternative, used, line)
    if datasets[0].placeholder:
        reports.append(Report(f"the card trained on an unknown dataset: model-index dataset written as "
                              f"{datasets[0].type!r}; pass --dataset type[:config[:split]] to name it", line))
    edit = _edit(facts, target, result, name)
    return Outcome((edit,), tuple(reports))

def _summary_metrics(facts: Facts, types: Iterable[str], type_map: Mapping[str, str]) -> list[Metric]:
    return (keras_validation_metrics if facts.is_keras_card else metrics_from_summary)(facts, types, type_map)

def keras_validation_metrics(facts: Facts, types: Iterable[str], type_map: Mapping[str, str]) -> list[Metric]:
    """A Keras card's summary metrics: only those it labels `Validation *` (`parse_keras_history` names
    `val_accuracy` so), keyed without the label. `Train *` values are the training data's, and `Epoch` no
    metric."""
    wanted = set(types)
    found = []
    for item in facts.summary:
        label = snake(item.key)
        if not label.startswith(KERAS_VALIDATION):
            continue
        key = label[len(KERAS_VALIDATION):]
        metric_type = type_map.get(key, key)
        value = to_number(item.value)
        if metric_type in wanted and value is not None:
            found.append(Metric(item.key, metric_type, item.value, value))
    return found

def _empty_results(model_index: Any) -> tuple[int, ...] | None:
    """() when model-index is absent; (i,) for the first entry whose results are empty or missing."""
    if model_index is None:
        return ()
    if not isinstance(model_index, list):
        return None  # a mapping or scalar is CF203's to repair first
    for i, entry in enumerate(model_index):
        if isinstance(entry, dict) and entry.get("results") in (None, []):
            return (i,)
    return None

def _entry_name(facts: Facts, target: tuple[int, ...], options: Options) -> str | None:
    """The entry's name as the card gives it: an existing one (even `''`, as the Trainer wrote it), else
    --model-name, else the title the Trainer wrote (`# {model_name}`); never one made up."""
    if target:
        entry = facts.metadata["model-index"][target[0]]
        if isinstance(entry.get("name"), str):
            return str(entry["name"])
    return options.model_name or facts.title

def _result(task: Task, dataset: DatasetRef, metrics: Sequence[Metric], params: Mapping[str, Any]) -> dict[str, Any]:
    task_entry = {"type": task.type}
    name = params["task_names"].get(task.type)
    if name:
        task_entry = {"name": name, "type": task.type}
    return {"task": task_entry, "dataset": dataset.as_yaml(),
            "metrics": [{"name": m.name, "type": m.type, "value": m.value} for m in metrics]}

def _edit(facts: Facts, target: tuple[int, ...], results: list[dict[str, Any]], name: str) -> SetKey | SetNode:
    if not target:
        return SetKey("model-index", [{"name": name, "results": results}], KEY_ORDER)
    entry = facts.metadata["model-index"][target[0]]
    if "results" in entry and "name" in entry:
        return SetNode(("model-index", target[0], "results"), results)
    # 4.6 wrote entries without `results`: rewrite the entry whole.
    fixed = list(facts.metadata["model-index"])
    fixed[target[0]] = {**entry, "name": name, "results": results}
    return SetKey("model-index", fixed, KEY_ORDER)

def _describe(used: str, task: Task, datasets: Sequence[DatasetRef], metrics: Sequence[Metric]) -> str:
    where = "the final training-results row" if used == "final-row" else "the evaluation summary"
    names = ", ".join(d.type for d in datasets)
    source = "a placeholder" if datasets[0].placeholder else datasets[0].evidence
    return (f"model-index results empty; filled from {where}: {', '.join(m.name for m in metrics)}; "
            f"task {task.type}, decided by {task.evidence}; dataset {names}, from {source}")

def _disagreements(facts: Facts, metrics: Sequence[Metric], other: Sequence[Metric], used: str,
                   line: int) -> list[Report]:
    others = {m.type: m for m in other}
    found = []
    for metric in metrics:
        alt = others.get(metric.type)
        if alt is not None and not same_as_shown(float(alt.value), float(metric.value)):
            other_name = "summary" if used == "final-row" else "final row"
            found.append(Report(f"{metric.name}: the {used.replace('-', ' ')} says {metric.text}, the "
                                f"{other_name} says {alt.text}{_summary_row(facts)}; kept {metric.text} "
                                "(see --results-from)", line))
    return found

def _summary_row(facts: Facts) -> str:
    """Which training-results row the summary repeats (a best checkpoint reloaded), if exactly one does."""
    table = facts.table
    rows = rows_matching_summary(table, facts.summary) if table is not None else None
    if table is None or rows is None or len(rows) > 1:
        return ""
    if not rows:
        return " (the summary matches no row of the table)"
    epoch, step = table.rows[rows[0]].cells[1], table.rows[rows[0]].cells[2]
    return f" (the summary matches the row of epoch {epoch}, step {step})"

def _one_of(value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}")

def _keys(value: Mapping[str, Any], keys: set[str]) -> None:
    if set(value) != keys or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"needs exactly the string keys {', '.join(sorted(keys))}")
