"""CF105: PEFT's `base_model:adapter:<name_or_path>` tag kept naming the card's `base_model`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.actions.base_model_local_path import not_hub_id
from cardfix.edits import NOTHING, Outcome, Report, SetKey, fix, report
from cardfix.facts import Facts
from cardfix.options import Options


def hub_base_model(facts: Facts, local_paths: Mapping[str, Any]) -> str | None:
    """The card's one base model when it is a Hub id (a string, or a list of one); None otherwise."""
    value = facts.metadata.get("base_model")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value.strip() or not_hub_id(value, local_paths):
        return None
    return value


@action("sync_adapter_tag", params={"prefix": Param("str", "base_model:adapter:"),
                                    "local_paths": Param("rule", "CF104")})
def sync_adapter_tag(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    prefix, tags = params["prefix"], facts.metadata.get("tags")
    listed = tags if isinstance(tags, list) else [tags]
    adapter = [i for i, tag in enumerate(listed) if isinstance(tag, str) and tag.startswith(prefix)]
    base = hub_base_model(facts, params["local_paths"]) if adapter else None
    if base is None or not facts.made_by("peft") or all(listed[i] == prefix + base for i in adapter):
        return NOTHING
    line = facts.front_matter_line
    if len(adapter) > 1:  # rewriting each would repeat one tag; which to drop is not the card's to say
        names = ", ".join(repr(listed[i]) for i in adapter)
        return report(Report(f"tags has {len(adapter)} {prefix} tags ({names}) and base_model is {base}; "
                             "left for you to correct", line))
    old, new_tag = listed[adapter[0]], prefix + base
    new = [new_tag if i == adapter[0] else tag for i, tag in enumerate(listed)] if isinstance(tags, list) else new_tag
    return fix(f"tag {old!r} does not name base_model {base}; rewritten as {new_tag!r}", line, SetKey("tags", new))
