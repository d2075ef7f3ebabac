"""CF107: `base_model` from the huggingface_hub template's "Finetuned from model [optional]:" field; and the
Hub model ids a card states as its base model (this field, the fine-tuned-from link), which CF104 reads too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cardfix.actions import Param, action
from cardfix.actions.base_model import LEGACY_IDS, base_model_problem
from cardfix.edits import NOTHING, Outcome, Report, SetKey, fix, report
from cardfix.facts import BaseModelLink, Facts
from cardfix.facts.hub_template import KEY_ORDER, FinetunedFrom, finetuned_from
from cardfix.options import Options
from cardfix.resources import id_list

FIELD = '"Finetuned from model" field'


@dataclass(frozen=True)
class Stated:
    """A Hub model id the card states as its base model, where (for messages), and its line."""

    repo_id: str
    source: str
    line: int


def template_field(facts: Facts) -> FinetunedFrom | None:
    """The body's "Finetuned from model" field (read once per body)."""
    body = facts.card.body
    return facts.body.derived(("hub_template", "finetuned_from"), lambda: finetuned_from(body))


def field_problem(field: FinetunedFrom, legacy: frozenset[str], options: Options,
                  reject: Sequence[str] = ("None",)) -> str | None:
    """Why the field names no Hub model that can be the base, by CF101's criteria for its link; None if it does."""
    if field.repo_id is None:
        return f"{FIELD} links {field.value!r}, not a Hub model's page"
    link = BaseModelLink(field.repo_id, field.valid, field.start, field.text)
    problem = base_model_problem(link, legacy, options, reject)
    return problem.replace("fine-tuned-from link", FIELD) if problem else None


def stated_ids(facts: Facts, legacy: frozenset[str], options: Options, reject: Sequence[str]) -> tuple[Stated, ...]:
    """The distinct Hub ids the card states as its base model: its fine-tuned-from link (Trainer, TRL) and its
    template field, each only where CF101's criteria accept it (a path, `None`, a bare unknown name do not)."""
    found: list[Stated] = []
    link = facts.base_model_link
    if link is not None and base_model_problem(link, legacy, options, reject) is None:
        found.append(Stated(link.repo_id, "the fine-tuned-from link", facts.line_number(link.start)))
    field = template_field(facts)
    if field is not None and field.repo_id and not field.states_nothing \
            and field_problem(field, legacy, options, reject) is None:
        found.append(Stated(field.repo_id, f"the {FIELD}", facts.line_number(field.start)))
    return tuple(s for i, s in enumerate(found) if s.repo_id not in {f.repo_id for f in found[:i]})


def several(ids: Sequence[Stated]) -> str:
    return ", ".join(f"{s.repo_id} ({s.source}, line {s.line})" for s in ids)


@action("set_base_model_from_template", params={
    "reject_ids": Param("list", ["None"]), "legacy_ids": Param("str", LEGACY_IDS, convert=id_list)})
def set_base_model_from_template(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    field = template_field(facts)
    if field is None or facts.states("base_model") or not facts.made_by("hub-template"):
        return NOTHING
    line = facts.line_number(field.start)
    if options.base_model:
        return fix(f"base_model missing; set from --base-model: {options.base_model}", line,
                   SetKey("base_model", options.base_model, KEY_ORDER))
    if field.states_nothing:
        return NOTHING
    problem = field_problem(field, params["legacy_ids"], options, params["reject_ids"])
    if problem:
        return report(Report(f"{problem}; base_model not set (pass --base-model)", line))
    ids = stated_ids(facts, params["legacy_ids"], options, params["reject_ids"])
    if len(ids) > 1:  # a fine-tuned-from link naming another model (CF101 writes a link it accepts first)
        return report(Report(f"the card names {len(ids)} base models: {several(ids)}; base_model not set "
                             "(pass --base-model)", line))
    return fix(f"base_model missing; the {FIELD} says {field.repo_id}", line,
               SetKey("base_model", field.repo_id, KEY_ORDER))
