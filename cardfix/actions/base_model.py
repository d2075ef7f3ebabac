"""CF101: `base_model` from the body's "fine-tuned version of [X](https://huggingface.co/X)" sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import regex

from cardfix.actions import Param, action
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, Report, SetKey, fix, report
from cardfix.facts import BaseModelLink, Facts, is_repo_id
from cardfix.options import Options
from cardfix.resources import id_list

LEGACY_IDS = "data/legacy-model-ids.yaml"
# The folders the Trainer saves checkpoints in: f"{PREFIX_CHECKPOINT_DIR}-{step}" (transformers'
# trainer_utils). An id ending in one (`common6/checkpoint-3500`) is a local folder shaped like a Hub id.
CHECKPOINT_RE = regex.compile(r"(?:^|/)checkpoint-\d+$")


@action("set_base_model_from_link", params={
    "reject_ids": Param("list", ["None"]), "legacy_ids": Param("str", LEGACY_IDS, convert=id_list)}, settles=True)
def set_base_model_from_link(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if facts.states("base_model"):
        return NOTHING
    link = facts.base_model_link
    if link is None and not (options.base_model and facts.is_trainer_card):
        return NOTHING
    if not (facts.is_trainer_card or facts.generators):
        return NOTHING  # the Trainer's sentence in a card no known generator wrote: its author's to keep
    if options.base_model:
        line = facts.line_number(link.start) if link is not None else facts.front_matter_line
        edit = SetKey("base_model", options.base_model, KEY_ORDER)
        return fix(f"base_model missing; set from --base-model: {options.base_model}", line, edit)
    if link is None:
        return NOTHING
    line = facts.line_number(link.start)
    problem = base_model_problem(link, params["legacy_ids"], options, params["reject_ids"])
    if problem:
        return report(Report(f"{problem}; base_model not set (pass --base-model)", line))
    edit = SetKey("base_model", link.repo_id, KEY_ORDER)
    return fix(f"base_model missing; the body says fine-tuned from {link.repo_id}", line, edit)

def base_model_problem(link: BaseModelLink, legacy: frozenset[str], options: Options,
                       reject: Sequence[str] = ("None",)) -> str | None:
    """Why the fine-tuned-from link does not name a Hub model that can be the base, or None when it does."""
    if not link.valid or link.repo_id in reject:
        return f"fine-tuned-from link names {link.repo_id!r}, not a Hub repo id (a local path?)"
    if CHECKPOINT_RE.search(link.repo_id):
        return f"fine-tuned-from link names {link.repo_id!r}, a Trainer checkpoint folder (a local path)"
    if "/" not in link.repo_id and link.repo_id not in legacy:
        return (f"fine-tuned-from link names {link.repo_id!r}, which has no namespace and is not one of the "
                "Hub's legacy un-namespaced models")
    if link.text.strip() != link.repo_id:
        return f"the fine-tuned-from link's text {link.text!r} and its URL ({link.repo_id!r}) name different models"
    if options.repo_id and link.repo_id.casefold() == options.repo_id.casefold():
        return f"the fine-tuned-from link names the card's own repository {link.repo_id!r}"
    return None

def stated_base_model(facts: Facts, options: Options) -> str | None:
    """The base model the card states (`base_model:`, else --base-model, else a fine-tuned-from link that
    names a Hub model)."""
    value = facts.metadata.get("base_model") or options.base_model
    if isinstance(value, str) and is_repo_id(value):
        return str(value)
    link = facts.base_model_link
    if link is None or base_model_problem(link, id_list(LEGACY_IDS), options):
        return None
    return str(link.repo_id)
