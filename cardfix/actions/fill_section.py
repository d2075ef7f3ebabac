"""CF401-CF403: placeholder sections filled from the card's own facts, through the rule files' templates."""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import regex

from cardfix.actions import Param, action
from cardfix.actions.base_model import stated_base_model
from cardfix.edits import NOTHING, BodyEdit, Outcome, fix
from cardfix.facts import Facts, Section
from cardfix.facts.model_index import model_index_results
from cardfix.options import Options


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

def _model_index_task(facts: Facts) -> str | None:
    for result in model_index_results(facts):
        task = result.get("task")
        if isinstance(task, dict) and isinstance(task.get("name") or task.get("type"), str):
            return str(task.get("name") or task.get("type")).replace("-", " ")
    pipeline = facts.metadata.get("pipeline_tag")
    return pipeline.replace("-", " ") if isinstance(pipeline, str) else None

def _dataset_names(facts: Facts, options: Options) -> list[str]:
    if options.dataset:
        return [options.dataset.split(":")[0]]
    listed = facts.metadata.get("datasets")
    names = [listed] if isinstance(listed, str) else [str(d) for d in listed] if isinstance(listed, list) else []
    if not names and facts.dataset_sentence and facts.dataset_sentence.kind == "named":
        names = list(facts.dataset_sentence.names)
    return [n for n in names if n and n not in ("None", "none")]

def _hyper(key: str) -> Callable[[Facts, Options], str | None]:
    return lambda facts, options: facts.hyperparameter(key)

def _optimizer(facts: Facts, options: Options) -> str | None:
    value = facts.hyperparameter("optimizer")
    if not value:
        return None
    first = value.split()[0]
    return value.split()[1] if first == "Use" and len(value.split()) > 1 else first

NOT_RESULTS = regex.compile(r"(?i)epoch|step|.*runtime|.*per[ _]second|model preparation time")
# Values the Keras callback logs on the training data, labelled so by the card (`Train Loss`).
TRAIN_RESULT = regex.compile(r"(?i)train(ing)?[ _].*")

def _eval_results(facts: Facts, options: Options) -> str | None:
    items = [f"{i.key} {i.value}" for i in facts.summary
             if i.value and not NOT_RESULTS.fullmatch(i.key) and not TRAIN_RESULT.fullmatch(i.key)]
    return _join(items) if items else None

def _train_results(facts: Facts, options: Options) -> str | None:
    items = [f"{i.key} {i.value}" for i in facts.summary if i.value and TRAIN_RESULT.fullmatch(i.key)]
    return _join(items) if items else None

def _trained(facts: Facts, options: Options) -> str:
    """How the card says the model came about: fine-tuned from a base model, or trained (from scratch)."""
    return "trained" if facts.trained_from_scratch and facts.base_model_link is None else "fine-tuned"

def _dataset_detail(key: str) -> Callable[[Facts, Options], str | None]:
    """A dataset's config or split as the card states it (--dataset type:config:split, or its model-index)."""

    def detail(facts: Facts, options: Options) -> str | None:
        if options.dataset:
            parts = options.dataset.split(":")
            index = {"config": 1, "split": 2}[key]
            return parts[index] if len(parts) > index and parts[index] else None
        for result in model_index_results(facts):
            dataset = result.get("dataset")
            value = dataset.get(key) or (dataset.get("args") if key == "config" else None) \
                if isinstance(dataset, dict) else None
            if isinstance(value, str) and value:
                return value
        return None

    return detail

def _frameworks(facts: Facts, options: Options) -> str | None:
    items = [f"{name} {version}" for name, version in facts.framework_versions]
    return _join(items) if items else None

def _dataset_phrase(facts: Facts, options: Options) -> str | None:
    names = _dataset_names(facts, options)
    if not names:
        return None
    quoted = [f"`{n}`" for n in names]
    return f"the {_join(quoted)} dataset{'s' if len(names) > 1 else ''}"

def _epochs(facts: Facts, options: Options) -> str | None:
    value = facts.hyperparameter("num_epochs")
    if value is None:
        return None
    return f"{value} epoch" if value in ("1", "1.0") else f"{value} epochs"

def _from_scratch(facts: Facts, options: Options) -> str | None:
    return "trained from scratch" if facts.trained_from_scratch and facts.base_model_link is None else None

def _unknown_dataset(facts: Facts, options: Options) -> str | None:
    """The card's own words when it says it does not know its data ("an unknown dataset")."""
    sentence = facts.dataset_sentence
    if options.dataset or sentence is None or sentence.kind != "unknown" or _dataset_names(facts, options):
        return None
    return facts.card.body[sentence.start : sentence.end]

def _task_phrase(facts: Facts, options: Options) -> str | None:
    task = _model_index_task(facts)
    return task.lower() if task else None

UNKNOWNS = {"unknown_dataset"}  # slots that say what the card does *not* know: no fact for --placeholders

SLOTS: dict[str, Callable[[Facts, Options], str | None]] = {
    "model_name": lambda facts, options: options.model_name or facts.title,
    "base_model": stated_base_model,
    "trained": _trained,
    "dataset_config": _dataset_detail("config"),
    "dataset_split": _dataset_detail("split"),
    "task": _task_phrase,
    "datasets": _dataset_phrase,
    "unknown_dataset": _unknown_dataset,
    "num_epochs": _hyper("num_epochs"),
    "epochs": _epochs,
    "trained_from_scratch": _from_scratch,
    "training_steps": _hyper("training_steps"),
    "learning_rate": _hyper("learning_rate"),
    "train_batch_size": _hyper("train_batch_size"),
    "eval_batch_size": _hyper("eval_batch_size"),
    "seed": _hyper("seed"),
    "lr_scheduler_type": _hyper("lr_scheduler_type"),
    "optimizer": _optimizer,
    "eval_results": _eval_results,
    "train_results": _train_results,
    "frameworks": _frameworks,
}

# "a" before a vowel sound ("a automatic speech recognition model"): the task and names are slot values.
A_BEFORE_VOWEL = regex.compile(r"(?<![\w`'-])([Aa]) (?=[aeiAEI]|[oO](?!ne)|[uU](?!ni|s[ei]|tf)|hour|honest)")

def with_articles(sentence: str) -> str:
    """The sentence with `a` made `an` before a vowel sound."""
    return A_BEFORE_VOWEL.sub(lambda m: m.group(1) + "n ", sentence)

@functools.lru_cache(maxsize=512)
def template_slots(template: str) -> frozenset[str]:
    return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field)

def check_templates(value: Any) -> None:
    """Every sentence a string or a list of alternative strings, naming only known slots."""
    for item in value:
        for sentence in item if isinstance(item, list) else [item]:
            if not isinstance(sentence, str):
                raise ValueError("sentences are strings or lists of alternative strings")
            unknown = template_slots(sentence) - set(SLOTS)
            if unknown:
                raise ValueError(f"unknown slot {sorted(unknown)[0]!r} (known: {', '.join(sorted(SLOTS))})")

Template = tuple[str, frozenset[str]]  # a sentence and its slots


def compile_templates(value: Sequence[str | list[str]]) -> tuple[tuple[Template, ...], ...]:
    """The rule file's sentences as the renderer uses them: each item's alternatives with their slots."""
    return tuple(tuple((s, template_slots(s)) for s in (item if isinstance(item, list) else [item]))
                 for item in value)


def render(sentences: Sequence[Sequence[Template]], facts: Facts, options: Options) -> tuple[str, set[str]]:
    """The section text: each sentence whose slots all have facts (first fitting alternative)."""
    values: dict[str, str | None] = {}
    written: list[str] = []
    used: set[str] = set()
    for alternatives in sentences:
        for sentence, slots in alternatives:
            filled = {}
            for slot in slots:
                if slot not in values:
                    values[slot] = SLOTS[slot](facts, options)
                if not values[slot]:
                    break
                filled[slot] = values[slot]
            else:
                text = sentence.format(**filled)
                written.append(with_articles(text) if "a " in text or "A " in text else text)
                used |= slots
                break
    return " ".join(written), used

def check_titles(value: Any) -> None:
    if not all(isinstance(v, str) for v in value):
        raise ValueError("a list of section titles")

def _check_plain(value: Any) -> None:
    if template_slots(value):
        raise ValueError("the text for a section with no facts takes no slots")

def _check_mode(value: Any) -> None:
    if value not in ("fill", "remove"):
        raise ValueError("must be fill or remove")

@action("fill_section", params={
    "titles": Param("list", required=True, check=check_titles),
    "sentences": Param("list", required=True, check=check_templates, convert=compile_templates),
    "empty": Param("str", required=True, check=_check_plain),
    "placeholders": Param("str", "fill", check=_check_mode)}, settles=True)
def fill_section(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if not (facts.is_trainer_card or facts.is_hub_template):
        return NOTHING  # a section an author wrote (or left) on a card no known generator made
    section = next((s for title in params["titles"] if (s := facts.section(title)) and s.placeholder), None)
    if section is None:
        return NOTHING
    text, used = render(params["sentences"], facts, options)
    line = facts.line_number(section.heading.start)
    known = used - UNKNOWNS - {"trained"}
    if not known and not facts.is_trainer_card:
        return NOTHING  # a hub-template card: fill only where the card has the facts
    mode = params["placeholders"]
    if not known and mode == "remove":
        return fix(f"section {section.title!r} is only a placeholder and the card has no facts for it; "
                   "removed (--placeholders remove)", line, BodyEdit(section.heading.start, section.content_end, ""))
    text = text or params["empty"]
    start, end = _placeholder_span(facts, section)
    return fix(f"section {section.title!r} only said {facts.card.body[start:end]!r}; filled from "
               f"{'the card: ' + ', '.join(sorted(used)) if used else 'nothing known (says so)'}", line,
               BodyEdit(start, end, text))

def _placeholder_span(facts: Facts, section: Section) -> tuple[int, int]:
    """The placeholder text itself, so the blank lines around it stay as they were."""
    body = facts.card.body
    content = body[section.content_start : section.content_end]
    stripped = content.strip()
    start = section.content_start + content.index(stripped)
    return start, start + len(stripped)
