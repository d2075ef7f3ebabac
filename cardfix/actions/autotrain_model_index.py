"""CF205: a model-index from the `## Validation Metrics` AutoTrain / AutoNLP wrote, where the card or the user
decides the task (the card's `- Problem type:`), the dataset (`datasets:`) and the entry's name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cardfix.actions import Param, action
from cardfix.actions.fill_model_index import DatasetRef, _edit, _empty_results, _result, parse_dataset_option
from cardfix.edits import NOTHING, Outcome, Report, fix, report
from cardfix.facts import Facts, is_dataset_id
from cardfix.facts.autotrain import AutoTrainBody, autotrain_body, metrics_of
from cardfix.facts.metrics import Metric
from cardfix.options import Options
from cardfix.tasks import Task


def check_problem_types(value: Mapping[str, Any]) -> None:
    if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()):
        raise ValueError("maps each problem type, as the card writes it, to a Hub task type (strings)")


@action("fill_autotrain_model_index", params={
    "problem_types": Param("dict", required=True, check=check_problem_types),
    "model_index_of": Param("rule", "CF201")})
def fill_autotrain_model_index(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    target = _empty_results(facts.metadata.get("model-index"))
    # A Trainer card (AutoTrain's LLM trainers also save one) is CF201's, from the Trainer's own summary.
    if target is None or facts.is_trainer_card or not facts.made_by("autotrain"):
        return NOTHING
    body = autotrain_body(facts)
    if not body.metrics:
        return NOTHING  # no section, or "No validation metrics available": nothing to write, nothing to say
    shape = params["model_index_of"]  # CF201's parameters: metric types, task names, Hub dataset ids
    line = facts.front_matter_line
    missing = "model-index results are empty" if target else "model-index missing"
    metrics = metrics_of(body.metrics, shape["metric_types"], shape["metric_type_map"])
    if not metrics:
        return report(Report(f"{missing}, and the card's validation metrics include none the Hub model-index takes "
                             "(losses, runtimes, speeds and epochs are not metrics)", line))
    task = _task(facts, body, params["problem_types"], options)
    datasets = _datasets(facts, shape["dataset_ids"], options)
    name = _entry_name(facts, target, options)
    if isinstance(task, str) or isinstance(datasets, str) or name is None:
        return report(*(Report(f"{missing}, but {why}", line) for why in _refusals(task, datasets, name)))
    results = [_result(task, dataset, metrics, shape) for dataset in datasets]
    return fix(_describe(missing, metrics, task, datasets, name[1]), line, _edit(facts, target, results, name[0]))


def _refusals(task: Task | str, datasets: list[DatasetRef] | str, name: tuple[str, str] | None) -> list[str]:
    """Every fact that is not decided, each with the option that supplies it (all at once: one run tells)."""
    found = []
    if isinstance(task, str):
        found.append(f"the task is not decided: {task}; pass --task")
    if isinstance(datasets, str):
        found.append(f"no dataset can be written: {datasets}; pass --dataset type[:config[:split]]")
    if name is None:
        found.append("the card gives no model name (AutoTrain's `# Model Trained Using` heading is none); "
                     "pass --model-name or --repo-id")
    return found


def _task(facts: Facts, body: AutoTrainBody, problem_types: Mapping[str, str], options: Options) -> Task | str:
    """--task, else the Hub task of the card's problem type (rule data); a pipeline_tag saying otherwise
    leaves it undecided."""
    if options.task:
        return Task(options.task, "--task")
    if body.problem_type is None:
        return "the card states no problem type"
    stated = body.problem_type.text
    task = problem_types.get(stated)
    if task is None:
        return f"the problem type {stated!r} is not one whose Hub task AutoTrain's source decides"
    pipeline = facts.metadata.get("pipeline_tag")
    if isinstance(pipeline, str) and pipeline and pipeline != task:
        return f"the problem type {stated!r} says {task}, but pipeline_tag says {pipeline}"
    return Task(task, f"the problem type {stated!r}")


def _datasets(facts: Facts, canonical: frozenset[str], options: Options) -> list[DatasetRef] | str:
    """--dataset, else the one Hub dataset id of `datasets:` (AutoTrain writes its data path there; the
    validation metrics are of that one dataset's split)."""
    if options.dataset:
        return [parse_dataset_option(options.dataset)]
    listed = facts.metadata.get("datasets")
    names = [str(d) for d in (listed if isinstance(listed, list) else [listed]) if d not in (None, "")]
    if not names:
        return "the card names no dataset (no `datasets:`)"
    bad = [n for n in names if not is_dataset_id(n, canonical)]
    if bad:
        return (f"`datasets:` names {', '.join(map(repr, bad))}, not a Hub dataset id (namespaced, or one of "
                "the canonical datasets)")
    if len(names) > 1:
        return f"`datasets:` names {', '.join(names)}, and the validation metrics are of one of them"
    return [DatasetRef(names[0], names[0], evidence="datasets")]


def _entry_name(facts: Facts, target: tuple[int, ...], options: Options) -> tuple[str, str] | None:
    """The entry's name and where it came from: the existing entry's, --model-name, or the repository's name
    (--repo-id). AutoTrain's heading names the tool, not the model."""
    if target:
        entry = facts.metadata["model-index"][target[0]]
        if isinstance(entry.get("name"), str):
            return str(entry["name"]), "the model-index"
    if options.model_name:
        return options.model_name, "--model-name"
    if options.repo_id:
        return options.repo_id.rsplit("/", 1)[-1], "--repo-id"
    return None


def _describe(missing: str, metrics: Sequence[Metric], task: Task, datasets: Sequence[DatasetRef],
              name_from: str) -> str:
    return (f"{missing}; filled from the validation metrics: {', '.join(m.name for m in metrics)}; task "
            f"{task.type}, decided by {task.evidence}; dataset {', '.join(d.type for d in datasets)}, from "
            f"{datasets[0].evidence}; name from {name_from}")
