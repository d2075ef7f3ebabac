"""CF106: the junk key `licence: license` TRL's generate_model_card writes (`ModelCardData(licence="license")`,
trl/trainer/utils.py, 0.12 on): no Hub key, and it states no license."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import NOTHING, DeleteKey, Outcome, fix
from cardfix.facts import Facts
from cardfix.options import Options


@action("remove_trl_licence_key", params={"key": Param("str", "licence"), "value": Param("str", "license")})
def remove_trl_licence_key(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    key, junk = params["key"], params["value"]
    value = facts.metadata.get(key)
    # Exactly TRL's value: `licence: mit` is an author's word (British spelling), not TRL's junk.
    if not (isinstance(value, str) and value == junk) or not facts.made_by("trl"):
        return NOTHING
    return fix(f"`{key}: {junk}` is a junk key TRL's card writer adds (generate_model_card passes "
               f"{key}={junk!r} to ModelCardData); it is not the Hub's `license` and states no license",
               facts.front_matter_line, DeleteKey(key))
