"""The command line: parse flags into Settings, run through `cardfix.api`, print, return an exit code.

Exit codes: 0 nothing to change, 1 changes needed or made (for `check`: findings), 2 an error (usage, a
rule or configuration file, a card that could not be read), 130 interrupted, 141 output pipe closed.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import json
import os
import sys
import textwrap
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, Optional

import typer

from cardfix import api, formats
from cardfix.api import STDIN, ConfigError, Flags, Options, Result, Rule, RuleError, Settings
from cardfix.config import describe_os_error
from cardfix.files import output_file
from cardfix.version import __version__

EXIT_CLEAN, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED, EXIT_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE, as shells and git report them

EXIT_HELP = ("Exit codes: 0 nothing to change, 1 changes needed or made (check: fixable findings or errors), 2 an "
             "error (usage, a rule or configuration file, a card that could not be read), 141 output pipe closed, "
             "143 terminated.")
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_HELP,
                  help="Repair and enrich Hugging Face model cards with facts taken from the card itself.")


class Format(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


class RulesFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class StatsFormat(str, Enum):
    markdown = "markdown"
    json = "json"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class ResultsFrom(str, Enum):
    summary = "summary"
    final_row = "final-row"


class Placeholders(str, Enum):
    fill = "fill"
    remove = "remove"


Paths = Annotated[list[str], typer.Argument(metavar="PATH",
                                            help="Cards, directories (every README.md below) or - for stdin.")]


@dataclass(frozen=True)
class Common:
    """The flags every card command takes (rule choice, facts, limits, output), as one value."""

    flags: Flags
    report: str | None = None
    exit_zero: bool = False
    quiet: bool = False
    stdin_filename: str | None = None


# name: (annotation, default) of the flags `@card_command` adds to a command.
COMMON_FLAGS: dict[str, tuple[Any, Any]] = {
    "select": (Annotated[Optional[list[str]], typer.Option(
        metavar="CODES", help="Only these rules (codes, prefixes or names; comma-separated).")], None),
    "ignore": (Annotated[Optional[list[str]], typer.Option(
        metavar="CODES", help="Skip these rules (codes, prefixes or names).")], None),
    "task": (Annotated[Optional[str], typer.Option(
        metavar="TASK", help="Task type for model-index (e.g. text-classification); overrides the card.")], None),
    "dataset": (Annotated[Optional[str], typer.Option(
        metavar="TYPE[:CONFIG[:SPLIT]]", help="Dataset for model-index and the sections; overrides the card.")],
                None),
    "model_name": (Annotated[Optional[str], typer.Option(
        "--model-name", metavar="NAME", help="model-index name; renames an existing entry.")], None),
    "base_model": (Annotated[Optional[str], typer.Option(
        metavar="ID", help="base_model for cards that lack it or name a local path (a Hub model id).")], None),
    "repo_id": (Annotated[Optional[str], typer.Option(
        metavar="ORG/NAME", help="The card's own repository id: never written as its base_model.")], None),
    "stdin_filename": (Annotated[Optional[str], typer.Option(
        metavar="PATH", help="The name of the card read from -: in messages and for the configuration.")], None),
    "results_from": (Annotated[Optional[ResultsFrom], typer.Option(
        help="Metrics source for model-index (default: summary).")], None),
    "placeholders": (Annotated[Optional[Placeholders], typer.Option(
        help="Fill empty sections (default), or remove them.")], None),
    "unsafe_fixes": (Annotated[bool, typer.Option(
        "--unsafe-fixes", help="Also apply the fixes of rules marked unsafe (otherwise they are only reported).")],
                     False),
    "max_size": (Annotated[Optional[int], typer.Option(
        min=1, metavar="BYTES", help="Refuse files larger than this many bytes (default 10 MB).")], None),
    "jobs": (Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, metavar="N", help="Worker processes (default: CPU count).")], None),
    "report": (Annotated[Optional[str], typer.Option(
        metavar="FILE", help="Write one JSON object per card to this .jsonl file (- for stdout).")], None),
    "config": (Annotated[Optional[str], typer.Option(
        "--config", metavar="FILE", help="Use this .cardfix.toml / pyproject.toml.")], None),
    "force_exclude": (Annotated[bool, typer.Option(
        "--force-exclude", help="Apply the configuration's exclude to files named on the command line too.")],
                      False),
    "exit_zero_even_if_changed": (Annotated[bool, typer.Option(
        "--exit-zero-even-if-changed", help="Exit 0 when cards changed.")], False),
    "quiet": (Annotated[bool, typer.Option("--quiet", "-q", help="No summary line on stderr.")], False),
}


def card_command(fn: Callable[..., None]) -> Callable[..., None]:
    """A command over cards: its own parameters, then the common flags, given to it as `common`."""
    hints = {k: v for k, v in inspect.get_annotations(fn, eval_str=True).items() if k != "common"}
    own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(fn).parameters.values() if p.name != "common"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
             for name, (annotation, default) in COMMON_FLAGS.items()]

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in COMMON_FLAGS}
        try:
            common = _common(given)
        except ValueError as exc:  # an option value no rule can use (Options says which)
            _fail(f"--{exc}")
            return
        fn(*args, common=common, **kwargs)

    command.__annotations__ = {**hints, **{name: a for name, (a, _) in COMMON_FLAGS.items()}}
    command.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
    return command


def _common(given: dict[str, Any]) -> Common:
    options = Options(task=given["task"], dataset=given["dataset"], model_name=given["model_name"],
                      repo_id=given["repo_id"], base_model=given["base_model"],
                      results_from=_value(given["results_from"]), placeholders=_value(given["placeholders"]),
                      unsafe_fixes=given["unsafe_fixes"])
    if given["report"] is not None and not given["report"].strip():  # (it was taken as "no report")
        _fail("--report: an empty value names no file (- is stdout)")
    flags = Flags(options, _split(given["select"]), _split(given["ignore"]), given["config"], given["max_size"],
                  given["jobs"], given["force_exclude"])
    return Common(flags, given["report"], given["exit_zero_even_if_changed"], given["quiet"], given["stdin_filename"])


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cardfix {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")] = False) -> None:
    """cardfix: deterministic model-card repair."""


@dataclass
class Tally:
    """A run's counts, for the summary line and the exit code."""

    started: float = field(default_factory=time.perf_counter)
    counts: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)

    def add(self, result: Result) -> None:
        self.counts["cards"] += 1
        if result.error is not None:
            self.counts["errors"] += 1
        elif result.skipped:
            self.counts["skipped"] += 1
        else:
            self.counts["changed" if result.changed else "unchanged"] += 1
            self.codes.update(f.code for f in result.findings)

    def summary(self, changed: str = "changed", unchanged: str = "unchanged") -> str:
        """`cardfix: 3 cards: 1 changed, 1 unchanged, 1 skipped (not a model card), 0 errors; findings: ...`"""
        seconds = max(time.perf_counter() - self.started, 1e-9)
        codes = " ".join(f"{c}={n}" for c, n in sorted(self.codes.items())) or "none"
        c = self.counts
        parts = [f"{c['changed']} {changed}", f"{c['unchanged']} {unchanged}"]
        if c["skipped"]:
            parts.append(f"{c['skipped']} skipped (not {'a model card' if c['skipped'] == 1 else 'model cards'})")
        parts.append(plural(c["errors"], "error"))
        return (f"cardfix: {plural(c['cards'], 'card')}: {', '.join(parts)}; findings: {codes}; "
                f"{c['cards'] / seconds:.0f} cards/s")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Run:
    """One command over cards: its settings, the results as they stream, the tally, the report, the exit."""

    def __init__(self, paths: list[str], common: Common, keep_text: bool, *, dumps: bool = True,
                 cards: bool = True) -> None:
        """`dumps`, `cards`: what the run reads (apply --in-place: cards only; apply --output: dumps only)."""
        try:
            where = [common.stdin_filename if p == STDIN and common.stdin_filename else p for p in paths]
            self.settings: Settings = api.settings_from(where, common.flags)
        except (RuleError, ConfigError) as exc:
            _fail(str(exc))
        self.paths, self.common, self.keep_text = paths, common, keep_text
        self.dumps, self.cards = dumps, cards
        self.tally = Tally()
        self._report: IO[str] | None = None

    def results(self, *, include_errors: bool = False) -> Iterator[Result]:
        """The cards' results, in order (unreadable ones only with `include_errors`); each unreadable card's
        error is reported on stderr as it comes."""
        with ExitStack() as stack:
            self.opened_report(stack)
            advance = _progress(stack, self._count_cards) if not self.common.quiet else None
            for result in self._all_results():
                if result.path == STDIN and self.common.stdin_filename:
                    result = replace(result, path=self.common.stdin_filename)
                self.record(result)
                if advance:
                    advance()
                if result.error is None or include_errors:
                    yield result

    def opened_report(self, stack: ExitStack) -> None:
        """Open the --report file (if any) for the run, closed with `stack`."""
        self._report = stack.enter_context(self._open_report()) if self.common.report else None

    def record(self, result: Result) -> None:
        """Count a result, name its error on stderr, and write its line of the report."""
        self.tally.add(result)
        if result.error is not None:
            _err(f"{result.path}: {result.error}")
        if self._report is not None:
            self._report.write(json.dumps({"path": result.path, "changed": result.changed, "skipped": result.skipped,
                                           "error": result.error, "findings": [f.as_dict() for f in result.findings]},
                                          ensure_ascii=False) + "\n")

    def _all_results(self) -> Iterator[Result]:
        """Cards on disk through the bulk processor; parquet dumps (a file, or the files directly in a folder
        given) batch by batch; in the order discovery gives them (de-duplicated, `exclude` applied alike)."""
        s = self.settings
        numbers: dict[str, Iterator[int]] = {}  # by dump: its rows without a modelId are counted over its files
        for is_dump, group in itertools.groupby(self.targets(), key=lambda t: t.dump is not None and t.error is None):
            if not is_dump:
                yield from api.process(group, s, keep_text=self.keep_text)
                continue
            from cardfix import dumps

            for target in group:
                yield from dumps.results(target.path, check=not self.keep_text, settings_=s,
                                         row_numbers=numbers.setdefault(str(target.dump), itertools.count()))

    def several(self) -> bool:
        """Whether the PATHs name more than one card, or a dump (a walk that stops at the second)."""
        first = list(itertools.islice(self.targets(), 2))
        return len(first) > 1 or any(target.dump is not None for target in first)

    def finish(self, dirty: bool, *, checking: bool = False) -> int:
        if not self.common.quiet:
            _err(self.tally.summary(*(("to fix", "with nothing to fix") if checking else ())))
        if self.tally.counts["errors"]:
            return EXIT_ERROR
        return EXIT_CHANGED if dirty and not self.common.exit_zero else EXIT_CLEAN

    def targets(self) -> Iterator[api.Target]:
        """The cards and dump files the run reads, as discovery finds them (de-duplicated, `exclude` applied)."""
        s = self.settings
        return api.discover(self.paths, s.exclude, s.root, s.force_exclude, dumps=self.dumps, cards=self.cards)

    def reads(self, written: str) -> str | None:
        """The card or dump file this run reads that `written` (an existing file) is, through any link, or None:
        a file the run writes must not be one it reads (a walk of its own, only where `written` exists)."""
        read = (target.path for target in self.targets() if target.error is None and target.path != STDIN)
        return _one_of(written, itertools.chain([STDIN] if STDIN in self.paths else [], read))

    def _count_cards(self) -> int:
        """The number of cards, for the progress bar: a walk of its own, so none is held in memory; a dump file
        counts its rows (from its footer), as the bar advances once a row."""
        return sum(1 if target.dump is None or target.error else _rows_of(target.path) for target in self.targets())

    def _open_report(self) -> IO[str]:
        if self.common.report == "-":
            return contextlib.nullcontext(sys.stdout)  # type: ignore[return-value]
        read = self.reads(self.common.report or "")
        if read is not None:  # (opening it for writing would empty a card or dump before it is read)
            _fail(f"--report {self.common.report} is one of the files this run reads ({read}); name another file")
        try:
            return open(self.common.report or "", "w", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write the report {self.common.report}: {describe_os_error(exc)}")
            raise  # unreachable: _fail exits


def _check_endpoint(endpoint: str | None) -> None:
    """HF_ENDPOINT, if set, is an http(s) URL with a host (a bad one failed inside huggingface_hub's import)."""
    if not endpoint:
        return
    try:
        parts = urllib.parse.urlsplit(endpoint)
        parts.port  # noqa: B018 - reading it checks the port
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL with a host")
    except ValueError as exc:
        _fail(f"HF_ENDPOINT={endpoint!r} cannot be used: {exc}")


def _report_is_no_list(report: str | None, lists: list[str]) -> None:
    """hub's --report is appended to: it must not be a --from list (its lines would be read as ids next run)."""
    listed = _one_of(report, lists) if report not in (None, "-") else None
    if listed is not None:
        _fail(f"--report {report} is one of the files this run reads (--from {listed}); name another file")


def _one_of(written: str | None, paths: Iterable[str]) -> str | None:
    """The first of `paths` (`-`: stdin) that is the existing file `written`, through any link, or None."""
    try:
        wanted = os.stat(written or "")
    except OSError:
        return None
    return next((path for path in paths if _same_file(sys.stdin.fileno() if path == STDIN else path, wanted)), None)


def _same_file(path: str | int, known: os.stat_result) -> bool:
    """Whether `path` (or an open file descriptor) is the file `known` describes (the same device and inode:
    through links, in any case)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return False
    return (found.st_dev, found.st_ino) == (known.st_dev, known.st_ino)


def _rows_of(dump_file: str) -> int:
    """A parquet file's rows, from its footer (1 where it cannot be read: its one error line)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return max(1, int(pq.ParquetFile(dump_file).metadata.num_rows))
    except (pa.ArrowException, OSError):  # (the run reports it; the bar counts its one line)
        return 1


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


def _split(values: list[str] | None) -> tuple[str, ...]:
    if any(not value.strip(" ,") for value in values or ()):  # `--select ""` would select every rule
        _fail("--select/--ignore: an empty value names no rule (give codes such as CF101, or prefixes)")
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())


class PipeClosed(RuntimeError):
    """stdout's reader went away. Not an OSError: click would turn a broken pipe into exit 1."""


def _err(message: str) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise PipeClosed from None
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _fail(message: str) -> None:
    _err(f"cardfix: {message}")
    raise typer.Exit(EXIT_ERROR)


def _out(text: str) -> None:
    """Bytes to stdout, buffered unless a person watches it (a bulk run writes a line per finding);
    `_err` and `main` flush it, so stdout and stderr stay in order."""
    try:
        sys.stdout.buffer.write(text.encode("utf-8"))
        if sys.stdout.isatty():
            sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise PipeClosed from None


@app.command(epilog=EXIT_HELP)
@card_command
def diff(paths: Paths, common: Common) -> None:
    """Print unified diffs of what apply would change (exit 1 if any)."""
    run = Run(paths, common, keep_text=True)
    dirty = False
    for result in run.results():
        if result.changed:
            dirty = True
            _out(api.unified_diff(result.original, result.text, str(result.path)))
    raise typer.Exit(run.finish(dirty))


@app.command(epilog=EXIT_HELP)
@card_command
def apply(paths: Paths, common: Common,
          in_place: Annotated[bool, typer.Option("--in-place", "-i", help="Rewrite the files.")] = False,
          output: Annotated[Optional[str], typer.Option(
              metavar="OUT.parquet", help="For parquet dumps: write their rows plus cardfix's columns here.")] = None,
          ) -> None:
    """Print the repaired cards, or rewrite them with --in-place (exit 1 if anything changed)."""
    if output is not None:
        if in_place:  # (it was ignored: the files named were left as they were)
            _fail("--in-place rewrites card files and --output writes a dump's rows to a parquet file: choose one")
        raise typer.Exit(_apply_to_parquet(paths, common, output))
    if in_place and any(path != STDIN and path.endswith(".parquet") for path in paths):
        # A dump's rows are named by their modelId, which is no file of the user's: never written to.
        _fail("--in-place rewrites card files; a parquet dump's repaired rows go to --output OUT.parquet")
    run = Run(paths, common, keep_text=True, dumps=not in_place)  # (in place: a folder's cards, not its dumps)
    dirty = False
    several = run.several()
    ended = True  # the last card written ended its last line (a header after one that did not starts a line)
    for result in run.results():
        dirty |= result.changed
        if not in_place or result.path == STDIN:
            if several:
                _out(f"{'' if ended else chr(10)}==> {result.path} <==\n")
            _out(result.text)
            ended = not result.text or result.text.endswith(("\n", "\r"))
        elif result.changed:
            written = api.write_in_place(result)
            if written.error is not None:  # counted as an error, not as changed: nothing was written
                run.tally.counts["errors"] += 1
                run.tally.counts["changed"] -= 1
                _err(f"{written.path}: {written.error}")
                continue
            _err(f"fixed {result.path}")
    raise typer.Exit(run.finish(dirty))


def _apply_to_parquet(paths: list[str], common: Common, output: str) -> int:
    """`apply --output OUT.parquet`: every dump's rows, with repaired/changed/findings/error, to one file."""
    from cardfix import dumps

    if not output.strip():
        _fail("--output: an empty value names no file")
    run = Run(paths, common, keep_text=True, cards=False)
    targets = list(run.targets())  # (the dump files as check finds them; a folder's own listing only)
    card = next((t.path for t in targets if t.dump is None and t.error is None), None)
    if card is not None:
        _fail(f"--output takes parquet dumps only (a .parquet file or a folder of them); {card} is a card "
              "(apply it without --output)")
    files = [t for t in targets if t.error is None]
    if not targets:
        _fail("--output: nothing to read (every dump given is excluded; see --force-exclude)")
    _refuse_collisions(run, output, common.report)
    wrong = [dumps.DumpError(Path(t.path), str(t.error)) for t in targets if t.error is not None]
    wrong += dumps.check_for_output([t.path for t in files])
    for problem in wrong:  # every file is checked before anything is written
        _err(str(problem))
    if wrong:
        _fail(f"nothing written to {output}")
    from cardfix.arrow import with_results

    try:
        with ExitStack() as stack:
            run.opened_report(stack)
            empty = with_results(dumps.empty_batch(files[0].path), [])
            rows = dumps.write(_tallied_batches(run, files), output, empty)
    except dumps.DumpError as exc:  # (a row group that cannot be read) the output appears whole or not at all
        _fail(f"{exc}; nothing written to {output}")
    except OSError as exc:
        _fail(f"{output}: cannot be written: {describe_os_error(exc)}")
    _err(f"wrote {plural(rows, 'row')} to {output}")
    return run.finish(bool(run.tally.counts["changed"]))


def _refuse_collisions(run: Run, output: str, report: str | None) -> None:
    """--output must be neither a dump the run reads (replaced as it is read) nor the --report file."""
    read = run.reads(output)
    if read is not None:
        _fail(f"--output {output} is one of the files this run reads ({read}); name another file")
    if report is not None and report != "-" and _same_path(report, output):
        _fail(f"--report and --output name the same file ({output}); name another file for one of them")


def _same_path(one: str, other: str) -> bool:
    """Whether two files a run writes are one: the same path, or (both existing) the same file."""
    return os.path.realpath(one) == os.path.realpath(other) or (
        os.path.exists(one) and os.path.exists(other) and os.path.samefile(one, other))


def _tallied_batches(run: Run, files: list[api.Target]) -> Iterator[Any]:
    """Each batch of the dumps' files repaired, its rows recorded (counted, errors named, the report written)
    from the same Results its new columns are made of; a row without a modelId named `row N` (counted over
    the files of its dump), as `check` names it."""
    from cardfix import dumps
    from cardfix.arrow import repair_rows, with_results

    numbers: dict[str, Iterator[int]] = {}
    for file in files:
        rows = numbers.setdefault(str(file.dump), itertools.count())
        for batch in dumps.batches(file.path):
            results = repair_rows(batch, dumps.CARD_COLUMN, run.settings, False)
            for result in results:
                name = dumps.row_name(result.path, rows)
                run.record(result if result.path == name else replace(result, path=name))
            yield with_results(batch, results)


@app.command(epilog=EXIT_HELP)
@card_command
def stats(paths: Paths, common: Common,
          chart: Annotated[Optional[str], typer.Option(
              metavar="FILE.svg", help="Also draw the cards each rule would fix or reports on.")] = None,
          format: Annotated[StatsFormat, typer.Option("--format", help="Output format.")] = StatsFormat.markdown,
          ) -> None:
    """Count cards by generator and by the rules they need: the table people who study cards publish."""
    from cardfix import stats as stats_module

    if chart is not None and not chart.lower().endswith(".svg"):
        _fail(f"--chart {chart}: the chart is an SVG image; name a FILE.svg")
    if chart is not None and common.report not in (None, "-") and _same_path(chart, str(common.report)):
        _fail(f"--report and --chart name the same file ({chart}); name another file for one of them")
    run = Run(paths, common, keep_text=True)
    try:
        with ExitStack() as stack:  # (the chart's file made first: one that cannot be written fails at once)
            temporary = stack.enter_context(output_file(chart)) if chart is not None else None
            counted = stats_module.collect((r, stats_module.generator_of(r.original)) for r in run.results(
                include_errors=True))
            _out(stats_module.as_json(counted) if format is StatsFormat.json else stats_module.markdown(counted))
            if temporary is not None:
                with open(temporary, "w", encoding="utf-8") as handle:
                    handle.write(stats_module.svg_chart(counted))
    except OSError as exc:
        _fail(f"{chart}: cannot be written: {describe_os_error(exc)}")
    raise typer.Exit(EXIT_ERROR if counted.errors else EXIT_CLEAN)


@app.command(epilog=EXIT_HELP)
@card_command
def check(paths: Paths, common: Common,
          format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
          fail_on: Annotated[FailOn, typer.Option(
              help="Exit 1 on fixable findings and findings of this severity or above.")] = FailOn.error,
          statistics: Annotated[bool, typer.Option(
              "--statistics", help="Print counts by rule instead of the findings.")] = False) -> None:
    """List findings (exit 1 on anything apply would fix, and on errors; --fail-on tightens)."""
    if statistics and format not in (Format.text, Format.json):
        _fail(f"--statistics prints counts by rule as text or JSON, not {format.value}")
    run = Run(paths, common, keep_text=False)
    stream = Stream(format, statistics)
    failing = False
    for result in run.results(include_errors=True):
        failing |= any(api.fails(f, fail_on.value) for f in result.findings)
        stream.add(str(result.path), formats.rows_of(result))
    _out(stream.close(lambda row: bool(row["fixable"]) or api.severity_fails(str(row["severity"]), fail_on.value)))
    raise typer.Exit(run.finish(failing, checking=True))


class Stream:
    """Findings printed as they come where the format allows (text, GitHub, JSON as a streamed array: memory
    stays flat over a whole dump); kept for the end where it cannot (SARIF, JUnit, statistics)."""

    def __init__(self, format: Format, statistics: bool) -> None:
        self.format, self.statistics = format, statistics
        self.written = 0
        self.kept: list[tuple[str, list[formats.Row]]] = []

    def add(self, path: str, rows: list[formats.Row]) -> None:
        if self.statistics or self.format in (Format.sarif, Format.junit):
            self.kept.append((path, rows))
        elif rows and self.format is Format.json:
            # byte for byte what json.dumps(all_rows, indent=2) would print
            _out("".join(("[\n" if self.written + i == 0 else ",\n") + formats.json_element(row)
                         for i, row in enumerate(rows)))
        elif rows:
            line = formats.github_line if self.format is Format.github else formats.text_line
            _out("".join(line(row) + "\n" for row in rows))  # one write per card
        self.written += len(rows)

    def close(self, fails: Callable[[formats.Row], bool]) -> str:
        rows = [row for _, card in self.kept for row in card]
        if self.statistics:
            return formats.statistics(rows, as_json=self.format is Format.json)
        if self.format is Format.sarif:
            return formats.sarif(rows, {r.code: (r.name, r.summary) for r in api.load_rules()})
        if self.format is Format.junit:
            return formats.junit(self.kept, fails)
        if self.format is Format.json:
            return "\n]\n" if self.written else "[]\n"
        return ""


@app.command("hub", epilog=EXIT_HELP)
@card_command
def hub_command(
        repo_ids: Annotated[Optional[list[str]], typer.Argument(
            metavar="REPO_ID", help="Model repositories (ORG/NAME).", show_default=False)] = None,
        author: Annotated[Optional[str], typer.Option(metavar="ORG", help="Every model of this account.")] = None,
        search: Annotated[Optional[str], typer.Option(metavar="TEXT", help="Every model whose id has TEXT.")] = None,
        from_files: Annotated[Optional[list[str]], typer.Option(
            "--from", metavar="FILE", help="Repository ids, one a line (- for stdin); repeatable.")] = None,
        push: Annotated[Optional[str], typer.Option(
            metavar="pr|commit", help="Open a pull request, or commit; default: print the diffs.")] = None,
        max_prs: Annotated[Optional[int], typer.Option(
            min=1, metavar="N", help="Stop after N pushes (a dry run: after N changed cards).")] = None,
        *, common: Common) -> None:
    """Repair the cards of Hub model repositories: diffs, or --push pr|commit (exit 1 if any changed)."""
    _check_endpoint(os.environ.get("HF_ENDPOINT"))  # (huggingface_hub reads it when imported)
    try:  # here: huggingface_hub is an optional extra, needed by this command only
        from cardfix import hub
    except ImportError as exc:
        _fail(f"hub needs huggingface_hub ({exc}): pip install 'cardfix[hub]'")
        return
    hub.quiet_client_logs()
    tally = hub.HubTally()
    try:
        settings = api.settings_from(["."], common.flags)
        _report_is_no_list(common.report, from_files or [])
        options = hub.HubOptions(push=push, max_prs=max_prs, report=common.report)
        ids = hub.repo_ids(repo_ids or (), author=author, search=search, from_files=from_files or (), options=options)
        for outcome in hub.repair_repos(ids, settings, options):
            tally.add(outcome)
            if diff := outcome.diff():
                _out(diff)
            elif (line := outcome.message()) is not None:
                _err(line)
    except (ValueError, hub.HubError) as exc:  # a rule, configuration or option the run cannot use; no token
        _fail(f"--{exc}" if type(exc) is ValueError else str(exc))
    if not common.quiet:
        _err(tally.summary())
    raise typer.Exit(tally.exit_code(common.exit_zero))


def _rules() -> list[Rule]:
    try:
        return sorted(api.load_rules(), key=lambda r: r.code)
    except RuleError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


@app.command("rules")
def rules_command(format: Annotated[RulesFormat, typer.Option("--format", help="Output format.")] = RulesFormat.text,
                  templates: Annotated[bool, typer.Option(help="Show the section templates.")] = True) -> None:
    """List the rules: code, name, summary, and the section templates (--no-templates hides them)."""
    rules = _rules()
    if format is RulesFormat.markdown:
        _out(rule_table(rules))
        return
    if format is RulesFormat.json:
        rows = [{"code": r.code, "name": r.name, "summary": r.summary, "description": r.description,
                 "safe": r.safe, "enabled": r.enabled, "after": list(r.after),
                 "applies_to": sorted(r.applies_to) if r.applies_to is not None else None, "action": r.action.name,
                 "params": _jsonable(r.given)} for r in rules]
        _out(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    for r in rules:
        flags = "" if r.enabled else "  (off unless selected)"
        _out(f"{r.code}  {r.name:<28} {r.summary}{flags}\n")
        if templates:
            _out(_templates(r, "        "))


def rule_table(rules: list[Rule]) -> str:
    """The rules as the README's table (`cardfix rules --format markdown`; a test keeps the README equal)."""
    rows = ["| code | name | what it does | on cards of | runs after |", "|---|---|---|---|---|"]
    for r in rules:
        summary = r.summary.replace("|", "\\|") + ("" if r.enabled else " (off unless selected)")
        rows.append(f"| {r.code} | {r.name} | {summary} | {r.audience or 'every model card'} | "
                    f"{', '.join(r.after) or '-'} |")
    return "\n".join(rows) + "\n"


def _templates(rule: Rule, indent: str) -> str:
    """The section templates of a fill_section rule (other actions' parameters are shown as they are)."""
    if rule.action.name != "fill_section":
        return ""
    lines = [f"{indent}{'or' if i else ' -'} {sentence}" for item in rule.given["sentences"]
             for i, sentence in enumerate(item if isinstance(item, list) else [item])]
    return "\n".join([*lines, f"{indent}(no facts) {rule.given['empty']}"]) + "\n"


@app.command()
def explain(code: Annotated[str, typer.Argument(metavar="CODE", help="A rule code (CF201) or name.")]) -> None:
    """Show one rule: its summary, description, parameters, templates and examples."""
    rule = next((r for r in _rules() if code.upper() == r.code or code == r.name), None)
    if rule is None:
        _fail(f"unknown rule code or name {code!r} (see `cardfix rules`)")
        return
    _out(explanation(rule))


def explanation(rule: Rule) -> str:
    """What `cardfix explain` prints for a rule (the README's rule table is made from the same files)."""
    parts = [f"{rule.code} {rule.name}: {rule.summary}\n",
             f"action: {rule.action.name}; {'safe' if rule.safe else 'unsafe'} fix; "
             f"{'on by default' if rule.enabled else 'off unless selected'}"
             + (f"; runs after {', '.join(rule.after)}" if rule.after else "")
             + (f"; only on cards of {rule.audience}" if rule.audience else "") + "\n"]
    if rule.description:
        parts.append("\n" + textwrap.fill(rule.description, 100) + "\n")
    templates = rule.action.name == "fill_section"
    shown = {k: v for k, v in rule.given.items() if not (templates and k in ("sentences", "empty"))}
    if shown:
        parts.append("\nparameters:\n" + "".join(f"  {k}: {_short(v)}\n" for k, v in shown.items()))
    if templates:
        parts.append("\ntemplates:\n" + _templates(rule, "  "))
    for example in rule.examples:
        kind = "fixes" if example.output is not None else "flags" if example.finding else "passes"
        parts.append(f"\nexample ({kind}):\n" + textwrap.indent(example.input, "  | "))
        if example.output is not None:
            parts.append("becomes:\n" + textwrap.indent(example.output, "  | "))
        elif example.finding:
            parts.append(f"finding: ...{example.finding}...\n")
    return "".join(parts)


def _short(value: object) -> str:
    text = json.dumps(_jsonable(value), ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."


def _jsonable(value: object) -> object:
    return json.loads(json.dumps(value, default=lambda v: getattr(v, "pattern", str(v))))


def main() -> None:
    """Entry point: no traceback ever reaches the user."""
    from cardfix.files import EXIT_TERMINATED, Terminated, exit_on_signals  # here: only main owns signals

    exit_on_signals()
    if sys.stdout is None:  # started with its standard output closed (`>&-`): nowhere to write
        sys.stderr.write("cardfix: standard output is closed\n")
        sys.exit(EXIT_ERROR)
    terminated = False
    try:
        try:
            app()
        finally:
            sys.stdout.flush()  # here, so a closed pipe is handled below, not reported at exit
    except Terminated:
        # Quietly, as a killed process is; exit only once this block has dropped the exception, whose
        # traceback holds the run's generators: they close now and end the workers, not at interpreter exit.
        terminated = True
    except KeyboardInterrupt:
        _err("cardfix: interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except (BrokenPipeError, PipeClosed):
        # The reader went away (`cardfix diff | head`): stop quietly, as `git` and coreutils do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_PIPE)
    except OSError as exc:  # an output that cannot be written (a full disk, a report's folder gone)
        _err(f"cardfix: {exc.filename + ': ' if isinstance(exc.filename, str) else ''}{describe_os_error(exc)}")
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # last resort: one line, never a traceback
        _err(f"cardfix: internal error: {type(exc).__name__}: {exc}")
        sys.exit(EXIT_ERROR)
    if terminated:
        sys.exit(EXIT_TERMINATED)
