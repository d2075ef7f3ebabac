"""The closed set of actions rules can name, with the parameters each accepts. Registered here only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cardfix.edits import Outcome
from cardfix.facts import Facts
from cardfix.settings import Options

ActionFn = Callable[[Facts, Mapping[str, Any], Options], Outcome]


@dataclass(frozen=True)
class Param:
    """A parameter's type (`str`, `int`, `float`, `bool`, `list`, `dict`, `regex`) and its default."""

    type: str
    default: Any = None
    required: bool = False
    check: Callable[[Any], None] | None = None  # raises ValueError with the reason when a value is unusable


@dataclass(frozen=True)
class Action:
    name: str
    fn: ActionFn
    # Stage orders rules within a pass: table repair (1) before metadata and table order (2) before the
    # model-index that reads the repaired table (3), sections that read both (4), and checks (5). The rules
    # of one stage read the same facts and their edits are applied together, so a rule must not depend on
    # another rule of its own stage (the fix loop would still get there, one pass later).
    stage: int
    params: Mapping[str, Param] = field(default_factory=dict)


def _registry() -> dict[str, Action]:
    from cardfix.actions import metadata, model_index, sections, table

    actions = [*metadata.ACTIONS, *model_index.ACTIONS, *table.ACTIONS, *sections.ACTIONS]
    return {a.name: a for a in actions}


REGISTRY: dict[str, Action] = {}


def registry() -> dict[str, Action]:
    if not REGISTRY:
        REGISTRY.update(_registry())
    return REGISTRY
