"""The YAML loader the front matter is read with: libyaml's, with PyYAML's tag resolution remembered.

A module of its own, which the compiled build leaves as Python: mypyc cannot compile a subclass of libyaml's
Cython loader.
"""

from __future__ import annotations

from typing import Any

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_TAGS: dict[tuple[Any, Any, Any], str] = {}  # PyYAML's tag for (node kind, value, implicit), as it resolved it
_TAGS_KEPT = 8192  # (then cleared: a Hub dump holds millions of distinct values)


class Loader(_SafeLoader):
    """libyaml's loader with PyYAML's tag resolution remembered: `resolve` is a Python call per node that tries
    the implicit resolvers' regexes in turn, and most values (keys, metric names, task types) recur from card to
    card. SafeLoader has no path resolvers, so descending and ascending the tree do nothing."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        key = (kind, value, implicit)
        tag = _TAGS.get(key)
        if tag is None:
            if len(_TAGS) >= _TAGS_KEPT:
                _TAGS.clear()
            tag = _TAGS[key] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag
