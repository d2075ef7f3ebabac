"""model-index: fill empty results from the card's own numbers, check a filled one, validate the shape."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import regex

from cardfix.actions import Action, Param
from cardfix.actions.metadata import DATASET_IDS, check_id_list, is_dataset_id
from cardfix.edits import NOTHING, Outcome, Report, SetKey, SetNode, Written, report
from cardfix.facts import NONE_NAMES, Facts, is_repo_id
from cardfix.facts.table import metric_columns, number, same_as_shown, table_name
from cardfix.resources import id_list, schema_path
from cardfix.schema import dotted, load_schema, validate
from cardfix.settings import Options
from cardfix.tasks import Task, Undecided, check_inference, infer_task

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


def metric_key(name: str) -> str:
    """The key the Trainer logged a metric under, as a card shows it (`Exact Match`, `eval_accuracy`)."""
    key = snake(name)
    return key[len("eval_"):] if key.startswith("eval_") else key


def title_case(key: str) -> str:
    """The Trainer's summary name of a logged key (`exact_match` -> `Exact Match`)."""
    return " ".join(part.capitalize() for part in key.split("_"))


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
        key = metric_key(name)
        metric_type = params["metric_type_map"].get(key, key)
        value = _to_number(text)
        if metric_type in params["metric_types"] and value is not None:
            # An eval-only card shows the raw key (`eval_accuracy`); the Trainer's name is its title.
            shown = title_case(key) if snake(name) != key else name
            found.append(Metric(shown, metric_type, text, value))
    return found


def reported_keys(facts: Facts) -> list[str]:
    """Every evaluation key the card reports (summary, else the table's metric columns): task evidence."""
    names = [i.key for i in facts.summary] if facts.summary else list(_table_metric_names(facts))
    return [metric_key(n) for n in names]


def _table_metric_names(facts: Facts) -> tuple[str, ...]:
    table = facts.table
    columns = metric_columns(table) if table is not None else None
    return columns or ()


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
        ids = id_list(params["dataset_ids"])
        bad = [n for n in named if not is_dataset_id(n, ids)]
        if bad:
            return (f"the card names {', '.join(map(repr, bad))}, not a Hub dataset id; pass --dataset "
                    "type[:config[:split]]")
        return [DatasetRef(n, n, evidence="the dataset sentence") for n in named]
    unknown = params["unknown_dataset"]
    return [DatasetRef(unknown["type"], unknown["name"], evidence="unknown", placeholder=True)]


def fill_model_index(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    target = _empty_results(facts.metadata.get("model-index"))
    if target is None or not facts.is_trainer_card:
        return NOTHING  # a hand-written card's numbers may come from anywhere: never a model-index of ours
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
    edit = _edit(facts, target, result, name, params)
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


def _edit(facts: Facts, target: tuple[int, ...], results: list[dict[str, Any]], name: str,
          params: Mapping[str, Any]) -> SetKey | SetNode:
    if not target:
        return SetKey("model-index", [{"name": name, "results": results}], tuple(params["key_order"]))
    entry = facts.metadata["model-index"][target[0]]
    if "results" in entry and "name" in entry:
        return SetNode(("model-index", target[0], "results"), results)
    # 4.6 wrote entries without `results`: rewrite the entry whole.
    fixed = list(facts.metadata["model-index"])
    fixed[target[0]] = {**entry, "name": name, "results": results}
    return SetKey("model-index", fixed, tuple(params["key_order"]))


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
    columns = metric_columns(table) if table is not None else None
    if table is None or columns is None or not facts.summary:
        return ""
    shown = {table_name(i.key): number(i.value) for i in facts.summary}
    wanted = [(i, shown[c]) for i, c in enumerate(columns, start=3) if c in shown]
    rows = [row for row in table.rows if len(row.cells) == len(table.header.cells) and wanted and all(
        same_as_shown(number(row.cells[i]), value) for i, value in wanted)]
    if len(rows) != 1:
        return " (the summary matches no row of the table)" if not rows else ""
    epoch, step = rows[0].cells[1], rows[0].cells[2]
    return f" (the summary matches the row of epoch {epoch}, step {step})"


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
        "results_from": Param("str", "summary", check=lambda v: _one_of(v, ("final-row", "summary"))),
        "task_names": Param("dict", {}), "task_inference": Param("dict", {"clues": []}, check=check_inference),
        "dataset_ids": Param("str", DATASET_IDS, check=check_id_list),
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

