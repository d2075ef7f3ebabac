"""Task inference: what a card's own words say the model does, decided only where they leave one task.

Each clue of the rule data (`task_inference` in CF201's file) names the tasks it is compatible with: the
metrics a script reports (seqeval's four, squad's exact_match + f1, wer), the base model's architecture
family, a dataset's known task, words of the model's name, tags. The clues a card has are intersected: one
task left decides; several left that the Trainer folds into one (`groups`: it wrote text2text-generation
for every sequence-to-sequence model) decide that one; otherwise nothing is decided and the finding names
the clues, so a user can pass `--task`. Clues that leave nothing disagree, which also decides nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from cardfix.facts import Facts
from cardfix.memo import mypyc_attr
from cardfix.options import Options

# Where a clue looks; each names the texts of the card it is matched against.
METRIC_CONDITIONS = ("metrics_any", "metrics_all", "metrics_exactly", "unless_exactly")
SOURCES = ("base_model", "datasets", "name", "tags")


# Keys a card reports that say nothing of the task: losses, progress, speed, training-set values.
VALIDATION_PREFIX = regex.compile(r"^(validation|val)_(?!loss$)")  # Keras' validation_accuracy is accuracy
NOT_METRICS = regex.compile(r"(validation_|val_)?loss|train(ing)?_\w+|epoch|step|\w*runtime|\w*per_second|"
                            r"model_preparation_time|total_flos|learning_rate")


@dataclass(frozen=True)
class Clue:
    """One piece of evidence the card states, and the tasks it leaves possible."""

    evidence: str
    tasks: frozenset[str]


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class ClueRule:
    """One clue of the rule data, compiled once when the rules load: where it looks and what it needs."""

    evidence: str
    tasks: tuple[str, ...]
    source: str | None = None  # base_model, datasets, name or tags; None for metric conditions
    pattern: re.Pattern[str] | regex.Pattern[str] | None = None
    metrics_any: frozenset[str] | None = None  # None: any of the card's metrics counts
    metrics_all: frozenset[str] = frozenset()
    metrics_exactly: tuple[str, ...] | None = None
    unless_exactly: tuple[str, ...] | None = None


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Inference:
    """`task_inference` as the action uses it: its clues compiled, and each task's group head."""

    clues: tuple[ClueRule, ...]
    groups: tuple[tuple[str, ...], ...] = ()


def compile_inference(value: Mapping[str, Any]) -> Inference:
    """The rule file's `task_inference` (checked by check_inference) in its compiled form."""
    clues = []
    for entry in value["clues"]:
        source = next((k for k in SOURCES if k in entry), None)
        clues.append(ClueRule(
            entry["evidence"], tuple(entry["tasks"]), source,
            _compiled(entry[source]) if source else None,
            frozenset(entry["metrics_any"]) if "metrics_any" in entry else None,
            frozenset(entry.get("metrics_all", ())),
            tuple(entry["metrics_exactly"]) if "metrics_exactly" in entry else None,
            tuple(entry["unless_exactly"]) if "unless_exactly" in entry else None))
    return Inference(tuple(clues), tuple(tuple(g) for g in value.get("groups", [])))


def _compiled(pattern: str) -> re.Pattern[str] | regex.Pattern[str]:
    """The stdlib's engine where the pattern allows it: about twice as fast on these short names, and the
    clues are searched for on every generated card; `regex` for what only it supports."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:
        return regex.compile(pattern, regex.IGNORECASE)


@dataclass(frozen=True)
class Task:
    type: str
    evidence: str


@dataclass(frozen=True)
class Undecided:
    """Why no task: the clues found (possibly none) and the tasks they leave."""

    clues: tuple[Clue, ...]
    left: frozenset[str]

    def reason(self) -> str:
        if not self.clues:
            return "nothing in the card names the task"
        said = "; ".join(f"{c.evidence} -> {' or '.join(sorted(c.tasks))}" for c in self.clues)
        if not self.left:
            return f"the card's clues disagree ({said})"
        return f"the card's clues leave {', '.join(sorted(self.left))} ({said})"


@dataclass(frozen=True)
class CardText:
    """The texts of a card that clues are matched against, lower-cased."""

    metrics: tuple[str, ...]  # keys as logged (`exact_match`, Keras' `validation_` dropped), in card order
    base_model: str
    datasets: tuple[str, ...]
    name: str
    tags: tuple[str, ...]


def infer_task(facts: Facts, options: Options, params: Mapping[str, Any],
               metric_keys: Sequence[str]) -> Task | Undecided:
    """The task, from --task, `pipeline_tag`, or the clues the card states; the evidence is named."""
    if options.task:
        return Task(options.task, "--task")
    pipeline = facts.metadata.get("pipeline_tag")
    if isinstance(pipeline, str) and pipeline in params["task_names"]:
        return Task(pipeline, "pipeline_tag")
    text = card_text(facts, options, metric_keys)
    inference: Inference = params["task_inference"]
    clues = tuple(clue for rule in inference.clues if (clue := _clue(rule, text)) is not None)
    return decide(clues, inference.groups)


def decide(clues: Sequence[Clue], groups: Sequence[Sequence[str]]) -> Task | Undecided:
    """One task left by every clue decides; the tasks of a group count as its first (what the Trainer writes)."""
    if not clues:
        return Undecided((), frozenset())
    head = {task: group[0] for group in groups for task in group}
    left = functools.reduce(lambda a, b: a & b, (frozenset(head.get(t, t) for t in c.tasks) for c in clues))
    if len(left) != 1:
        return Undecided(tuple(clues), left)
    return Task(next(iter(left)), ", ".join(dict.fromkeys(c.evidence for c in clues)))


def card_text(facts: Facts, options: Options, metric_keys: Sequence[str]) -> CardText:
    base = facts.metadata.get("base_model")
    if not isinstance(base, str):
        link = facts.base_model_link
        base = link.repo_id if link is not None and link.valid else ""
    datasets = [options.dataset.split(":")[0]] if options.dataset else []
    datasets += [str(d) for d in _as_list(facts.metadata.get("datasets")) if d]
    if facts.dataset_sentence is not None:
        datasets += facts.dataset_sentence.names
    names = [options.model_name or "", facts.title or ""]
    names += [str(e.get("name") or "") for e in _as_list(facts.metadata.get("model-index")) if isinstance(e, dict)]
    keys = [VALIDATION_PREFIX.sub("", k.lower()) for k in metric_keys]
    return CardText(tuple(k for k in keys if not NOT_METRICS.fullmatch(k)), base.lower(),
                    tuple(d.lower() for d in datasets), " ".join(n for n in names if n).lower(),
                    tuple(t.lower() for t in facts.tags))


def _clue(rule: ClueRule, text: CardText) -> Clue | None:
    """The clue a rule gives on this card, or None when the card does not show it."""
    match = _matched(rule, text)
    if match is None:
        return None
    tasks = frozenset(match if task == "{match}" else task for task in rule.tasks)
    return Clue(rule.evidence.replace("{match}", match), tasks)


def _matched(rule: ClueRule, text: CardText) -> str | None:
    """What of the card the rule matched (for the finding), or None."""
    if rule.pattern is None or rule.source is None:
        return _metrics_matched(rule, text.metrics)
    for haystack in _haystacks(rule.source, text):
        found = rule.pattern.search(haystack)
        if found is not None:
            return found.group(0).strip(" -_/")
    return None


def _metrics_matched(rule: ClueRule, metrics: tuple[str, ...]) -> str | None:
    """Every metric condition of the rule holds: `metrics_any`, `metrics_all`, `metrics_exactly`, and
    `unless_exactly` (the card's keys are not exactly that list)."""
    if metrics == rule.unless_exactly or (rule.metrics_exactly is not None and metrics != rule.metrics_exactly):
        return None
    if not rule.metrics_all <= set(metrics):
        return None
    hits = [m for m in metrics if rule.metrics_any is None or m in rule.metrics_any]
    return ", ".join(dict.fromkeys(hits)) if hits else None


def _haystacks(where: str, text: CardText) -> Iterable[str]:
    if where == "base_model":
        return (text.base_model.rsplit("/", 1)[-1],) if text.base_model else ()
    if where == "datasets":
        return text.datasets
    if where == "tags":
        return text.tags
    return (text.name,) if text.name else ()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_inference(value: Mapping[str, Any], known_tasks: Iterable[str] = ()) -> None:
    """Rule-file validation of `task_inference`: clues with one source each, known tasks, valid regexes."""
    if not isinstance(value, dict) or not set(value) <= {"clues", "groups"} or "clues" not in value:
        raise ValueError("needs `clues` (and optionally `groups`)")
    for entry in value["clues"]:
        if not isinstance(entry, dict) or not {"evidence", "tasks"} <= set(entry):
            raise ValueError("each clue needs evidence and tasks")
        metric_keys = set(entry) & set(METRIC_CONDITIONS)
        sources = set(entry) - {"evidence", "tasks", *METRIC_CONDITIONS}
        if bool(metric_keys) == bool(sources) or len(sources) > 1 or not sources <= set(SOURCES):
            raise ValueError(f"each clue needs metric conditions ({', '.join(METRIC_CONDITIONS)}) or exactly "
                             f"one of {', '.join(SOURCES)}")
        if any(not isinstance(entry[k], list) for k in metric_keys):
            raise ValueError("metric conditions take lists of metric keys")
        for source in sources:
            regex.compile(entry[source])
        if not isinstance(entry["tasks"], list) or not entry["tasks"]:
            raise ValueError("a clue's tasks is a non-empty list")
    for group in value.get("groups", []):
        if not isinstance(group, list) or len(group) < 2:
            raise ValueError("each group is a list of at least two tasks")
