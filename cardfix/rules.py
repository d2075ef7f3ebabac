"""Rule files: load `rules/*.yaml` from the installed package, validate every key, select by code or name."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import regex
import yaml

from cardfix.actions import Action, Param, registry
from cardfix.resources import rules_dir

CODE_RE = regex.compile(r"^CF\d{3}$")
NAME_RE = regex.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
RULE_KEYS: dict[str, tuple[type, bool]] = {  # key: (type, required)
    "id": (str, True), "name": (str, True), "summary": (str, True), "action": (str, True),
    "safe": (bool, True), "enabled": (bool, False), "description": (str, False), "params": (dict, False),
    "examples": (dict, False),
}
PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,), "dict": (dict,),
    "regex": (str,),
}


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Example:
    input: str
    output: str | None  # None: the card must come out unchanged
    options: Mapping[str, Any] = field(default_factory=dict)
    finding: str | None = None  # `flag` examples: text the rule's finding must contain
    with_rules: tuple[str, ...] = ()  # other rules that run alongside (e.g. the one this rule follows)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    action: Action
    safe: bool
    enabled: bool
    params: Mapping[str, Any]
    examples: tuple[Example, ...]
    source: str
    description: str = ""


@functools.lru_cache(maxsize=4)
def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    directory = directory or rules_dir()
    rules = [load_rule_file(path) for path in sorted(directory.glob("CF*.yaml"))]
    seen: dict[str, str] = {}
    for rule in rules:
        for ident in (rule.code, rule.name):
            if ident in seen:
                raise RuleError(f"{rule.source}: {ident!r} is used by {seen[ident]} too")
            seen[ident] = rule.source
    return tuple(sorted(rules, key=lambda r: (r.action.stage, r.code)))


def load_rule_file(path: Path) -> Rule:
    where = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{where}: cannot read rule file: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{where}: a rule file must be a mapping")
    for key, value in data.items():
        if key not in RULE_KEYS:
            raise RuleError(f"{where}: unknown key {key!r}")
        if not isinstance(value, RULE_KEYS[key][0]):
            raise RuleError(f"{where}: key {key!r} must be a {RULE_KEYS[key][0].__name__}")
    missing = [k for k, (_, required) in RULE_KEYS.items() if required and k not in data]
    if missing:
        raise RuleError(f"{where}: missing key {missing[0]!r}")
    if not CODE_RE.match(data["id"]):
        raise RuleError(f"{where}: key 'id' must look like CF123, not {data['id']!r}")
    if not NAME_RE.match(data["name"]):
        raise RuleError(f"{where}: key 'name' must be kebab-case, not {data['name']!r}")
    action = registry().get(data["action"])
    if action is None:
        raise RuleError(f"{where}: key 'action': unknown action {data['action']!r}")
    return Rule(
        code=data["id"], name=data["name"], summary=data["summary"].strip(), action=action, safe=data["safe"],
        enabled=data.get("enabled", True), params=_params(where, action, data.get("params") or {}),
        examples=_examples(where, data.get("examples") or {}), source=where,
        description=data.get("description", "").strip(),
    )


def override_params(rule: Rule, overrides: Mapping[str, Any], where: str) -> Rule:
    """The rule with some parameters replaced, validated as strictly as the rule file itself."""
    given = {k: v for k, v in rule.params.items() if k not in overrides}
    merged = _params(where, rule.action, {**_raw(given), **overrides})
    return replace(rule, params=merged)


def _raw(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters back to their file form (compiled regexes to their patterns)."""
    return {k: getattr(v, "pattern", v) if isinstance(v, regex.Pattern) else v for k, v in params.items()}


def _params(where: str, action: Action, given: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in given.items():
        spec = action.params.get(key)
        if spec is None:
            raise RuleError(f"{where}: params: unknown key {key!r} for action {action.name!r}")
        params[key] = _checked(where, key, spec, value)
    for key, spec in action.params.items():
        if key not in params:
            if spec.required:
                raise RuleError(f"{where}: params: missing key {key!r}")
            params[key] = _checked(where, key, spec, spec.default)
    return params


def _checked(where: str, key: str, spec: Param, value: Any) -> Any:
    if value is None and not spec.required:
        return None
    if not isinstance(value, PY_TYPES[spec.type]) or (spec.type != "bool" and isinstance(value, bool)):
        raise RuleError(f"{where}: params: key {key!r} must be a {spec.type}")
    if spec.check is not None:
        try:
            spec.check(value)
        except (ValueError, TypeError, KeyError, regex.error) as exc:
            raise RuleError(f"{where}: params: key {key!r}: {exc}") from None
    if spec.type == "regex":
        try:
            return regex.compile(value)
        except regex.error as exc:
            raise RuleError(f"{where}: params: key {key!r} is not a valid regex: {exc}") from None
    return value


def _examples(where: str, data: dict[str, Any]) -> tuple[Example, ...]:
    examples: list[Example] = []
    for key, items in data.items():
        if key not in ("pass", "fix", "flag") or not isinstance(items, list):
            raise RuleError(f"{where}: examples: unknown key {key!r} (use lists under 'pass', 'fix', 'flag')")
        for item in items:
            examples.append(_example(where, key, item))
    return tuple(examples)


def _example(where: str, kind: str, item: Any) -> Example:
    if kind == "pass" and isinstance(item, str):
        return Example(item, None)
    allowed = {"input", "options", "with", {"fix": "output", "flag": "finding", "pass": "input"}[kind]}
    texts = allowed - {"options", "with"}
    if not isinstance(item, dict) or not set(item) <= allowed or not all(isinstance(item.get(k), str) for k in texts):
        raise RuleError(f"{where}: examples: a {kind!r} item takes {', '.join(sorted(allowed))}")
    if not isinstance(item.get("options", {}), dict) or not isinstance(item.get("with", []), list):
        raise RuleError(f"{where}: examples: 'options' must be a mapping and 'with' a list of rule codes")
    return Example(item["input"], item.get("output"), item.get("options") or {}, item.get("finding"),
                   tuple(item.get("with", ())))


def select_rules(rules: Iterable[Rule], select: Iterable[str] | None = None,
                 ignore: Iterable[str] | None = None) -> tuple[Rule, ...]:
    """Rules to run: enabled ones (or exactly `select`), minus `ignore`. Codes, code prefixes and names."""
    rules = tuple(rules)
    chosen = [r for r in rules if r.enabled] if not select else _matching(rules, select)
    dropped = {r.code for r in _matching(rules, ignore or ())}
    return tuple(r for r in chosen if r.code not in dropped)


def _matching(rules: tuple[Rule, ...], selectors: Iterable[str]) -> list[Rule]:
    codes: set[str] = set()
    for selector in selectors:
        selector = selector.strip()
        hits = {r.code for r in rules if selector in ("ALL", r.name) or r.code.startswith(selector.upper())}
        if not selector or not hits:
            raise RuleError(f"unknown rule code or name {selector!r} (see `cardfix rules`)")
        codes |= hits
    return [r for r in rules if r.code in codes]
