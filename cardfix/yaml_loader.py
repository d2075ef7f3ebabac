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

_TAGS: dict[str, str] = {}  # PyYAML's tag for a plain scalar's value, as it resolved it
_TAGS_KEPT = 8192  # (then cleared: a Hub dump holds millions of distinct values)
_REMEMBERED_LENGTH = 64  # longer plain scalars (sentences) rarely recur: resolved each time, not kept
# A copy of PyYAML's resolvers (`Resolver`'s): a resolver another library adds to PyYAML's loaders changes
# neither what cardfix reads nor what it remembered.
_RESOLVERS = {first: list(resolvers) for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}


class _PlainResolver(yaml.resolver.BaseResolver):
    """PyYAML's resolution of scalars, with cardfix's copy of its resolvers."""

    yaml_implicit_resolvers = _RESOLVERS


_PLAIN = _PlainResolver()


def plain_tag(value: str) -> str:
    """The tag PyYAML gives a plain (unquoted, untagged) scalar: str, int, float, bool, null, timestamp...,
    remembered for values of up to 64 characters (keys, metric names and task types recur from card to card)."""
    tag = _TAGS.get(value)
    if tag is None:
        tag = _PLAIN.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        if len(value) <= _REMEMBERED_LENGTH:
            if len(_TAGS) >= _TAGS_KEPT:
                _TAGS.clear()
            _TAGS[value] = tag
    return tag


class Loader(_SafeLoader):
    """libyaml's loader with PyYAML's tag resolution of plain scalars remembered (`plain_tag`): `resolve` is a
    Python call per node that tries the implicit resolvers' regexes in turn. SafeLoader has no path resolvers,
    so descending and ascending the tree do nothing, and a plain scalar's tag depends on its value alone."""

    yaml_implicit_resolvers = _RESOLVERS

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return plain_tag(value)
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
