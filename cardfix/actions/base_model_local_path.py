"""CF104: a `base_model` that is a local path (PEFT writes `_name_or_path` unchecked) replaced by the one Hub
id the card states as its base model, or by --base-model; otherwise reported."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.actions.base_model import CHECKPOINT_RE, LEGACY_IDS
from cardfix.actions.base_model_template import several, stated_ids
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, Report, SetKey, fix, report
from cardfix.facts import Facts, is_repo_id
from cardfix.facts.generators import check_known
from cardfix.options import Options
from cardfix.resources import id_list


def check_generators(value: Any) -> None:
    check_known(*value)


def not_hub_id(value: str, params: Mapping[str, Any]) -> str | None:
    """What a base_model value is when it is no Hub repo id ("a local path", ...), or None when it is one.
    CF105 reads it through its `local_paths` parameter (this rule's parameters)."""
    if params["local_path"].match(value):
        return "a local path"
    if CHECKPOINT_RE.search(value):
        return "a Trainer checkpoint folder (a local path)"
    if value in params["reject_ids"]:
        return "not a model id"
    return None if is_repo_id(value) else "not a Hub repo id (a local path?)"


@action("replace_local_base_model", params={
    "local_path": Param("regex", r"^(?:/|\.{1,2}[\\/]|~|[A-Za-z]:[\\/])"),
    "reject_ids": Param("list", ["None"]),
    "legacy_ids": Param("str", LEGACY_IDS, convert=id_list),
    "generators": Param("list", [], check=check_generators)})
def replace_local_base_model(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    value = facts.metadata.get("base_model")
    items = value if isinstance(value, list) else [value]
    local = [(v, what) for v in items if isinstance(v, str) and v.strip() and (what := not_hub_id(v, params))]
    if not local or not facts.made_by(*params["generators"]):
        return NOTHING
    line = facts.front_matter_line
    path, what = local[0]
    if len(items) > 1:  # a merge's list: which of its models the body's one statement names is not said
        names = ", ".join(repr(v) for v, _ in local)
        return report(Report(f"base_model lists {names}, {what}; base_model has {len(items)} entries, so "
                             "it is left for you to correct", line))
    ids = stated_ids(facts, params["legacy_ids"], options, params["reject_ids"])
    if options.base_model:
        replacement, source = options.base_model, "--base-model"
    elif len(ids) == 1:
        replacement, source = ids[0].repo_id, f"as {ids[0].source} says, line {ids[0].line}"
    else:
        why = f"the card names several base models: {several(ids)}" if ids else \
            "the card names no Hub model it was fine-tuned from"
        return report(Report(f"base_model {path!r} is {what}; {why}; left as it is (pass --base-model)", line))
    new = [replacement] if isinstance(value, list) else replacement
    return fix(f"base_model {path!r} is {what}; replaced with {replacement} ({source})", line,
               SetKey("base_model", new, KEY_ORDER))
