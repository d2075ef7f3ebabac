"""CF109: the `pipeline_tag` a sentence-transformers or SetFit card's template always writes, where the card lost
it and still has the sentence only that template writes (rule data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

from cardfix.actions import Param, action
from cardfix.edits import NOTHING, Outcome, SetKey, fix
from cardfix.facts import Facts
from cardfix.facts.generators import check_known
from cardfix.facts.sentence_transformers import TaskSentence, task_sentence
from cardfix.options import Options

ENTRY_KEYS = {"generator", "pattern", "pipeline_tag", "key_order", "evidence"}


def check_templates(value: Any) -> None:
    """Each entry names a known generator, a regex matched against a whole line, the pipeline tag, the
    template's key order (a list) and the evidence."""
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS or not isinstance(entry["key_order"], list) \
                or not all(isinstance(entry[k], str) for k in ENTRY_KEYS - {"key_order"}):
            raise ValueError(f"each entry takes {', '.join(sorted(ENTRY_KEYS))} (all required; key_order a list)")
        check_known(entry["generator"])
        regex.compile(entry["pattern"])


def to_templates(value: list[dict[str, Any]]) -> tuple[TaskSentence, ...]:
    return tuple(TaskSentence(e["generator"], regex.compile(e["pattern"]), e["pipeline_tag"],
                              tuple(e["key_order"]), e["evidence"]) for e in value)


@action("set_pipeline_tag_from_template", params={
    "templates": Param("list", required=True, check=check_templates, convert=to_templates)})
def set_pipeline_tag_from_template(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if facts.states("pipeline_tag"):
        return NOTHING
    sentences = [s for s in params["templates"] if facts.made_by(s.generator)]
    if not sentences:
        return NOTHING
    cache_key = ("CF109", tuple(s.pattern.pattern for s in sentences))
    found = facts.body.derived(cache_key, lambda: task_sentence(facts.card.body, sentences))
    if found is None:
        return NOTHING
    sentence, start = found
    line = facts.line_number(start)
    if options.task:  # the user's task ranks above the one the template implies
        return fix(f"pipeline_tag missing; set from --task: {options.task}", line,
                   SetKey("pipeline_tag", options.task, sentence.key_order))
    return fix(f"pipeline_tag missing; set to {sentence.pipeline_tag} ({sentence.evidence})", line,
               SetKey("pipeline_tag", sentence.pipeline_tag, sentence.key_order))
