"""The closed set of actions rules can name: one module each, registered by `@action` and found on import.

An action is a pure function `(facts, params, options) -> Outcome`. Its parameters are declared with it;
rule files give their values, validated and converted once when the rules load (`cardfix.ruleset`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cardfix.edits import Outcome
from cardfix.facts import Facts
from cardfix.memo import mypyc_attr
from cardfix.options import Options

ActionFn = Callable[[Facts, Mapping[str, Any], Options], Outcome]


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Param:
    """A parameter: its type (`str`, `int`, `float`, `bool`, `list`, `dict`, `regex`, `rule`) and default.

    `check` raises ValueError with the reason when a value is unusable; `convert` turns the file's value
    into the one the action uses (an id list's file name into its ids), once, when the rules load. A
    `rule` parameter names another rule (`CF301`) and is given that rule's loaded parameters.
    """

    type: str
    default: Any = None
    required: bool = False
    check: Callable[[Any], None] | None = None
    convert: Callable[[Any], Any] | None = None


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Action:
    name: str
    fn: ActionFn
    params: Mapping[str, Param] = field(default_factory=dict)
    # Values built once from the loaded parameters (e.g. CF301's evidence settings), added to them.
    prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    # Its fix leaves it nothing more to do, by construction (it writes a key only where the card states
    # none, or fills a section that is then no placeholder), so the engine does not re-run it to confirm.
    # tests/test_engine_reads.py checks this on every golden and corpus card against strict=True.
    settles: bool = False


_ACTIONS: dict[str, Action] = {}


def action(name: str, params: Mapping[str, Param] | None = None,
           prepare: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
           settles: bool = False) -> Callable[[ActionFn], ActionFn]:
    """Register the decorated function as the action `name`, with the parameters it accepts."""

    def register(fn: ActionFn) -> ActionFn:
        if name in _ACTIONS:
            raise ValueError(f"action {name!r} registered twice")
        _ACTIONS[name] = Action(name, fn, params or {}, prepare, settles)
        return fn

    return register


def actions() -> Mapping[str, Action]:
    """Every action, by name (the modules of this package, imported with it)."""
    return _ACTIONS


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
