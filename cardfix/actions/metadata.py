"""Top-level metadata the card's body states: base_model, datasets, library_name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cardfix.actions import Action, Param
from cardfix.edits import NOTHING, Outcome, Report, SetKey, fix, report
from cardfix.facts import BaseModelLink, Facts, is_repo_id
from cardfix.resources import id_list
from cardfix.settings import Options

KEY_ORDER = Param("list", ["library_name", "language", "license", "base_model", "tags", "datasets", "metrics",
                           "model-index"])


LEGACY_IDS = "data/legacy-model-ids.yaml"
DATASET_IDS = "data/canonical-dataset-ids.yaml"


def set_base_model_from_link(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    link = facts.base_model_link
    if "base_model" in facts.metadata or (link is None and not (options.base_model and facts.is_trainer_card)):
        return NOTHING
    if options.base_model:
        line = facts.line_number(link.start) if link is not None else facts.front_matter_line
        edit = SetKey("base_model", options.base_model, tuple(params["key_order"]))
        return fix(f"base_model missing; set from --base-model: {options.base_model}", line, edit)
    if link is None:
        return NOTHING
    line = facts.line_number(link.start)
    problem = base_model_problem(link, id_list(params["legacy_ids"]), options, params["reject_ids"])
    if problem:
        return report(Report(f"{problem}; base_model not set (pass --base-model)", line))
    edit = SetKey("base_model", link.repo_id, tuple(params["key_order"]))
    return fix(f"base_model missing; the body says fine-tuned from {link.repo_id}", line, edit)


def base_model_problem(link: BaseModelLink, legacy: frozenset[str], options: Options,
                       reject: Sequence[str] = ("None",)) -> str | None:
    """Why the fine-tuned-from link does not name a Hub model that can be the base, or None when it does."""
    if not link.valid or link.repo_id in reject:
        return f"fine-tuned-from link names {link.repo_id!r}, not a Hub repo id (a local path?)"
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


def set_datasets_from_sentence(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    sentence = facts.dataset_sentence
    if sentence is None or sentence.kind != "named" or "datasets" in facts.metadata:
        return NOTHING
    line = facts.line_number(sentence.start)
    names = list(sentence.names)
    canonical = id_list(params["dataset_ids"])
    bad = [n for n in names if not is_dataset_id(n, canonical) or n in params["reject_names"]]
    if bad:
        return report(Report(f"dataset sentence names {', '.join(map(repr, bad))}, not a Hub dataset id "
                             "(namespaced, or one of the canonical datasets); datasets not set", line))
    return fix(f"datasets missing; the body says trained on {', '.join(names)}", line,
               SetKey("datasets", names, tuple(params["key_order"])))


def set_library_name(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if "library_name" in facts.metadata or not facts.is_trainer_card:
        return NOTHING
    frameworks = {name.casefold() for name, _ in facts.framework_versions}
    library = params["peft_library"] if params["peft_framework"].casefold() in frameworks else params["library"]
    line = facts.front_matter_line
    return fix(f"library_name missing on a generated card; set to {library}", line,
               SetKey("library_name", library, tuple(params["key_order"])))


def is_dataset_id(name: str, canonical: frozenset[str]) -> bool:
    """A Hub dataset id: namespaced (`org/name`), or one of the canonical un-namespaced ids."""
    return is_repo_id(name) and ("/" in name or name in canonical)


def check_id_list(name: str) -> None:
    id_list(name)


ACTIONS = [
    Action("set_base_model_from_link", set_base_model_from_link, stage=2,
           params={"key_order": KEY_ORDER, "reject_ids": Param("list", ["None"]),
                   "legacy_ids": Param("str", LEGACY_IDS, check=check_id_list)}),
    Action("set_datasets_from_sentence", set_datasets_from_sentence, stage=2,
           params={"key_order": KEY_ORDER, "reject_names": Param("list", ["None", "none"]),
                   "dataset_ids": Param("str", DATASET_IDS, check=check_id_list)}),
    Action("set_library_name", set_library_name, stage=2,
           params={"key_order": KEY_ORDER, "library": Param("str", "transformers"),
                   "peft_framework": Param("str", "PEFT"), "peft_library": Param("str", "peft")}),
]
