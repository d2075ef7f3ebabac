"""The command line: parse options, run the core, print diffs / text / findings, return an exit code."""

from __future__ import annotations

import itertools
import json
import os
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from enum import Enum
from typing import IO, Annotated, Any, Optional

import typer

from cardfix import __version__
from cardfix.api import DEFAULT_MAX_BYTES, Result
from cardfix.bulk import Job, process
from cardfix.config import ConfigError, discover_config
from cardfix.diffs import unified_diff
from cardfix.files import STDIN, discover, write_atomic
from cardfix.rules import RuleError, load_rules, select_rules
from cardfix.settings import Options

EXIT_CLEAN, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Repair and enrich Hugging Face model cards with facts taken from the card itself.")


class Format(str, Enum):
    text = "text"
    json = "json"
    github = "github"


class ResultsFrom(str, Enum):
    final_row = "final-row"
    summary = "summary"


class Placeholders(str, Enum):
    fill = "fill"
    remove = "remove"


Paths = Annotated[list[str], typer.Argument(help="Cards, directories (every README.md below) or - for stdin.")]
Select = Annotated[Optional[list[str]],
                   typer.Option(help="Only these rules (codes, prefixes or names; comma-separated).")]
Ignore = Annotated[Optional[list[str]], typer.Option(help="Skip these rules (codes, prefixes or names).")]
Task = Annotated[Optional[str], typer.Option(help="Task type for model-index (e.g. text-classification).")]
Dataset = Annotated[Optional[str], typer.Option(help="Dataset as type[:config[:split]] where the card has none.")]
ModelName = Annotated[Optional[str], typer.Option("--model-name", help="model-index name.")]
BaseModel = Annotated[Optional[str], typer.Option(help="base_model for cards that lack it (a Hub model id).")]
RepoId = Annotated[Optional[str], typer.Option(
    help="The card's own repository id (org/name): never written as its base_model.")]
ResultsFromOpt = Annotated[Optional[ResultsFrom], typer.Option(help="Metrics source for model-index.")]
PlaceholdersOpt = Annotated[Optional[Placeholders], typer.Option(help="Fill empty sections, or remove them.")]
MaxSize = Annotated[Optional[int], typer.Option(help="Refuse files larger than this many bytes (default 10 MB).")]
Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPU count).")]
Report = Annotated[Optional[str], typer.Option(help="Write one JSON object per card to this .jsonl file.")]
ConfigOpt = Annotated[Optional[str], typer.Option("--config", help="Use this .cardfix.toml / pyproject.toml.")]
ExitZero = Annotated[bool, typer.Option("--exit-zero-even-if-changed", help="Exit 0 when cards changed.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No summary line on stderr.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cardfix {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """cardfix: deterministic model-card repair."""


class Run:
    """One invocation: settings (flags over configuration), counters, progress, report, exit code."""

    def __init__(self, paths: list[str], flags: dict[str, Any], keep_text: bool) -> None:
        try:
            config = discover_config(paths, flags["config"])
            select = _split(flags["select"]) or config.get("select")
            ignore = (_split(flags["ignore"]) or []) + list(config.get("ignore", []))
            rules = config.apply_rule_params(select_rules(load_rules(), select, ignore))
        except (RuleError, ConfigError) as exc:
            _fail(str(exc))
        options = Options(
            task=flags["task"], dataset=flags["dataset"], model_name=flags["model_name"], repo_id=flags["repo_id"],
            base_model=flags["base_model"],
            results_from=_value(flags["results_from"]) or config.get("results-from"),
            placeholders=_value(flags["placeholders"]) or config.get("placeholders"))
        self.paths, self.exclude = paths, list(config.get("exclude", []))
        max_size = flags["max_size"] or config.get("max-size") or DEFAULT_MAX_BYTES
        self.job = Job(rules, options, max_size, keep_text)
        self.jobs = flags["jobs"] or config.get("jobs") or os.cpu_count() or 1
        self.quiet = flags["quiet"]
        self.exit_zero = flags["exit_zero_even_if_changed"]
        self.report_path = flags["report"]
        self.counts: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()
        self.started = time.perf_counter()

    def results(self) -> Iterator[Result]:
        with ExitStack() as stack:
            report = stack.enter_context(self._open_report()) if self.report_path else None
            advance = _progress(stack, self._count_cards) if not self.quiet else None
            for result in process(discover(self.paths, self.exclude), self.job, jobs=self.jobs):
                self._count(result, report)
                if advance:
                    advance()
                if result.error is None:
                    yield result

    def several(self) -> bool:
        """Whether the PATHs name more than one card (a walk that stops at the second)."""
        return len(list(itertools.islice(discover(self.paths, self.exclude), 2))) > 1

    def _count_cards(self) -> int:
        """The number of cards, for the progress bar: a walk of its own, so none is held in memory."""
        return sum(1 for _ in discover(self.paths, self.exclude))

    def _open_report(self) -> IO[str]:
        try:
            return open(self.report_path or "", "w", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write the report {self.report_path}: {exc.strerror or exc}")
            raise  # unreachable: _fail exits

    def _count(self, result: Result, report: IO[str] | None) -> None:
        self.counts["cards"] += 1
        if result.error is not None:
            self.counts["errors"] += 1
            _err(f"{result.path}: {result.error}")
        else:
            self.counts["changed" if result.changed else "unchanged"] += 1
            self.codes.update(f.code for f in result.findings)
        if report is not None:
            row = {"path": result.path, "changed": result.changed, "error": result.error,
                   "findings": [f.as_dict() for f in result.findings]}
            report.write(json.dumps(row, ensure_ascii=False) + "\n")

    def error(self, message: str) -> None:
        self.counts["errors"] += 1
        _err(message)

    def finish(self, dirty: bool) -> int:
        if not self.quiet:
            seconds = max(time.perf_counter() - self.started, 1e-9)
            codes = " ".join(f"{c}={n}" for c, n in sorted(self.codes.items())) or "none"
            c = self.counts
            _err(f"cardfix: {c['cards']} cards, {c['changed']} changed, {c['unchanged']} unchanged, "
                 f"{c['errors']} errors; findings: {codes}; {c['cards'] / seconds:.0f} cards/s")
        if self.counts["errors"]:
            return EXIT_ERROR
        return EXIT_CHANGED if dirty and not self.exit_zero else EXIT_CLEAN


def _progress(stack: ExitStack, count: Callable[[], int]) -> Any:
    """A progress bar on stderr when it is a terminal (rich, which typer brings); nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    total = count()
    if total < 50:
        return None
    from rich.console import Console
    from rich.progress import Progress

    progress = stack.enter_context(Progress(console=Console(stderr=True), transient=True))
    task = progress.add_task("cards", total=total)
    return lambda: progress.advance(task)


def _value(option: Enum | None) -> str | None:
    return str(option.value) if option is not None else None


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _err(message: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _fail(message: str) -> None:
    _err(f"cardfix: {message}")
    raise typer.Exit(EXIT_ERROR)


def _out(text: str) -> None:
    """Bytes to stdout, buffered unless a person watches it (a bulk run writes a line per finding);
    `_err` and `main` flush it, so stdout and stderr stay in order."""
    sys.stdout.buffer.write(text.encode("utf-8"))
    if sys.stdout.isatty():
        sys.stdout.buffer.flush()


@app.command()
def diff(paths: Paths, select: Select = None, ignore: Ignore = None, task: Task = None, dataset: Dataset = None,
         model_name: ModelName = None, repo_id: RepoId = None, base_model: BaseModel = None,
         results_from: ResultsFromOpt = None,
         placeholders: PlaceholdersOpt = None,
         max_size: MaxSize = None, jobs: Jobs = None, report: Report = None, config: ConfigOpt = None,
         exit_zero_even_if_changed: ExitZero = False, quiet: Quiet = False) -> None:
    """Print unified diffs of what apply would change (exit 1 if any)."""
    run = Run(paths, locals(), keep_text=True)
    dirty = False
    for result in run.results():
        if result.changed:
            dirty = True
            _out(unified_diff(result.original, result.text, str(result.path)))
    raise typer.Exit(run.finish(dirty))


@app.command()
def apply(paths: Paths, in_place: Annotated[bool, typer.Option("--in-place", "-i", help="Rewrite the files.")] = False,
          select: Select = None, ignore: Ignore = None, task: Task = None, dataset: Dataset = None,
          model_name: ModelName = None, repo_id: RepoId = None, base_model: BaseModel = None,
         results_from: ResultsFromOpt = None,
         placeholders: PlaceholdersOpt = None,
          max_size: MaxSize = None, jobs: Jobs = None, report: Report = None, config: ConfigOpt = None,
          exit_zero_even_if_changed: ExitZero = False, quiet: Quiet = False) -> None:
    """Print the repaired cards, or rewrite them with --in-place (exit 1 if anything changed)."""
    run = Run(paths, {k: v for k, v in locals().items() if k != "in_place"}, keep_text=True)
    dirty = False
    several = run.several()
    for result in run.results():
        dirty |= result.changed
        if not in_place or result.path == STDIN:
            if several:
                _out(f"==> {result.path} <==\n")
            _out(result.text)
        elif result.changed:
            try:
                write_atomic(str(result.path), result.text.encode("utf-8"))
            except OSError as exc:
                run.error(f"{result.path}: cannot write: {exc.strerror or exc}")
                continue
            _err(f"fixed {result.path}")
    raise typer.Exit(run.finish(dirty))


@app.command()
def check(paths: Paths, format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
          select: Select = None, ignore: Ignore = None, task: Task = None, dataset: Dataset = None,
          model_name: ModelName = None, repo_id: RepoId = None, base_model: BaseModel = None,
         results_from: ResultsFromOpt = None,
         placeholders: PlaceholdersOpt = None,
          max_size: MaxSize = None, jobs: Jobs = None, report: Report = None, config: ConfigOpt = None,
          exit_zero_even_if_changed: ExitZero = False, quiet: Quiet = False) -> None:
    """List findings (exit 1 if any)."""
    run = Run(paths, {k: v for k, v in locals().items() if k != "format"}, keep_text=False)
    written = 0
    for result in run.results():
        rows = [{"path": result.path, **finding.as_dict()} for finding in result.findings]
        if rows and format is Format.json:
            # The array is streamed element by element (memory stays flat), byte for byte what
            # json.dumps(all_rows, indent=2) would print.
            _out("".join(("[\n" if written + i == 0 else ",\n") + _json_element(row) for i, row in enumerate(rows)))
        elif rows:
            _out("".join(_finding_line(row, format) + "\n" for row in rows))  # one write per card
        written += len(rows)
    if format is Format.json:
        _out("\n]\n" if written else "[]\n")
    raise typer.Exit(run.finish(bool(sum(run.codes.values()))))


def _json_element(row: dict[str, object]) -> str:
    """A row as json.dumps(indent=2) prints it inside a list: every line indented one level."""
    return textwrap.indent(json.dumps(row, indent=2, ensure_ascii=False), "  ")


def _finding_line(row: dict[str, object], format: Format) -> str:
    if format is Format.github:
        line = f",line={row['line']}" if row["line"] else ""
        message = str(row["message"]).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::warning file={row['path']}{line},title={row['code']} {row['name']}::{message}"
    where = f"{row['path']}:{row['line']}:" if row["line"] else f"{row['path']}:"
    mark = " [*]" if row["fixable"] else ""
    return f"{where} {row['code']}{mark} {row['message']} ({row['name']})"


@app.command("rules")
def rules_command(format: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
                  templates: Annotated[bool, typer.Option(help="Show the section templates.")] = True) -> None:
    """List the rules: code, name, summary, and the section templates (--no-templates hides them)."""
    try:
        rules = sorted(load_rules(), key=lambda r: r.code)
    except RuleError as exc:
        _fail(str(exc))
    if format is Format.json:
        rows = [{"code": r.code, "name": r.name, "summary": r.summary, "safe": r.safe, "enabled": r.enabled,
                 "action": r.action.name, "params": _jsonable(r.params)} for r in rules]
        _out(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    for r in rules:
        flags = "" if r.enabled else "  (off unless selected)"
        _out(f"{r.code}  {r.name:<28} {r.summary}{flags}\n")
        if templates and "sentences" in r.params:
            for item in r.params["sentences"]:
                for i, sentence in enumerate(item if isinstance(item, list) else [item]):
                    _out(f"        {'or' if i else ' -'} {sentence}\n")
            _out(f"        (no facts) {r.params['empty']}\n")


def _jsonable(value: object) -> object:
    return json.loads(json.dumps(value, default=lambda v: getattr(v, "pattern", str(v))))


def main() -> None:
    """Entry point: no traceback ever reaches the user."""
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # here, so a closed pipe is handled below, not reported at exit
    except KeyboardInterrupt:
        _err("cardfix: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_CHANGED)
    except Exception as exc:  # last resort: one line, never a traceback
        _err(f"cardfix: internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_ERROR)
