"""CF407: a suppression comment's code or name that names no rule (a typo silences nothing, and says nothing)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from cardfix.actions import action
from cardfix.edits import NOTHING, Outcome, Report, report
from cardfix.facts import Facts
from cardfix.options import Options
from cardfix.suppress import matches


@functools.cache
def _known() -> tuple[tuple[str, str], ...]:
    """Every rule's code and name (the rule files; loaded once)."""
    from cardfix.ruleset import load_rules  # (here: the rule files name the actions, this module among them)

    return tuple((rule.code, rule.name) for rule in load_rules())


@action("report_unknown_suppression_codes")
def report_unknown_suppression_codes(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if not facts.directives:
        return NOTHING
    found = []
    for directive in facts.directives:
        for selector in dict.fromkeys(directive.selectors):
            if not any(matches((selector,), code, name) for code, name in _known()):
                found.append(Report(f"the suppression comment names no rule: {selector!r} (see `cardfix rules`); "
                                    "it silences nothing", facts.line_number(directive.start)))
    return report(*found)
