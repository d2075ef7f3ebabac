"""Top-level metadata the card's body states: base_model, datasets, library_name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Action, Param
from cardfix.edits import NOTHING, Outcome, Report, fix, report
from cardfix.facts import Facts, Options, is_repo_id
from cardfix.frontmatter import SetKey

KEY_ORDER = Param("list", ["library_name", "language", "license", "base_model", "tags", "datasets", "metrics",
                           "model-index"])


def set_base_model_from_link(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    link = facts.base_model_link
    if link is None or "base_model" in facts.metadata:
        return NOTHING
    line = facts.line_number(link.start)
    if not link.valid or link.repo_id in params["reject_ids"]:
        return report(Report(f"fine-tuned-from link names {link.repo_id!r}, not a Hub repo id "
                             "(a local path?); base_model not set", line))
    edit = SetKey("base_model", link.repo_id, tuple(params["key_order"]))
    return fix(f"base_model missing; the body says fine-tuned from {link.repo_id}", line, edit)


def set_datasets_from_sentence(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    sentence = facts.dataset_sentence
    if sentence is None or sentence.kind != "named" or "datasets" in facts.metadata:
        return NOTHING
    line = facts.line_number(sentence.start)
    names = list(sentence.names)
    bad = [n for n in names if not is_repo_id(n) or n in params["reject_names"]]
    if bad:
        return report(Report(f"dataset sentence names {', '.join(map(repr, bad))}, not a Hub dataset id; "
                             "datasets not set", line))
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


ACTIONS = [
    Action("set_base_model_from_link", set_base_model_from_link, stage=2,
           params={"key_order": KEY_ORDER, "reject_ids": Param("list", ["None"])}),
    Action("set_datasets_from_sentence", set_datasets_from_sentence, stage=2,
           params={"key_order": KEY_ORDER, "reject_names": Param("list", ["None", "none"])}),
    Action("set_library_name", set_library_name, stage=2,
           params={"key_order": KEY_ORDER, "library": Param("str", "transformers"),
                   "peft_framework": Param("str", "PEFT"), "peft_library": Param("str", "peft")}),
]
