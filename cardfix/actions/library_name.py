"""CF103: `library_name` on cards a known generator wrote, as that generator states it (rule data)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, SetKey, fix
from cardfix.facts import Facts
from cardfix.facts.generators import check_known
from cardfix.options import Options

ENTRY_KEYS = {"generator", "library", "framework", "tag", "mark", "evidence"}


def check_libraries(value: Any) -> None:
    """Each entry names a known generator, the library, and the evidence; optionally what the card must show
    besides (`framework`: a framework-versions line, `tag`, `mark`: body text)."""
    for entry in value:
        if not isinstance(entry, dict) or not {"generator", "library", "evidence"} <= set(entry) \
                or not set(entry) <= ENTRY_KEYS or not all(isinstance(v, str) for v in entry.values()):
            raise ValueError(f"each entry takes {', '.join(sorted(ENTRY_KEYS))} (strings; generator, library "
                             "and evidence required)")
        check_known(entry["generator"])


def _shows(facts: Facts, entry: Mapping[str, str]) -> bool:
    if not facts.made_by(entry["generator"]):
        return False
    if "framework" in entry and entry["framework"].casefold() not in {
            name.casefold() for name, _ in facts.framework_versions}:
        return False
    if "tag" in entry and entry["tag"] not in facts.tags:
        return False
    return "mark" not in entry or entry["mark"] in facts.card.body


@action("set_library_name", params={"libraries": Param("list", required=True, check=check_libraries)},
        settles=True)
def set_library_name(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if facts.states("library_name"):
        return NOTHING
    entry = next((e for e in params["libraries"] if _shows(facts, e)), None)
    if entry is None:
        return NOTHING
    return fix(f"library_name missing; set to {entry['library']} ({entry['evidence']})", facts.front_matter_line,
               SetKey("library_name", entry["library"], KEY_ORDER))
