"""A small JSON-Schema subset (type, required, properties, items, minItems) for rule data such as
`rules/model-index.schema.yaml`: enough to state the Hub's documented model-index rules as data."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "number": (int, float), "integer": (int,),
    "boolean": (bool,), "null": (type(None),),
}
KEYWORDS = {"$schema", "title", "description", "type", "required", "properties", "items", "minItems"}


@functools.lru_cache(maxsize=8)
def load_schema(path: Path) -> Mapping[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    check_schema(data)
    return data  # type: ignore[no-any-return]


def check_schema(node: Any, where: str = "") -> None:
    """Reject keywords this validator does not implement, so a schema never silently checks less."""
    if not isinstance(node, dict):
        raise ValueError(f"schema{where}: must be a mapping")
    unknown = set(node) - KEYWORDS
    if unknown:
        raise ValueError(f"schema{where}: unsupported keyword {sorted(unknown)[0]!r}")
    for name, sub in (node.get("properties") or {}).items():
        check_schema(sub, f"{where}.properties.{name}")
    if "items" in node:
        check_schema(node["items"], f"{where}.items")


def _type_ok(value: Any, expected: str | list[str]) -> bool:
    names = [expected] if isinstance(expected, str) else expected
    for name in names:
        if isinstance(value, TYPES[name]) and not (name in ("number", "integer") and isinstance(value, bool)):
            return True
    return False


SchemaPath = tuple[str | int, ...]


def validate(value: Any, schema: Mapping[str, Any], path: SchemaPath = ()) -> Iterator[tuple[SchemaPath, str]]:
    """Yield (path, problem) for every violation."""
    expected = schema.get("type")
    if expected is not None and not _type_ok(value, expected):
        names = expected if isinstance(expected, str) else " or ".join(expected)
        yield path, f"must be {'an' if names[0] in 'aeiou' else 'a'} {names}, not {_kind(value)}"
        return
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                yield path, f"missing required key {key!r}"
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                yield from validate(value[key], sub, (*path, key))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            yield path, f"needs at least {schema['minItems']} item(s)"
        if "items" in schema:
            for i, item in enumerate(value):
                yield from validate(item, schema["items"], (*path, i))


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out
