"""The pure core used by the CLI and by scripts: text in, repaired text and findings out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from cardfix.card import CardError, parse_bytes, parse_text
from cardfix.edits import Finding
from cardfix.engine import run
from cardfix.rules import Rule, load_rules, select_rules
from cardfix.settings import Options
from cardfix.yaml_read import FrontMatterError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Result:
    """The outcome for one card. `error` is set (and `text` is the input) when the card could not be read."""

    text: str
    changed: bool
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    original: str = field(default="", repr=False)
    path: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def choose_rules(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> tuple[Rule, ...]:
    return select_rules(load_rules(), select, ignore)


def repair(text: str, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
           options: Options | None = None, rules: tuple[Rule, ...] | None = None) -> Result:
    """Repair one card's text. Pure: no I/O, no globals; safe in multiprocessing workers."""
    rules = rules if rules is not None else choose_rules(select, ignore)
    return _repair_card(text, rules, options or Options())


def check_text(text: str, rules: tuple[Rule, ...], options: Options, path: str | None = None) -> Result:
    """Findings only: like repair, without the final read-back of the front matter (nothing is written)."""
    result = _repair_card(text, rules, options, path, verify=False)
    return replace(result, text="", original="")


def _repair_card(text: str, rules: tuple[Rule, ...], options: Options, path: str | None = None,
                 verify: bool = True) -> Result:
    card = parse_text(text)
    try:
        outcome = run(card, rules, options, verify=verify)
    except FrontMatterError as exc:
        return Result(text, False, (), str(exc), text, path)
    except Exception as exc:  # a bug in a rule must not stop a bulk run or lose the card
        return Result(text, False, (), f"internal error, card left unchanged: {type(exc).__name__}: {exc}",
                      text, path)
    new_text = outcome.card.render()
    return Result(new_text, new_text != text, outcome.findings, None, text, path)


def repair_bytes(data: bytes, rules: tuple[Rule, ...], options: Options, *, path: str | None = None,
                 max_bytes: int | None = DEFAULT_MAX_BYTES, verify: bool = True) -> Result:
    """Decode and repair; undecodable input becomes a Result with `error` set."""
    try:
        text = parse_bytes(data, max_bytes=max_bytes).render()
    except CardError as exc:
        return Result("", False, (), str(exc), "", path)
    return _repair_card(text, rules, options, path, verify)


def read_and_repair(path: Path, rules: tuple[Rule, ...], options: Options,
                    max_bytes: int | None = DEFAULT_MAX_BYTES, verify: bool = True) -> Result:
    """Read a file and repair it; no exception escapes, every failure is a one-line `error`."""
    name = str(path)
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            size = path.stat().st_size
            return Result("", False, (), f"file is {size:,} bytes, over the {max_bytes:,}-byte limit "
                          "(see --max-size)", "", name)
        data = path.read_bytes()
    except OSError as exc:
        return Result("", False, (), describe_os_error(exc), "", name)
    return repair_bytes(data, rules, options, path=name, max_bytes=max_bytes, verify=verify)


def describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or exc.__class__.__name__
    return reason[0].lower() + reason[1:] if reason else "cannot read"


def repair_file(path: str | Path, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                options: Options | None = None, in_place: bool = False,
                max_bytes: int | None = DEFAULT_MAX_BYTES) -> Result:
    """Repair one file; with `in_place`, rewrite it atomically when it changed. Never raises for bad input."""
    result = read_and_repair(Path(path), choose_rules(select, ignore), options or Options(), max_bytes)
    return _write_in_place(result) if in_place else result


def repair_many(paths: Iterable[str | Path], *, jobs: int = 1, select: Iterable[str] | None = None,
                ignore: Iterable[str] | None = None, options: Options | None = None, in_place: bool = False,
                max_bytes: int | None = DEFAULT_MAX_BYTES) -> Iterator[Result]:
    """Repair many cards (files, or directories: every README.md below), in order, in `jobs` processes.

    Results stream: memory does not grow with the number of cards.
    """
    from cardfix.bulk import Job, process
    from cardfix.files import discover

    targets = discover([str(p) for p in paths])
    job = Job(choose_rules(select, ignore), options or Options(), max_bytes, keep_text=True)
    for result in process(targets, job, jobs=jobs):
        yield _write_in_place(result) if in_place else result


def _write_in_place(result: Result) -> Result:
    """Rewrite a changed card's file atomically; a failed write becomes the result's error."""
    from cardfix.files import write_atomic

    if not (result.ok and result.changed and result.path):
        return result
    try:
        write_atomic(result.path, result.text.encode("utf-8"))
    except OSError as exc:
        return Result(result.original, False, result.findings, f"cannot write: {describe_os_error(exc)}",
                      result.original, result.path)
    return result
