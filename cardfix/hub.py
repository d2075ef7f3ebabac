"""Hub mode: repair the model cards of Hugging Face Hub repositories; show the diffs, or push the repairs.

For each model repository: read `README.md` at the revision model info gives (so the card repaired and the
commit's parent are the same revision), repair it with the pure core (with the repository's id as
`Options.repo_id`, so CF101 never makes a model its own base model), then report the diff (dry run, the
default), open a pull request or commit. `repair_repos` is the entry for scripts; `cardfix hub` calls it.

The report (`FILE.jsonl`, one line per repository) is also the run's state: a re-run skips what it records
as done. Never two pull requests for one change: a repository with an open cardfix pull request by the same
account is skipped. The token is huggingface_hub's (HF_TOKEN, login); it is never printed or reported.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TypeVar

from huggingface_hub import CommitOperationAdd, HfApi, get_token
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    LocalTokenNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import logging as client_logging
from huggingface_hub.utils.tqdm import silent_tqdm

from cardfix.card import BOM, CardError, card_text
from cardfix.config import describe_os_error, describe_read_error, read_user_file
from cardfix.core import Result, repair
from cardfix.diffs import unified_diff
from cardfix.edits import Finding
from cardfix.settings import Settings
from cardfix.version import __version__

T = TypeVar("T")
CARD = "README.md"
TITLE_PREFIX = "cardfix: "  # how this account's earlier pull requests are recognised: keep it stable
PUSH_MODES = ("pr", "commit")
DONE = frozenset({"pushed", "clean", "skipped"})  # statuses a re-run with the same report does not redo
NETWORK_MODULES = ("httpx", "httpcore", "requests", "urllib3", "ssl", "socket")  # httpx2 too: a prefix


class HubError(RuntimeError):
    """The run cannot go on (no token to push with, a listing or a report that cannot be read); one line."""


def quiet_client_logs() -> None:
    """For the command line: huggingface_hub's warnings (a listing's "Retrying in 1s [Retry 1/5]." lines)
    are not cardfix's messages; what they end in reaches the user as cardfix's line. HF_HUB_VERBOSITY, the
    client's own setting, still shows them."""
    if not os.environ.get("HF_HUB_VERBOSITY"):
        client_logging.set_verbosity(logging.ERROR)


def pause(seconds: float) -> None:
    """The backoff's sleep (a module function, so tests can make it instant)."""
    time.sleep(seconds)


@dataclass(frozen=True)
class HubOptions:
    """How a hub run reads, pushes and records (None: huggingface_hub's default)."""

    push: str | None = None  # None: dry run; "pr": open a pull request; "commit": commit to the main branch
    max_prs: int | None = None  # stop after this many pushes (a dry run: after this many changed cards)
    report: str | None = None  # JSONL, one line per repository, appended; read back as the run's state
    endpoint: str | None = None
    token: str | None = None
    cache_dir: str | None = None
    retries: int = 5  # 429 answers retried per request, before the repository is an error
    backoff: float = 1.0  # first wait without Retry-After; doubles each time
    max_wait: float = 60.0  # no wait is longer, whatever Retry-After says
    sleep: Callable[[float], None] | None = None

    def __post_init__(self) -> None:
        if self.push not in (None, *PUSH_MODES):
            raise ValueError(f"push: must be one of {', '.join(PUSH_MODES)}, not {self.push!r}")
        if self.max_prs is not None and self.max_prs < 1:
            raise ValueError("max-prs: must be at least 1")
        if self.report == "-":
            raise ValueError("report: hub mode needs a file, not - (the report is also the run's state)")


@dataclass(frozen=True)
class RepoResult:
    """One repository's outcome. `status`: clean, changed (dry run), pushed, skipped, error, or done (recorded
    as done by an earlier run: nothing was asked of the Hub)."""

    repo_id: str
    status: str
    revision: str | None = None
    result: Result | None = None
    url: str | None = None
    reason: str | None = None  # why it was skipped, or the error

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.result.findings if self.result is not None else ()

    def record(self) -> dict[str, object]:
        """The report's line (never the card's text, never the token)."""
        return {"repo_id": self.repo_id, "status": self.status, "revision": self.revision,
                "changed": self.status in ("changed", "pushed"), "url": self.url,
                "reason": self.reason if self.status == "skipped" else None,
                "error": self.reason if self.status == "error" else None,
                "findings": [f.as_dict() for f in self.findings]}

    def diff(self) -> str:
        """A dry run's unified diff of the card (empty for any other outcome)."""
        if self.status != "changed" or self.result is None:
            return ""
        return unified_diff(self.result.original, self.result.text, f"{self.repo_id}/{CARD}")

    def message(self) -> str | None:
        """The stderr line for this outcome (None: nothing to say; a dry run's diff goes to stdout); a line
        break or other control character in it (a repository id given as `a\nb`) is written escaped."""
        if self.status == "error":
            return _one_line(f"{self.repo_id}: {self.reason}")
        if self.status == "skipped":
            return _one_line(f"{self.repo_id}: skipped: {self.reason}")
        if self.status == "pushed":  # a pull request's URL is its discussion's, a commit's names the commit
            return f"{self.repo_id}: {'opened' if self.url and '/discussions/' in self.url else 'committed'} {self.url}"
        return None


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class HubTally:
    """A hub run's counts: the summary line and the exit code."""

    started: float = field(default_factory=time.perf_counter)
    counts: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: RepoResult) -> None:
        self.counts[outcome.status] += 1
        self.codes.update(f.code for f in outcome.findings)

    def summary(self) -> str:
        c = self.counts
        parts = [f"{c[s]} {s}" for s in ("pushed", "changed", "clean", "skipped") if c[s] or s == "clean"]
        parts += [f"{c['done']} already done"] if c["done"] else []
        parts.append(f"{c['error']} error{'' if c['error'] == 1 else 's'}")
        codes = " ".join(f"{code}={n}" for code, n in sorted(self.codes.items())) or "none"
        total = sum(c.values())
        return (f"cardfix: {total} repositor{'y' if total == 1 else 'ies'}: {', '.join(parts)}; findings: {codes}; "
                f"{time.perf_counter() - self.started:.1f}s")

    def exit_code(self, exit_zero: bool = False) -> int:
        """2 on any error, 1 when cards changed (or would), else 0; as the other commands."""
        if self.counts["error"]:
            return 2
        return 1 if (self.counts["changed"] or self.counts["pushed"]) and not exit_zero else 0


def repo_ids(given: Sequence[str] = (), *, author: str | None = None, search: str | None = None,
             from_files: Sequence[str] = (), options: HubOptions | None = None) -> Iterator[str]:
    """The repositories a run names: ids given, then those of each of `from_files` in turn (one a line, `#`
    comments; `-` is stdin), then the Hub's listing for `author` and/or `search` (both: models matching both)."""
    if not (given or author or search or from_files):
        raise HubError("hub: name the repositories: REPO_ID..., --author, --search or --from")
    files: list[Iterable[str]] = [_ids_of(path) for path in from_files]  # (every file read before the run starts)
    listed = _listing(author, search, options or HubOptions()) if author or search else iter(())
    named = (line.strip() for line in itertools.chain(given, *files))
    return itertools.chain((n for n in named if n and not n.startswith("#")), listed)


def _ids_of(path: str) -> Iterable[str]:
    """The lines of a --from file (stdin, read as the run goes, for `-`)."""
    if not path:
        raise HubError("--from: an empty value names no file")
    try:
        return sys.stdin if path == "-" else read_user_file(Path(path)).removeprefix(BOM).splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HubError(f"cannot read --from {path}: {describe_read_error(exc)}") from None


def _listing(author: str | None, search: str | None, options: HubOptions) -> Iterator[str]:
    """Model ids from the Hub, page by page as the run goes (a listing error ends the run: HubError)."""
    client = HfApi(endpoint=options.endpoint, token=options.token)
    try:
        for model in client.list_models(author=author, search=search):
            yield model.id
    except Exception as exc:  # a network error has no common base class across huggingface_hub versions
        raise HubError(f"cannot list the Hub's models: {describe(exc, options.token)}") from None


def repair_repos(ids: Iterable[str], settings: Settings, options: HubOptions | None = None) -> Iterator[RepoResult]:
    """Repair each repository's card and (with `push`) push it; results in order, each one reported as it comes.

    A repository fails alone (one result with status `error`); the run goes on. Raises HubError only for
    what stops a whole run: pushing without a token, a report that cannot be read or written."""
    options = options or HubOptions()
    session = HubSession(options)
    done = read_state(options.report)
    seen: set[str] = set()
    made = 0
    with _report_file(options.report) as report:
        for repo_id in ids:
            if repo_id in seen:
                continue
            seen.add(repo_id)
            if repo_id in done:
                yield RepoResult(repo_id, "done")
                continue
            outcome = session.process(repo_id, settings)
            _write(report, outcome)
            yield outcome
            made += outcome.status in ("pushed", "changed")
            if options.max_prs is not None and made >= options.max_prs:
                return


def read_state(report: str | None) -> set[str]:
    """The repositories an earlier run's report records as done (its last line for each decides). A torn last
    line, as a killed run leaves, is ignored."""
    if report is None or not Path(report).exists():
        return set()
    status: dict[str, str] = {}
    try:
        lines = read_user_file(Path(report), errors="replace").split("\n")  # (a record may hold U+2028)
    except OSError as exc:
        raise HubError(f"cannot read the report {report}: {describe_os_error(exc)}") from None
    for line in lines:
        try:
            record = json.loads(line)
            status[str(record["repo_id"])] = str(record["status"])
        except (ValueError, KeyError, TypeError):
            continue
    return {repo_id for repo_id, s in status.items() if s in DONE}


def _report_file(report: str | None) -> contextlib.AbstractContextManager[IO[str] | None]:
    if report is None:
        return contextlib.nullcontext()
    try:
        torn = _torn(report)
        handle = open(report, "a", encoding="utf-8")  # noqa: SIM115 - appended: the lines of earlier runs are the state
        if torn:
            handle.write("\n")  # a killed run's torn last line ends here, not in the next record
        return handle
    except OSError as exc:
        raise HubError(f"cannot write the report {report}: {describe_os_error(exc)}") from None


def _torn(report: str) -> bool:
    """Whether the report's last line has no line break (a run killed while writing it)."""
    try:
        with open(report, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            return size > 0 and (handle.seek(size - 1), handle.read(1))[1] != b"\n"
    except FileNotFoundError:
        return False


def _write(report: IO[str] | None, outcome: RepoResult) -> None:
    if report is not None:
        report.write(json.dumps(outcome.record(), ensure_ascii=False) + "\n")
        report.flush()  # a run killed after this line does not redo the repository


class HubSession:
    """One run's client: reads, repairs and pushes one repository at a time, retrying 429s."""

    def __init__(self, options: HubOptions) -> None:
        self.options = options
        self.api = HfApi(endpoint=options.endpoint, token=options.token)
        self.user = self._whoami() if options.push else None

    def _whoami(self) -> str:
        """The account pushes are made as (asked once: the Hub rate-limits whoami strictly)."""
        try:
            return str(self._retrying(lambda: self.api.whoami(cache=True))["name"])
        except LocalTokenNotFoundError:
            raise HubError("--push needs a token: set HF_TOKEN or run `hf auth login`") from None
        except Exception as exc:  # a network error has no common base class across huggingface_hub versions
            raise HubError(f"cannot tell which account the token is: {describe(exc, self.options.token)}") from None

    def process(self, repo_id: str, settings: Settings) -> RepoResult:
        """One repository, start to end; every failure is its result's one-line reason."""
        try:
            return self._process(repo_id, settings)
        except RemoteEntryNotFoundError:
            return RepoResult(repo_id, "skipped", reason=f"no {CARD}")
        except CardError as exc:
            return RepoResult(repo_id, "error", reason=f"{CARD}: {exc}")
        except Exception as exc:  # one repository's fault, whatever raised it, must not stop the run
            return RepoResult(repo_id, "error", reason=describe(exc, self.options.token))

    def _process(self, repo_id: str, settings: Settings) -> RepoResult:
        revision, text = self._read_card(repo_id, settings.max_bytes)
        own = replace(settings, options=replace(settings.options, repo_id=repo_id))
        result = repair(text, own, path=repo_id)
        if result.error is not None:
            return RepoResult(repo_id, "error", revision, result, reason=f"{CARD}: {result.error}")
        if result.skipped:
            return RepoResult(repo_id, "skipped", revision, result, reason="not a model card")
        if not result.changed:
            return RepoResult(repo_id, "clean", revision, result)
        if self.options.push is None:
            return RepoResult(repo_id, "changed", revision, result)
        return self._push(repo_id, revision, result, own)

    def _read_card(self, repo_id: str, max_bytes: int | None) -> tuple[str, str]:
        """The current revision and the card's text at it."""
        info = self._retrying(lambda: self.api.model_info(repo_id, expand=["sha"]))
        if not info.sha:
            raise HubError("the Hub gave no revision for it")
        revision = info.sha
        path = self._retrying(lambda: self.api.hf_hub_download(
            repo_id, CARD, revision=revision, cache_dir=self.options.cache_dir, tqdm_class=silent_tqdm))
        return revision, card_text(Path(path).read_bytes(), max_bytes)

    def _push(self, repo_id: str, revision: str, result: Result, settings: Settings) -> RepoResult:
        earlier = self._open_pull_request(repo_id)
        if earlier is not None:
            return RepoResult(repo_id, "skipped", revision, result,
                              reason=f"pull request #{earlier} by {self.user} is already open")
        title, description = pr_title(result), pr_description(result, revision, settings)
        info = self._retrying(lambda: self.api.create_commit(
            repo_id, operations=[CommitOperationAdd(CARD, result.text.encode("utf-8"))], commit_message=title,
            commit_description=description, create_pr=self.options.push == "pr", parent_commit=revision))
        return RepoResult(repo_id, "pushed", revision, result, url=info.pr_url or info.commit_url)

    def _open_pull_request(self, repo_id: str) -> int | None:
        """The number of an open cardfix pull request this account made on the repository, if any."""
        discussions = self._retrying(lambda: list(self.api.get_repo_discussions(
            repo_id, author=self.user, discussion_type="pull_request", discussion_status="open")))
        # checked here too: the filters are the Hub's to honour
        return next((d.num for d in discussions if d.is_pull_request and d.status == "open"
                     and d.author == self.user and d.title.startswith(TITLE_PREFIX)), None)

    def _retrying(self, call: Callable[[], T]) -> T:
        """`call`, again after each 429 (waiting what Retry-After says, else exponentially), at most `retries`
        times: a rate limit slows the run down, it does not fail a repository."""
        for attempt in itertools.count():
            try:
                return call()
            except HfHubHTTPError as exc:
                if _status(exc) != 429 or attempt >= self.options.retries:
                    raise
                (self.options.sleep or pause)(self._wait(exc, attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, exc: HfHubHTTPError, attempt: int) -> float:
        given = _header(exc, "Retry-After")
        seconds = float(given) if given and given.strip().isascii() and given.strip().isdigit() \
            else self.options.backoff * 2**attempt  # (isdigit alone takes '²', which float refuses)
        return min(seconds, self.options.max_wait)


def pr_title(result: Result) -> str:
    """What changed, in a line: the rules that changed the card."""
    codes = sorted({f.code for f in result.findings if f.fixable})
    return f"{TITLE_PREFIX}repair the model card ({', '.join(codes) or 'formatting'})"


def pr_description(result: Result, revision: str, settings: Settings) -> str:
    """What changed and the evidence for each value (the findings, by rule), and that no model made it."""
    changed = [f for f in result.findings if f.fixable]
    noted = [f for f in result.findings if not f.fixable]
    parts = [f"Made by cardfix {__version__} without any model: deterministic "
             "rules that take every value from the card itself or from an option given to cardfix. Nothing was "
             "generated or guessed.",
             f"Read at revision `{revision}`. What changed, and the evidence for each value:", _bullets(changed)]
    if noted:
        parts += ["Also noted, not changed:", _bullets(noted)]
    given = _options_given(settings)
    if given:
        parts.append(f"Options given: {given}.")
    parts.append("`cardfix explain CODE` describes each rule.")
    return "\n\n".join(parts) + "\n"


def _bullets(findings: Iterable[Finding]) -> str:
    return "\n".join(f"- **{f.code}** ({f.name}){f', line {f.line}' if f.line else ''}: {f.message}"
                     for f in findings) or "- (no finding)"


def _options_given(settings: Settings) -> str:
    options = settings.options
    names = ("task", "dataset", "model_name", "base_model", "results_from", "placeholders")
    return ", ".join(f"`--{n.replace('_', '-')} {getattr(options, n)}`" for n in names if getattr(options, n))


def describe(exc: BaseException, token: str | None = None) -> str:
    """One line saying what went wrong, for stderr and the report; the token, if it were in it, is hidden."""
    status = _status(exc)
    if isinstance(exc, DisabledRepoError):
        text = f"disabled (HTTP {status})"
    elif isinstance(exc, GatedRepoError):
        text = f"gated: this account has not been granted access (HTTP {status})"
    elif isinstance(exc, RevisionNotFoundError):
        text = f"revision not found (HTTP {status})"
    elif isinstance(exc, RepositoryNotFoundError):
        text = f"not found, or private and this token has no access (HTTP {status})"
    elif isinstance(exc, HfHubHTTPError):
        text = _http_reason(status, exc)
    elif isinstance(exc, LocalEntryNotFoundError):
        text = f"could not download {CARD} (network or server error)"
    elif isinstance(exc, OSError) or type(exc).__module__.startswith(NETWORK_MODULES):
        text = f"network error: {type(exc).__name__}: {_first_line(exc)}"
    else:
        text = f"{type(exc).__name__}: {_first_line(exc)}"
    return _redact(text, token)


def _http_reason(status: int | None, exc: HfHubHTTPError) -> str:
    if status == 403:
        return "forbidden: this token may not read or write it (HTTP 403)"
    if status == 412:
        return "changed on the Hub while being repaired (HTTP 412); run again"
    if status == 429:
        return "rate limited, still after the retries (HTTP 429)"
    if status is not None and status >= 500:
        return f"server error (HTTP {status})"
    said = _text_line(getattr(exc, "server_message", None) or "")  # (a 400's text puts it after "Bad request:\n")
    return f"HTTP {status}: {_first_line(exc)}" + (f" {said}" if said else "")


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None)
    return code if isinstance(code, int) else None


def _header(exc: BaseException, name: str) -> str | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    value = headers.get(name) if headers is not None else None
    return value if isinstance(value, str) else None


def _first_line(exc: BaseException) -> str:
    return _text_line(str(exc)) or type(exc).__name__


def _text_line(text: str) -> str:
    """The first line of `text` that is not blank, stripped ('' if none)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _redact(text: str, token: str | None) -> str:
    for secret in {token, get_token()}:
        if secret:
            text = text.replace(secret, "***")
    return text
