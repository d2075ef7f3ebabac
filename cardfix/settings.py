"""One frozen Settings for a run: the rules with their parameters, the user's options, and the limits.

Built from the command line's flags over the configuration file, or from the API's arguments; the
options that choose how rules behave (`--results-from`, `--placeholders`) become those rules' parameters
here, so an action reads each setting from one place.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from cardfix.config import Config, ConfigError, discover_config
from cardfix.memo import mypyc_attr
from cardfix.options import Options
from cardfix.ruleset import Rule, RuleError, load_rules, override_params, select_rules

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_JOBS_PER_CPU = 4  # more workers than this only contend for the same cores
# Options that are rule parameters: option field -> the parameter of every action that has it.
OPTION_PARAMS = {"results_from": "results_from", "placeholders": "placeholders"}


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Settings:
    rules: tuple[Rule, ...]
    options: Options = field(default_factory=Options)
    max_bytes: int | None = DEFAULT_MAX_BYTES
    exclude: tuple[str, ...] = ()
    jobs: int = 1
    root: str | None = None  # the configuration's folder: exclude and per-file-ignores patterns are relative to it
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    force_exclude: bool = False  # exclude files named on the command line too

    def rules_for(self, path: str | None) -> tuple[Rule, ...]:
        """The rules to run on the card at `path`: less those its per-file-ignores name."""
        if not self.per_file_ignores or path is None or path == "-":
            return self.rules
        relative = relative_to(path, self.root)
        ignored = [codes for pattern, codes in self.per_file_ignores if path_matches(relative, pattern)]
        if not ignored:
            return self.rules
        dropped = {r.code for r in select_rules(self.rules, [c for codes in ignored for c in codes])}
        return tuple(r for r in self.rules if r.code not in dropped)


def relative_to(path: str, root: str | None) -> str:
    """`path` relative to `root` (the configuration's folder), `/`-separated; as given outside it."""
    base = os.path.abspath(root or os.getcwd())
    full = os.path.abspath(path)
    relative = os.path.relpath(full, base) if os.path.commonpath([base, full]) == base else path
    return relative.replace(os.sep, "/")


def path_matches(relative: str, pattern: str) -> bool:
    """A glob over the relative path (`*` crosses `/`, so `*/drafts/*` finds `x/drafts/d/README.md`), or a
    bare name matching one of its folders or its file name (`archive`)."""
    pattern = pattern.strip("/")
    if "/" not in pattern and not any(c in pattern for c in "*?["):
        return pattern in relative.split("/")
    return fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative, pattern + "/*")


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Flags:
    """What the command line gave (None or empty: not given, the configuration decides)."""

    options: Options = field(default_factory=Options)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config: str | None = None
    max_size: int | None = None
    jobs: int | None = None
    force_exclude: bool = False


def make_settings(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                  options: Options | None = None, *, rules: Sequence[Rule] | None = None,
                  config: Config | None = None, max_bytes: int | None = DEFAULT_MAX_BYTES, jobs: int = 1) -> Settings:
    """Settings from the API's arguments; raises RuleError (or ConfigError) naming what is wrong."""
    options = options or Options()
    every = tuple(rules) if rules is not None else load_rules()
    if config is not None:
        every = config.apply_rule_params(every)
        _check_codes(every, config)
    chosen = select_rules(with_options(every, options), select, ignore)
    if config is None:
        return Settings(chosen, options, max_bytes, jobs=jobs)
    ignores = tuple((pattern, tuple(codes)) for pattern, codes in config.get("per-file-ignores", {}).items())
    root = str(config.path.parent) if config.path else None
    return Settings(chosen, options, max_bytes, tuple(config.get("exclude", [])), jobs, root, ignores)


def _check_codes(rules: Sequence[Rule], config: Config) -> None:
    """The configuration's rule codes name rules (an unknown one is an error naming the file and the key)."""
    lists = {"select": config.get("select", []), "ignore": config.get("ignore", []),
             "per-file-ignores": [c for codes in config.get("per-file-ignores", {}).values() for c in codes]}
    for key, codes in lists.items():
        try:
            select_rules(rules, None, codes)
        except RuleError as exc:
            raise ConfigError(f"{config.path}: {key}: {exc}") from None


def settings_from(paths: Iterable[str], flags: Flags) -> Settings:
    """Settings for a command line: its flags over the configuration found for `paths`."""
    config = discover_config(paths, flags.config)
    options = replace(flags.options,
                      results_from=flags.options.results_from or config.get("results-from"),
                      placeholders=flags.options.placeholders or config.get("placeholders"),
                      unsafe_fixes=flags.options.unsafe_fixes or bool(config.get("unsafe-fixes", False)))
    select = flags.select or config.get("select")
    ignore = [*flags.ignore, *config.get("ignore", [])]
    max_bytes = flags.max_size or config.get("max-size") or DEFAULT_MAX_BYTES
    cpus = os.cpu_count() or 1
    jobs = min(flags.jobs or config.get("jobs") or cpus, MAX_JOBS_PER_CPU * cpus)
    chosen = make_settings(select, ignore, options, config=config, max_bytes=max_bytes, jobs=jobs)
    return replace(chosen, force_exclude=flags.force_exclude)


def with_options(rules: tuple[Rule, ...], options: Options) -> tuple[Rule, ...]:
    """The rules with the options that are their parameters (validated like the rule files)."""
    given = {name: value for name, param in OPTION_PARAMS.items() if (value := getattr(options, name))}
    overrides = {rule.code: {OPTION_PARAMS[name]: value for name, value in given.items()
                             if OPTION_PARAMS[name] in rule.action.params} for rule in rules}
    overrides = {code: params for code, params in overrides.items() if params}
    return override_params(rules, overrides, "options") if overrides else rules
