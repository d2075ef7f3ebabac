"""The public API for scripts, and the one door the command line goes through.

`repair(text)` is pure (no I/O, safe in multiprocessing workers); `repair_file` and `repair_many` add the
file side. Rules and options are validated when the settings are made: a bad option is a ValueError
naming it, never a silent default.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from cardfix.bulk import process
from cardfix.config import ConfigError
from cardfix.core import Result
from cardfix.core import repair as repair_text
from cardfix.diffs import unified_diff
from cardfix.edits import Finding, fails, severity_fails
from cardfix.files import STDIN, Target, discover, repair_target, write_in_place
from cardfix.options import Options
from cardfix.ruleset import Rule, RuleError, load_rules
from cardfix.settings import DEFAULT_MAX_BYTES, Flags, Settings, make_settings, settings_from

__all__ = [
    "DEFAULT_MAX_BYTES",
    "STDIN",
    "ConfigError",
    "Finding",
    "Flags",
    "Options",
    "Result",
    "Rule",
    "RuleError",
    "Settings",
    "Target",
    "check_text",
    "discover",
    "fails",
    "load_rules",
    "process",
    "repair",
    "repair_file",
    "repair_many",
    "settings",
    "settings_from",
    "severity_fails",
    "unified_diff",
    "write_in_place",
]


NO_OPTIONS = Options()  # (immutable: one for every call that passes none; making one costs ~3 us a card)


@functools.lru_cache(maxsize=32)
def _settings(select: tuple[str, ...] | None, ignore: tuple[str, ...] | None, options: Options,
              max_bytes: int | None, jobs: int) -> Settings:
    return make_settings(select, ignore, options, max_bytes=max_bytes, jobs=jobs)


def settings(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
             options: Options | None = None, *, max_bytes: int | None = DEFAULT_MAX_BYTES,
             jobs: int = 1) -> Settings:
    """Settings for the API's arguments (made once per distinct set of arguments)."""
    return _settings(_strings(select), _strings(ignore), options or NO_OPTIONS, max_bytes, jobs)


def repair(text: str, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
           options: Options | None = None, rules: Sequence[Rule] | None = None) -> Result:
    """Repair one card's text. Pure: no I/O, no globals; safe in multiprocessing workers."""
    chosen = make_settings(options=options, rules=rules) if rules is not None else settings(select, ignore, options)
    return repair_text(text, chosen)


def check_text(text: str, chosen: Settings, path: str | None = None) -> Result:
    """Findings only: like repair, without reading back the splices (nothing is written)."""
    return repair_text(text, chosen, path, verify=False).findings_only()


def repair_file(path: str | Path, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                options: Options | None = None, in_place: bool = False,
                max_bytes: int | None = DEFAULT_MAX_BYTES) -> Result:
    """Repair one file; with `in_place`, rewrite it atomically when it changed. Never raises for bad input."""
    result = repair_target(Target(str(path)), settings(select, ignore, options, max_bytes=max_bytes))
    return write_in_place(result) if in_place else result


def repair_many(paths: str | Path | Iterable[str | Path], *, jobs: int = 1, select: Iterable[str] | None = None,
                ignore: Iterable[str] | None = None, options: Options | None = None, in_place: bool = False,
                max_bytes: int | None = DEFAULT_MAX_BYTES) -> Iterator[Result]:
    """Repair many cards (files, or directories: every README.md below), in order, in `jobs` processes.

    A single string or Path is one PATH. Results stream: memory does not grow with the number of cards.
    """
    names = [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]
    chosen = settings(select, ignore, options, max_bytes=max_bytes, jobs=jobs)
    for result in process(discover(names), chosen):
        yield write_in_place(result) if in_place else result


def _strings(values: Iterable[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return (values,) if isinstance(values, str) else tuple(values)
