"""CF203: offline validation of `model-index` against the rule data's schema; safe repairs of its shape."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeGuard

import regex

from cardfix.actions import Param, action
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, Report, SetKey, SetNode, report
from cardfix.facts import Facts
from cardfix.facts.metrics import to_number
from cardfix.facts.model_index import metric_paths
from cardfix.options import Options
from cardfix.resources import schema_path
from cardfix.schema import dotted, load_schema, validate


@action("validate_model_index", params={
    "schema": Param("str", "model-index.schema.yaml", convert=lambda name: load_schema(schema_path(name)))})
def validate_model_index(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if "model-index" not in facts.metadata:
        return NOTHING
    value = facts.metadata["model-index"]
    line = facts.front_matter_line
    repaired, edits, notes = _repairs(value)
    problems = list(validate(repaired, params["schema"]))
    if notes and not problems:
        return Outcome(tuple(edits), tuple(Report(f"model-index: {note}", line, fixable=True) for note in notes))
    return report(*(Report(f"{dotted(('model-index', *p))}: {msg}", line) for p, msg in problems))

NUMERIC_RE = regex.compile(r"\s*-?\d+(\.\d+)?(e-?\d+)?\s*")

def _repairs(value: Any) -> tuple[Any, list[SetKey | SetNode], list[str]]:
    """Fix what is safely fixable: a mapping where a list belongs (transformers 4.12), numeric strings.

    A mapping is rewritten whole; a numeric string is replaced where it stands, so a flow-style
    model-index keeps its style.
    """
    if isinstance(value, dict):
        wrapped = [{**value, "results": value.get("results", [])}]
        note = "a mapping where the Hub expects a list (transformers 4.12 wrote this); wrapped in a list"
        return wrapped, [SetKey("model-index", wrapped, KEY_ORDER)], [note]
    if not isinstance(value, list):
        return value, [], []
    if not any(_numeric_string(metric.get("value")) for _, metric in metric_paths(value)):
        return value, [], []
    edits: list[SetKey | SetNode] = []
    repaired = copy.deepcopy(value)  # the card's parsed data is shared: never change it in place
    for path, metric in metric_paths(repaired):
        raw = metric.get("value")
        if _numeric_string(raw):
            metric["value"] = to_number(raw.strip())
            edits.append(SetNode(("model-index", *path, "value"), metric["value"]))
    notes = [f"{len(edits)} metric value(s) written as strings of a number; made numbers"] if edits else []
    return repaired, edits, notes

def _numeric_string(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and NUMERIC_RE.fullmatch(value) is not None
