"""Rule files: load `rules/*.yaml` from the installed package, validate every key, order and select them.

A rule file names its action, gives the action's parameters, and says which rules it reads the edits of
(`after:`). Parameters are validated and converted once, here; the engine runs the rules in the order
`after:` gives (rules that depend on nothing first), the rules of one level together.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import regex
import yaml

from cardfix.actions import Action, Param, actions
from cardfix.edits import SEVERITIES
from cardfix.facts.generators import ANY_GENERATOR, check_known, known
from cardfix.memo import mypyc_attr
from cardfix.resources import rules_dir

CODE_RE = regex.compile(r"^CF\d{3}$")
NAME_RE = regex.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
RULE_KEYS: dict[str, tuple[type, bool]] = {  # key: (type, required)
    "id": (str, True), "name": (str, True), "summary": (str, True), "action": (str, True),
    "safe": (bool, True), "severity": (str, True), "enabled": (bool, False), "description": (str, False),
    "after": (list, False), "applies_to": (list, False),
    "params": (dict, False), "examples": (dict, False),
}
PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,), "dict": (dict,),
    "regex": (str,), "rule": (str,),
}


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the key."""

@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Example:
    input: str
    output: str | None  # None: the card must come out unchanged
    options: Mapping[str, Any] = field(default_factory=dict)
    finding: str | None = None  # `flag` examples: text the rule's finding must contain
    with_rules: tuple[str, ...] = ()  # other rules that run alongside (e.g. the one this rule follows)


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    action: Action
    safe: bool
    enabled: bool
    params: Mapping[str, Any]  # as the action uses them (converted)
    examples: tuple[Example, ...]
    source: str
    description: str = ""
    after: tuple[str, ...] = ()  # rules whose edits this one reads
    severity: str = "warning"  # of the findings it cannot fix: error | warning | info
    level: int = 0  # 0 for a rule after nothing, else one more than the highest level it comes after
    given: Mapping[str, Any] = field(default_factory=dict)  # the parameters as the file gives them
    # The generators (ids of rules/data/generators.yaml; `any`: any of them) whose cards the rule can act on
    # at all: the engine runs it on no other card. None: every card.
    applies_to: frozenset[str] | None = None

    @property
    def audience(self) -> str | None:
        """`applies_to:` in words: generator names in the data file's order (None: every card)."""
        if self.applies_to is None:
            return None
        if ANY_GENERATOR in self.applies_to:
            return "any known generator"
        return ", ".join(g.name for g in known() if g.id in self.applies_to)


@functools.lru_cache(maxsize=4)
def load_rules(directory: Path | None = None) -> tuple[Rule, ...]:
    """Every rule file, validated, in running order (level, then code)."""
    directory = directory or rules_dir()
    return resolve([load_rule_file(path) for path in sorted(directory.glob("CF*.yaml"))])


def resolve(rules: list[Rule]) -> tuple[Rule, ...]:
    """Check codes and names are unique, give `rule` parameters the rules they name, and order by `after:`."""
    by_code: dict[str, Rule] = {}
    seen: dict[str, str] = {}
    for rule in rules:
        for ident in (rule.code, rule.name):
            if ident in seen:
                raise RuleError(f"{rule.source}: {ident!r} is used by {seen[ident]} too")
            seen[ident] = rule.source
        by_code[rule.code] = rule
    levels = _levels(by_code)
    resolved = [replace(rule, level=levels[rule.code], params=_with_rule_refs(rule, by_code)) for rule in rules]
    return tuple(sorted(resolved, key=lambda r: (r.level, r.code)))


def _levels(rules: Mapping[str, Rule]) -> dict[str, int]:
    levels: dict[str, int] = {}

    def level(code: str, path: tuple[str, ...]) -> int:
        if code in path:
            raise RuleError(f"{rules[code].source}: key 'after': a cycle ({' -> '.join((*path, code))})")
        if code not in levels:
            after = rules[code].after
            levels[code] = 1 + max((level(c, (*path, code)) for c in after), default=-1)
        return levels[code]

    for code, rule in rules.items():
        unknown = [c for c in rule.after if c not in rules]
        if unknown:
            raise RuleError(f"{rule.source}: key 'after': unknown rule {unknown[0]!r}")
        level(code, ())
    return levels


def _with_rule_refs(rule: Rule, rules: Mapping[str, Rule]) -> Mapping[str, Any]:
    refs = {k: v for k, v in rule.given.items() if rule.action.params[k].type == "rule"}
    if not refs:
        return rule.params
    for key, code in refs.items():
        if code not in rules:
            raise RuleError(f"{rule.source}: params: key {key!r}: unknown rule {code!r}")
    return {**rule.params, **{k: rules[code].params for k, code in refs.items()}}


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
    if data["severity"] not in SEVERITIES:
        raise RuleError(f"{where}: key 'severity' must be one of {', '.join(SEVERITIES)}, not {data['severity']!r}")
    if not all(isinstance(c, str) and CODE_RE.match(c) for c in data.get("after", [])):
        raise RuleError(f"{where}: key 'after' must list rule codes (CF123)")
    action = actions().get(data["action"])
    if action is None:
        raise RuleError(f"{where}: key 'action': unknown action {data['action']!r}")
    applies_to = _applies_to(where, data.get("applies_to"))
    given = _params(where, action, data.get("params") or {})
    return Rule(
        code=data["id"], name=data["name"], summary=data["summary"].strip(), action=action, safe=data["safe"],
        enabled=data.get("enabled", True), params=_converted(where, action, given),
        examples=_examples(where, data.get("examples") or {}), source=where,
        description=data.get("description", "").strip(), after=tuple(data.get("after", ())), given=given,
        severity=data["severity"], applies_to=applies_to,
    )


def _applies_to(where: str, value: list[Any] | None) -> frozenset[str] | None:
    """`applies_to:`: generator ids of rules/data/generators.yaml, or `any` (any of them)."""
    if value is None:
        return None
    ids = [v for v in value if v != ANY_GENERATOR]
    try:
        if not value or not all(isinstance(v, str) for v in value):
            raise ValueError("must list generator ids (or `any`)")
        check_known(*ids)
    except ValueError as exc:
        raise RuleError(f"{where}: key 'applies_to': {exc}") from None
    return frozenset(value)


def override_params(rules: Iterable[Rule], overrides: Mapping[str, Mapping[str, Any]], where: str) -> tuple[Rule, ...]:
    """The rules with some parameters replaced (by code), validated as strictly as the rule files."""
    changed = []
    for rule in rules:
        given = overrides.get(rule.code)
        if given:
            merged = _params(f"{where}.{rule.code}", rule.action, {**rule.given, **given})
            rule = replace(rule, given=merged, params=_converted(f"{where}.{rule.code}", rule.action, merged))
        changed.append(rule)
    return resolve(changed)


def _converted(where: str, action: Action, given: Mapping[str, Any]) -> Mapping[str, Any]:
    """The parameters as the action uses them: converted, compiled, and with what `prepare` builds."""
    params = {key: _convert(where, key, action.params[key], value) for key, value in given.items()}
    if action.prepare is not None:
        try:
            params.update(action.prepare(params))
        except (ValueError, TypeError, KeyError, regex.error) as exc:
            raise RuleError(f"{where}: params: {exc}") from None
    return params


def _convert(where: str, key: str, spec: Param, value: Any) -> Any:
    if value is None:
        return None
    if spec.type == "regex":
        return regex.compile(value)
    if spec.convert is None:
        return value
    try:
        return spec.convert(value)
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise RuleError(f"{where}: params: key {key!r}: {exc}") from None


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
            regex.compile(str(value))
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
