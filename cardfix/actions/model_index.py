"""model-index: fill empty results from the card's own numbers, check a filled one, validate the shape."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import regex

from cardfix.actions import Action, Param
from cardfix.edits import NOTHING, Outcome, Report, report
from cardfix.facts import Facts, Options, is_repo_id
from cardfix.frontmatter import SetKey, SetNode, Written
from cardfix.resources import schema_path
from cardfix.schema import dotted, load_schema, validate
from cardfix.tables import metric_columns, number, same_as_shown

KEY_ORDER = Param("list", ["library_name", "language", "license", "base_model", "tags", "datasets", "metrics",
                           "model-index"])


@dataclass(frozen=True)
class Metric:
    name: str  # as the card shows it (`Accuracy`)
    type: str  # the Trainer's key (`accuracy`), or its mapped tag (`Rouge1` -> `rouge`)
    text: str  # the cell / summary text
    value: float | int


def snake(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _to_number(text: str) -> float | int | None:
    """The number a cell shows, keeping how it is written (`0.8720` stays `0.8720` in the YAML)."""
    text = text.strip()
    if number(text) is None:
        return None
    return _as_written(text)


INTEGER_RE = regex.compile(r"-?\d+")


def _as_written(text: str) -> float | int:
    return int(text) if INTEGER_RE.fullmatch(text) else Written(text)


def metrics_from_summary(facts: Facts, params: Mapping[str, Any]) -> list[Metric]:
    return _metrics(((item.key, item.value) for item in facts.summary), params)


def metrics_from_final_row(facts: Facts, params: Mapping[str, Any]) -> list[Metric]:
    table = facts.table
    columns = metric_columns(table) if table is not None else None
    if table is None or columns is None or not table.rows or len(table.rows[-1].cells) != len(table.header.cells):
        return []
    return _metrics(zip(columns, table.rows[-1].cells[3:]), params)


def _metrics(pairs: Any, params: Mapping[str, Any]) -> list[Metric]:
    found = []
    for name, text in pairs:
        key = snake(name)
        metric_type = params["metric_type_map"].get(key, key)
        value = _to_number(text)
        if metric_type in params["metric_types"] and value is not None:
            found.append(Metric(name, metric_type, text, value))
    return found


@dataclass(frozen=True)
class Task:
    type: str
    evidence: str


def infer_task(facts: Facts, options: Options, params: Mapping[str, Any], metrics: Sequence[Metric]) -> Task | None:
    """The task, from the strongest evidence the card has; the evidence is named for the finding."""
    known = params["task_names"]
    if options.task:
        return Task(options.task, "--task")
    pipeline = facts.metadata.get("pipeline_tag")
    if isinstance(pipeline, str) and pipeline in known:
        return Task(pipeline, "pipeline_tag")
    tagged = [t for t in facts.tags if t in known]
    if len(set(tagged)) == 1:
        return Task(tagged[0], "tags")
    words = _keyword_text(facts)
    types = [m.type for m in metrics]
    for entry in params["inference"]:
        if _entry_matches(entry, types, words):
            return Task(entry["task"], entry["evidence"])
    return None


def _keyword_text(facts: Facts) -> str:
    """Model name, base model and dataset names: where a card's words say what the model does."""
    parts = [facts.title or "", facts.base_model_link.repo_id if facts.base_model_link else ""]
    parts += [str(d) for d in _as_list(facts.metadata.get("datasets"))]
    parts += list(facts.dataset_sentence.names) if facts.dataset_sentence else []
    return " ".join(parts).lower()


def _entry_matches(entry: Mapping[str, Any], types: list[str], words: str) -> bool:
    if "metrics_any" in entry and not set(entry["metrics_any"]) & set(types):
        return False
    if "metrics_exactly" in entry and types != list(entry["metrics_exactly"]):
        return False
    return "keywords" not in entry or _compiled(entry["keywords"]).search(words) is not None


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


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


def datasets_of(facts: Facts, options: Options, params: Mapping[str, Any]) -> list[DatasetRef]:
    if options.dataset:
        return [parse_dataset_option(options.dataset)]
    sentence = facts.dataset_sentence
    named = list(sentence.names) if sentence and sentence.kind == "named" else []
    tags = [str(d) for d in _as_list(facts.metadata.get("datasets")) if isinstance(d, str) and d.strip()]
    if tags:
        pretty = named if len(named) == len(tags) else tags
        return [DatasetRef(t, p, evidence="datasets") for t, p in zip(tags, pretty)]
    usable = [n for n in named if is_repo_id(n) and n not in ("None", "none")]
    if usable:
        return [DatasetRef(n, n, evidence="the dataset sentence") for n in usable]
    unknown = params["unknown_dataset"]
    return [DatasetRef(unknown["type"], unknown["name"], evidence="unknown", placeholder=True)]


def fill_model_index(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    target = _empty_results(facts.metadata.get("model-index"))
    if target is None:
        return NOTHING
    line = facts.front_matter_line
    source = options.results_from or params["results_from"]
    chosen, other = ((metrics_from_final_row, metrics_from_summary) if source == "final-row"
                     else (metrics_from_summary, metrics_from_final_row))
    metrics, alternative = chosen(facts, params), other(facts, params)
    used = source
    if not metrics:
        metrics, used = alternative, ("summary" if source == "final-row" else "final-row")
        alternative = []
    if not metrics:
        if facts.summary or facts.table:
            return report(Report("model-index results are empty and the card reports no metric the Hub "
                                 "model-index takes (losses, epochs and speeds are not metrics)", line))
        return NOTHING
    task = infer_task(facts, options, params, metrics)
    if task is None:
        return report(Report("model-index results are empty, but nothing in the card decides the task "
                             f"(metrics: {', '.join(m.type for m in metrics)}); pass --task", line))
    datasets = datasets_of(facts, options, params)
    result = [_result(task, ds, metrics, params) for ds in datasets]
    reports = [Report(_describe(used, task, datasets, metrics), line, fixable=True)]
    reports += _disagreements(metrics, alternative, used, line)
    if datasets[0].placeholder:
        reports.append(Report(f"the card trained on an unknown dataset: model-index dataset written as "
                              f"{datasets[0].type!r}; pass --dataset type[:config[:split]] to name it", line))
    edit = _edit(facts, target, result, options, params)
    return Outcome((edit,), tuple(reports))


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


def _result(task: Task, dataset: DatasetRef, metrics: Sequence[Metric], params: Mapping[str, Any]) -> dict[str, Any]:
    task_entry = {"type": task.type}
    name = params["task_names"].get(task.type)
    if name:
        task_entry = {"name": name, "type": task.type}
    return {"task": task_entry, "dataset": dataset.as_yaml(),
            "metrics": [{"name": m.name, "type": m.type, "value": m.value} for m in metrics]}


def _edit(facts: Facts, target: tuple[int, ...], results: list[dict[str, Any]], options: Options,
          params: Mapping[str, Any]) -> SetKey | SetNode:
    if not target:
        name = options.model_name or facts.title or "model"
        return SetKey("model-index", [{"name": name, "results": results}], tuple(params["key_order"]))
    entry = facts.metadata["model-index"][target[0]]
    name = entry.get("name")
    if "results" in entry and isinstance(name, str) and name.strip():
        return SetNode(("model-index", target[0], "results"), results)
    # 4.6 wrote entries without `results`; some cards have `name: ''`: rewrite the entry whole.
    fixed = list(facts.metadata["model-index"])
    good_name = name if isinstance(name, str) and name.strip() else options.model_name or facts.title or "model"
    fixed[target[0]] = {**entry, "name": good_name, "results": results}
    return SetKey("model-index", fixed, tuple(params["key_order"]))


def _describe(used: str, task: Task, datasets: Sequence[DatasetRef], metrics: Sequence[Metric]) -> str:
    where = "the final training-results row" if used == "final-row" else "the evaluation summary"
    names = ", ".join(d.type for d in datasets)
    source = "a placeholder" if datasets[0].placeholder else datasets[0].evidence
    return (f"model-index results empty; filled from {where}: {', '.join(m.name for m in metrics)}; "
            f"task {task.type}, decided by {task.evidence}; dataset {names}, from {source}")


def _disagreements(metrics: Sequence[Metric], other: Sequence[Metric], used: str, line: int) -> list[Report]:
    others = {m.type: m for m in other}
    found = []
    for metric in metrics:
        alt = others.get(metric.type)
        if alt is not None and not same_as_shown(float(alt.value), float(metric.value)):
            other_name = "summary" if used == "final-row" else "final row"
            found.append(Report(f"{metric.name}: the {used.replace('-', ' ')} says {metric.text}, the "
                                f"{other_name} says {alt.text}; kept {metric.text} (see --results-from)", line))
    return found


def check_model_index_consistency(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    model_index = facts.metadata.get("model-index")
    if not isinstance(model_index, list):
        return NOTHING
    shown: dict[str, list[str]] = {}
    names: dict[str, set[str]] = {}
    for reported in [*metrics_from_summary(facts, params), *metrics_from_final_row(facts, params)]:
        shown.setdefault(reported.type, []).append(reported.text)
        names.setdefault(reported.type, set()).add(reported.name.casefold())
    body = None
    line = facts.front_matter_line
    found = []
    for metric in _filled_metrics(model_index):
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


def _filled_metrics(model_index: list[Any]) -> list[dict[str, Any]]:
    return [metric for _, metric in _metric_paths(model_index)]


def _agrees(value: float, text: str) -> bool:
    """Equal after rounding the model-index value to the digits the card shows."""
    shown = number(text)
    if shown is None:
        return True
    digits = len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 0
    return bool(abs(round(float(value), digits) - shown) <= 10 ** -digits / 2 + 1e-12)


def validate_model_index(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if "model-index" not in facts.metadata:
        return NOTHING
    value = facts.metadata["model-index"]
    line = facts.front_matter_line
    repaired, edits, notes = _repairs(value, tuple(params["key_order"]))
    problems = list(validate(repaired, load_schema(schema_path(params["schema"]))))
    if notes and not problems:
        return Outcome(tuple(edits), tuple(Report(f"model-index: {note}", line, fixable=True) for note in notes))
    return report(*(Report(f"{dotted(('model-index', *p))}: {msg}", line) for p, msg in problems))


NUMERIC_RE = regex.compile(r"\s*-?\d+(\.\d+)?(e-?\d+)?\s*")


def _repairs(value: Any, key_order: tuple[str, ...]) -> tuple[Any, list[SetKey | SetNode], list[str]]:
    """Fix what is safely fixable: a mapping where a list belongs (transformers 4.12), numeric strings.

    A mapping is rewritten whole; a numeric string is replaced where it stands, so a flow-style
    model-index keeps its style.
    """
    if isinstance(value, dict):
        wrapped = [{**value, "results": value.get("results", [])}]
        note = "a mapping where the Hub expects a list (transformers 4.12 wrote this); wrapped in a list"
        return wrapped, [SetKey("model-index", wrapped, key_order)], [note]
    if not isinstance(value, list):
        return value, [], []
    if not any(_numeric_string(metric.get("value")) for _, metric in _metric_paths(value)):
        return value, [], []
    edits: list[SetKey | SetNode] = []
    repaired = copy.deepcopy(value)  # the card's parsed data is shared: never change it in place
    for path, metric in _metric_paths(repaired):
        raw = metric.get("value")
        if _numeric_string(raw):
            metric["value"] = _to_number(raw.strip())
            edits.append(SetNode(("model-index", *path, "value"), metric["value"]))
    notes = [f"{len(edits)} metric value(s) written as strings of a number; made numbers"] if edits else []
    return repaired, edits, notes


def _numeric_string(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and NUMERIC_RE.fullmatch(value) is not None


MetricPath = tuple[int | str, ...]


def _metric_paths(model_index: list[Any]) -> list[tuple[MetricPath, dict[str, Any]]]:
    found: list[tuple[MetricPath, dict[str, Any]]] = []
    for i, entry in enumerate(model_index):
        results = entry.get("results") if isinstance(entry, dict) else None
        for j, result in enumerate(results if isinstance(results, list) else []):
            metrics = result.get("metrics") if isinstance(result, dict) else None
            for k, metric in enumerate(metrics if isinstance(metrics, list) else []):
                if isinstance(metric, dict):
                    found.append(((i, "results", j, "metrics", k), metric))
    return found


METRIC_PARAMS = {
    "metric_types": Param("list", ["accuracy", "bleu", "f1", "matthews_correlation", "pearsonr", "precision",
                                   "recall", "rouge", "sacrebleu", "spearmanr", "wer"]),
    "metric_type_map": Param("dict", {"rouge1": "rouge"}),
}
ACTIONS = [
    Action("fill_model_index", fill_model_index, stage=3, params={
        **METRIC_PARAMS, "key_order": KEY_ORDER,
        "results_from": Param("str", "final-row", check=lambda v: _one_of(v, ("final-row", "summary"))),
        "task_names": Param("dict", {}), "inference": Param("list", [], check=lambda v: _check_inference(v)),
        "unknown_dataset": Param("dict", {"type": "unknown", "name": "unknown"},
                                 check=lambda v: _keys(v, {"type", "name"}))}),
    Action("check_model_index_consistency", check_model_index_consistency, stage=5, params=METRIC_PARAMS),
    Action("validate_model_index", validate_model_index, stage=2, params={
        "schema": Param("str", "model-index.schema.yaml", check=lambda v: _check_schema_file(v)),
        "key_order": KEY_ORDER}),
]


def _check_schema_file(name: str) -> None:
    load_schema(schema_path(name))


def _one_of(value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}")


def _keys(value: Mapping[str, Any], keys: set[str]) -> None:
    if set(value) != keys or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"needs exactly the string keys {', '.join(sorted(keys))}")


def _check_inference(entries: list[Any]) -> None:
    allowed = {"task", "evidence", "metrics_any", "metrics_exactly", "keywords"}
    for entry in entries:
        if not isinstance(entry, dict) or not {"task", "evidence"} <= set(entry) <= allowed:
            raise ValueError(f"each entry needs task and evidence, and only {', '.join(sorted(allowed))}")
        if "keywords" in entry:
            regex.compile(entry["keywords"])
