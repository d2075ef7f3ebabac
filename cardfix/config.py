"""Configuration from `.cardfix.toml` or `[tool.cardfix]` in `pyproject.toml`, found upward like ruff."""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cardfix.card import not_utf8
from cardfix.ruleset import Rule, RuleError, override_params

KEYS: dict[str, type | tuple[type, ...]] = {
    "select": list, "ignore": list, "exclude": list, "per-file-ignores": dict, "max-size": int,
    "results-from": str, "placeholders": str, "jobs": int, "rules": dict,
    "unsafe-fixes": bool,
}
CHOICES = {"results-from": ("summary", "final-row"), "placeholders": ("fill", "remove")}


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def apply_rule_params(self, rules: Iterable[Rule]) -> tuple[Rule, ...]:
        """The rules with the parameters this configuration gives (`[rules.CF201]` or by rule name)."""
        rules = tuple(rules)
        given: Mapping[str, Mapping[str, Any]] = self.values.get("rules", {})
        code_of = {r.name: r.code for r in rules} | {r.code: r.code for r in rules}
        unknown = sorted(k for k in given if code_of.get(k.upper() if k.upper().startswith("CF") else k) is None)
        if unknown:
            raise ConfigError(f"{self.path}: rules: unknown rule {unknown[0]!r}")
        overrides: dict[str, dict[str, Any]] = {}
        for key, params in given.items():
            overrides.setdefault(code_of[key.upper() if key.upper().startswith("CF") else key], {}).update(params)
        try:
            return override_params(rules, overrides, f"{self.path}: rules")
        except RuleError as exc:
            raise ConfigError(str(exc)) from None


def find_config(start: Path) -> Path | None:
    """The nearest `.cardfix.toml`, or `pyproject.toml` with a `[tool.cardfix]` table, at or above `start`."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder.resolve(), *folder.resolve().parents):
        dot = candidate / ".cardfix.toml"
        if dot.is_file():
            return dot
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _configures_cardfix(pyproject.read_text(encoding="utf-8", errors="replace")):
            return pyproject
    return None


def _configures_cardfix(text: str) -> bool:
    """Whether a pyproject.toml has a `tool.cardfix` key, in any TOML spelling (`[tool.cardfix]`, a dotted key,
    an inline table); one that does not parse but names `tool.cardfix` is taken too, so its error is shown."""
    if "cardfix" not in text:  # (most projects: no need to parse)
        return False
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return "tool.cardfix" in text
    return isinstance(tool, dict) and "cardfix" in tool


NOT_REGULAR = "not a regular file"  # (a FIFO, a device, a socket: what no card, configuration or report is)


def read_user_file(path: Path, errors: str = "strict") -> str:
    """The text of a file the user names (a configuration, a hub report, a list of repositories). OSError
    for one that is no regular file: a FIFO would block the run, a device such as /dev/zero never end."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(errno.EINVAL, NOT_REGULAR)
    return path.read_text(encoding="utf-8", errors=errors)


def describe_os_error(exc: OSError) -> str:
    """An OSError as the end of a message: its reason, lower-case ("no such file or directory")."""
    reason = exc.strerror or exc.__class__.__name__
    return reason[0].lower() + reason[1:] if reason else "cannot read"


def describe_read_error(exc: OSError | UnicodeDecodeError) -> str:
    """Why a file the user names could not be read: the OSError's reason, or where it is not UTF-8."""
    if isinstance(exc, UnicodeDecodeError):
        return not_utf8(exc)
    return describe_os_error(exc)


def load_config(path: Path) -> Config:
    try:
        data = tomllib.loads(read_user_file(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {describe_read_error(exc)}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("cardfix", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: tool.cardfix must be a table ([tool.cardfix])")
    for key, value in data.items():
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(KEYS))})")
        if not isinstance(value, KEYS[key]) or (isinstance(value, bool) and KEYS[key] is not bool):
            raise ConfigError(f"{path}: key {key!r} has the wrong type")
    for key in ("select", "ignore", "exclude"):
        if not all(isinstance(v, str) for v in data.get(key, [])):
            raise ConfigError(f"{path}: key {key!r} must be a list of strings")
    for code, params in data.get("rules", {}).items():
        if not isinstance(params, dict):
            raise ConfigError(f"{path}: rules.{code} must be a table of parameters")
    for pattern, codes in data.get("per-file-ignores", {}).items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: per-file-ignores.{pattern!r} must be a list of rule codes")
    for key, allowed in CHOICES.items():
        if key in data and data[key] not in allowed:
            raise ConfigError(f"{path}: key {key!r} must be one of {', '.join(allowed)}, not {data[key]!r}")
    for key in ("jobs", "max-size"):
        if key in data and data[key] < 1:
            raise ConfigError(f"{path}: key {key!r} must be 1 or more, not {data[key]}")
    return Config(path, data)


def discover_config(paths: Iterable[str], explicit: str | None) -> Config:
    if explicit is not None:  # (an empty --config names no file: an error, not the search below)
        if not explicit.strip():
            raise ConfigError("--config: an empty value names no file")
        return load_config(Path(explicit))
    first = next((p for p in paths if p != "-"), ".")
    found = find_config(Path(first))
    return load_config(found) if found else Config()
