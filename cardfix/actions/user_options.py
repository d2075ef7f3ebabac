"""CF204: where --task, --dataset or --model-name say otherwise than the card, say so; --model-name renames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import action
from cardfix.edits import NOTHING, Outcome, Report, SetNode
from cardfix.facts import Facts
from cardfix.facts.model_index import model_index_results
from cardfix.options import Options


@action("compare_options")
def compare_options(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if not (options.task or options.dataset or options.model_name):
        return NOTHING
    line = facts.front_matter_line
    reports = [Report(f"--{name} {given!r} differs from the card's {where}; the option is used", line)
               for name, given, where in _differences(facts, options)]
    rename = _rename(facts, options.model_name)
    if isinstance(rename, str):
        reports.append(Report(rename, line))
        return Outcome((), tuple(reports))
    edits = tuple(SetNode(("model-index", i, "name"), options.model_name) for i in rename)
    if edits:
        reports.append(Report(f"model-index named {options.model_name!r} from --model-name", line, fixable=True))
    return Outcome(edits, tuple(reports))


def _differences(facts: Facts, options: Options) -> list[tuple[str, str, str]]:
    found = []
    stated_tasks = {str(r["task"].get("type")) for r in model_index_results(facts) if isinstance(r.get("task"), dict)}
    pipeline = facts.metadata.get("pipeline_tag")
    if options.task and isinstance(pipeline, str) and pipeline != options.task:
        found.append(("task", options.task, f"pipeline_tag {pipeline!r}"))
    elif options.task and stated_tasks and options.task not in stated_tasks:
        found.append(("task", options.task, f"model-index task {', '.join(sorted(stated_tasks))}"))
    dataset = options.dataset.split(":")[0] if options.dataset else None
    listed = facts.metadata.get("datasets")
    listed = [str(d) for d in (listed if isinstance(listed, list) else [listed]) if d]
    sentence = facts.dataset_sentence
    named = list(sentence.names) if sentence is not None and sentence.kind == "named" else []
    stated = listed or named
    if dataset and stated and dataset not in stated:
        found.append(("dataset", dataset, f"{'datasets' if listed else 'dataset sentence'} {', '.join(stated)}"))
    return found


def _rename(facts: Facts, name: str | None) -> list[int] | str:
    """The model-index entries --model-name renames, or why it cannot."""
    model_index = facts.metadata.get("model-index")
    if name is None or model_index is None:
        return []
    if not isinstance(model_index, list):
        return "--model-name not applied: model-index is not a list (CF203 repairs that first)"
    return [i for i, entry in enumerate(model_index) if isinstance(entry, dict) and entry.get("name") != name]
