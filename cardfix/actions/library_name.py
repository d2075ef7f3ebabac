"""CF103: `library_name` on cards the Trainer or its Keras callback wrote."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, SetKey, fix
from cardfix.facts import Facts
from cardfix.options import Options


@action("set_library_name", params={
    "library": Param("str", "transformers"), "peft_framework": Param("str", "PEFT"),
    "peft_library": Param("str", "peft")})
def set_library_name(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if facts.states("library_name") or not facts.is_trainer_card:
        return NOTHING
    frameworks = {name.casefold() for name, _ in facts.framework_versions}
    library = params["peft_library"] if params["peft_framework"].casefold() in frameworks else params["library"]
    line = facts.front_matter_line
    return fix(f"library_name missing on a generated card; set to {library}", line,
               SetKey("library_name", library, KEY_ORDER))
