"""CF108: `base_model` (and `instance_prompt`) of a DreamBooth LoRA card, from the fixed sentences its template
writes in the body (rule data), where the metadata lacks them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import regex

from cardfix.actions import Param, action
from cardfix.actions.base_model import LEGACY_IDS
from cardfix.edits import NOTHING, Outcome, Report, SetKey
from cardfix.facts import Facts, is_repo_id
from cardfix.facts.diffusers import VALUE_GROUP, StatedValue, TemplateSentence, stated_values
from cardfix.facts.generators import check_known
from cardfix.options import Options
from cardfix.resources import id_list

KEYS = ("base_model", "instance_prompt")  # what the sentences may state, in the order they are written
ENTRY_KEYS = {"generator", "key", "pattern", "evidence"}


def check_sentences(value: Any) -> None:
    """Each entry names a known generator, the key it states (one of KEYS), a regex with a `value` group
    matched against a whole line, and the evidence."""
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS \
                or not all(isinstance(v, str) for v in entry.values()):
            raise ValueError(f"each entry takes {', '.join(sorted(ENTRY_KEYS))} (strings, all required)")
        check_known(entry["generator"])
        if entry["key"] not in KEYS:
            raise ValueError(f"key {entry['key']!r}: the sentences state one of {', '.join(KEYS)}")
        if VALUE_GROUP not in regex.compile(entry["pattern"]).groupindex:
            raise ValueError(f"pattern {entry['pattern']!r} has no `(?P<{VALUE_GROUP}>...)` group")


def to_sentences(value: list[dict[str, str]]) -> tuple[TemplateSentence, ...]:
    return tuple(TemplateSentence(e["generator"], e["key"], regex.compile(e["pattern"]), e["evidence"]) for e in value)


@action("set_keys_from_dreambooth_sentences", params={
    "statements": Param("list", required=True, check=check_sentences, convert=to_sentences),
    "key_order": Param("list", list(KEYS)),
    "reject_ids": Param("list", ["None"]),
    "legacy_ids": Param("str", LEGACY_IDS, convert=id_list)})
def set_keys_from_dreambooth_sentences(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    sentences = [s for s in params["statements"] if facts.made_by(s.generator)]
    missing = [key for key in KEYS if not facts.states(key)]
    if not sentences or not missing:
        return NOTHING
    cache_key = ("CF108", tuple((s.key, s.pattern.pattern) for s in sentences))
    stated = facts.body.derived(cache_key, lambda: stated_values(facts.card.body, sentences))
    edits: list[SetKey] = []
    reports: list[Report] = []
    for key in missing:
        found = [s for s in stated if s.key == key]
        value, report = _base_model(facts, found, params, options) if key == "base_model" else _prompt(facts, found)
        if report is not None:
            reports.append(report)
        if value is not None:
            edits.append(SetKey(key, value, tuple(params["key_order"])))
    return Outcome(tuple(edits), tuple(reports))


def _base_model(facts: Facts, found: Sequence[StatedValue], params: Mapping[str, Any],
                options: Options) -> tuple[str | None, Report | None]:
    """The base model to write and what to say, as CF101 decides for the Trainer's link."""
    if not found:  # --base-model too is for cards whose sentence names the base model (as CF107 does)
        return None, None
    line = facts.line_number(found[0].start)
    if options.base_model:  # the user's value ranks above the card's, as in CF101
        return options.base_model, Report(f"{_lacks(facts, 'base_model')}; set from --base-model: "
                                          f"{options.base_model}", line, fixable=True)
    problem = _differ(found) or sentence_base_model_problem(found[0].value, params["legacy_ids"], options,
                                                             params["reject_ids"])
    if problem:
        return None, Report(f"{problem}; base_model not set (pass --base-model)", line)
    value = found[0].value
    return value, Report(f"{_lacks(facts, 'base_model')}; set to {value} ({found[0].evidence})", line, fixable=True)


def _prompt(facts: Facts, found: Sequence[StatedValue]) -> tuple[str | None, Report | None]:
    if not found:
        return None, None
    line = facts.line_number(found[0].start)
    problem = _differ(found)
    if problem:
        return None, Report(f"{problem}; instance_prompt not set", line)
    value = found[0].value
    return value, Report(f"{_lacks(facts, 'instance_prompt')}; set to {value!r} ({found[0].evidence})", line,
                         fixable=True)


def _lacks(facts: Facts, key: str) -> str:
    """`key missing`, or `key empty` where the key is there without a value (AutoTrain writes its values
    unquoted, so a prompt that starts with `#` reads as a comment)."""
    return f"{key} {'empty' if key in facts.metadata else 'missing'}"


def _differ(found: Sequence[StatedValue]) -> str | None:
    values = sorted({s.value for s in found})
    if len(values) < 2:
        return None
    return f"the card's sentences state different {found[0].key} values ({', '.join(map(repr, values))})"


def sentence_base_model_problem(value: str, legacy: frozenset[str], options: Options,
                                reject: Sequence[str] = ("None",)) -> str | None:
    """Why the value a sentence states cannot be the base model (CF101's refusals), or None when it can."""
    if not is_repo_id(value) or value in reject:
        return f"the card names {value!r} as the base model, not a Hub repo id (a local path?)"
    if "/" not in value and value not in legacy:
        return (f"the card names {value!r} as the base model, which has no namespace and is not one of the Hub's "
                "legacy un-namespaced models")
    if options.repo_id and value.casefold() == options.repo_id.casefold():
        return f"the card names its own repository {value!r} as the base model"
    return None
