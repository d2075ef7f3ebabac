"""The YAML loader the front matter is read with: libyaml's, with PyYAML's tag resolution remembered.

A module of its own, which the compiled build leaves as Python: mypyc cannot compile a subclass of libyaml's
Cython loader.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_TAGS: dict[tuple[Any, Any, Any], str] = {}  # PyYAML's tag for (node kind, value, implicit), as it resolved it
_TAGS_KEPT = 8192  # (then cleared: a Hub dump holds millions of distinct values)
_REMEMBERED_LENGTH = 64  # longer plain scalars (sentences) rarely recur: resolved each time, not kept


class Loader(_SafeLoader):
    """libyaml's loader with PyYAML's tag resolution remembered for short plain scalars: `resolve` is a Python
    call per node that tries the implicit resolvers' regexes in turn, and most values (keys, metric names,
    task types) recur from card to card. Its resolvers are a copy of PyYAML's own (`Resolver`'s), so a resolver
    another library adds to PyYAML's loaders changes neither what cardfix reads nor what it remembered.
    SafeLoader has no path resolvers, so descending and ascending the tree do nothing."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML reads it from the class
        first: list(resolvers) for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode or not implicit[0] or len(value) > _REMEMBERED_LENGTH:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        key = (kind, value, implicit)
        tag = _TAGS.get(key)
        if tag is None:
            if len(_TAGS) >= _TAGS_KEPT:
                _TAGS.clear()
            tag = _TAGS[key] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag
