"""Hub mode against a local stand-in for the Hub (tests/hubserver.py), through the real huggingface_hub client."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from huggingface_hub import constants

from cardfix import api
from cardfix import hub as hubmode
from cardfix.api import Options
from cardfix.version import __version__
from tests.clirun import invoke
from tests.conftest import ROOT
from tests.hubserver import DISABLED_MESSAGE, FakeHub, Fault

TOKEN = "hf_TestTokenNeverShown0123456789"
CARD = (ROOT / "examples" / "missing-base-model" / "README.md").read_bytes()  # CF101 + CF103 fix it
CRLF_CARD = (ROOT / "examples" / "unknown-dataset-crlf" / "README.md").read_bytes()
CLEAN = b"---\nlicense: mit\n---\n# A model\n\nWritten by its author.\n"
SELF_LINKED = CARD.replace(b"[distilbert-base-uncased](https://huggingface.co/distilbert-base-uncased)",
                           b"[acme/self](https://huggingface.co/acme/self)")


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    """The fake Hub, with huggingface_hub pointed at it (its constants are read at import: patched here)."""
    server = FakeHub(token=TOKEN).start()
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    resolve = constants.HUGGINGFACE_CO_URL_TEMPLATE.replace(constants.ENDPOINT, server.url, 1)  # files are read here
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", resolve)
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(tmp_path / "agent-harnesses.json"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.chdir(tmp_path)  # no configuration file of this repository applies
    yield server
    server.stop()
    assert server.unknown == [], "the client called endpoints the fake Hub does not serve"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff's sleeps, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(hubmode, "pause", slept.append)
    return slept


def repaired(card: bytes, repo_id: str) -> bytes:
    return api.repair(card.decode("utf-8"), options=Options(repo_id=repo_id)).text.encode("utf-8")


def report_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_dry_run_prints_the_diff_and_pushes_nothing(hub: FakeHub) -> None:
    hub.add("acme/a", CARD)
    hub.add("acme/clean", CLEAN)
    code, out, err = invoke("hub", "acme/a", "acme/clean")
    assert code == 1
    assert out.decode() == api.unified_diff(CARD.decode(), repaired(CARD, "acme/a").decode(), "acme/a/README.md")
    assert hub.commits == [] and "1 changed, 1 clean, 0 errors" in err
    assert invoke("hub", "acme/clean")[:2] == (0, b"")
    code, out, _ = invoke("hub", "acme/a", "--select", "CF103")  # the rule options of the other commands apply
    assert code == 1 and b"+library_name: transformers" in out and b"base_model" not in out


def test_pull_request_carries_the_repaired_bytes_parent_title_and_evidence(hub: FakeHub) -> None:
    crlf = hub.add("acme/crlf", CRLF_CARD)
    a = hub.add("acme/a", CARD)
    read_at = {"acme/a": a.sha, "acme/crlf": crlf.sha}
    code, out, err = invoke("hub", "acme/a", "acme/crlf", "--push", "pr", "--dataset", "emotion")
    assert (code, out) == (1, b"")
    assert [c.repo_id for c in hub.commits] == ["acme/a", "acme/crlf"]
    for commit in hub.commits:
        expected = api.repair(hub.repos[commit.repo_id].files["README.md"].decode(),
                              options=Options(repo_id=commit.repo_id, dataset="emotion"))
        assert commit.files == {"README.md": expected.text.encode("utf-8")}  # byte for byte, CRLF kept
        assert commit.create_pr and commit.parent_commit == read_at[commit.repo_id]
        fixed = sorted({f.code for f in expected.findings if f.fixable})
        assert commit.summary == f"cardfix: repair the model card ({', '.join(fixed)})"
        assert all(f"**{f.code}** ({f.name})" in commit.description and f.message in commit.description
                   for f in expected.findings)
        assert f"cardfix {__version__} without any model" in commit.description
        assert "`--dataset emotion`" in commit.description and read_at[commit.repo_id] in commit.description
    assert b"\r\n" in hub.commits[1].files["README.md"]
    assert f"acme/a: opened {hub.url}/acme/a/discussions/1" in err.splitlines()


def test_push_commit_commits_to_the_branch_and_a_rerun_finds_it_clean(hub: FakeHub) -> None:
    repo = hub.add("acme/a", CARD)
    parent = repo.sha
    assert invoke("hub", "acme/a", "--push", "commit")[0] == 1
    (commit,) = hub.commits
    assert not commit.create_pr and commit.parent_commit == parent
    assert repo.files["README.md"] == repaired(CARD, "acme/a") and repo.sha != parent
    assert invoke("hub", "acme/a", "--push", "commit")[0] == 0 and len(hub.commits) == 1


def test_an_open_cardfix_pr_by_the_same_account_is_never_doubled(hub: FakeHub) -> None:
    hub.add("acme/mine", CARD)
    hub.open_pr("acme/mine", "cardfix: repair the model card (CF101)")
    for repo_id, title, author, status in [("acme/other-author", "cardfix: repair", "someone", "open"),
                                           ("acme/closed", "cardfix: repair", None, "closed"),
                                           ("acme/other-title", "Update README.md", None, "open")]:
        hub.add(repo_id, CARD)
        hub.open_pr(repo_id, title, author, status)
    code, _, err = invoke("hub", "acme/mine", "acme/other-author", "acme/closed", "acme/other-title", "--push", "pr")
    assert code == 1
    assert "acme/mine: skipped: pull request #1 by cardfix-bot is already open" in err.splitlines()
    assert sorted(c.repo_id for c in hub.commits) == ["acme/closed", "acme/other-author", "acme/other-title"]


def test_the_repository_is_never_its_own_base_model(hub: FakeHub) -> None:
    hub.add("acme/self", SELF_LINKED)
    code, out, _ = invoke("hub", "acme/self")
    assert code == 1 and b"+library_name: transformers" in out and b"base_model" not in out


def test_a_rerun_skips_what_the_report_records_as_done(hub: FakeHub, tmp_path: Path) -> None:
    for name in ("pushed", "clean", "skipped", "failed", "dry", "new"):
        hub.add(f"acme/{name}", CARD)
    report = tmp_path / "run.jsonl"
    earlier = [{"repo_id": "acme/pushed", "status": "pushed"}, {"repo_id": "acme/clean", "status": "clean"},
               {"repo_id": "acme/skipped", "status": "skipped"}, {"repo_id": "acme/failed", "status": "error"},
               {"repo_id": "acme/dry", "status": "changed"}]
    report.write_text("".join(json.dumps(r) + "\n" for r in earlier) + '{"repo_id": "acme/new", "sta')  # torn by a kill
    code, _, err = invoke("hub", "--author", "acme", "--push", "pr", "--report", str(report))
    assert code == 1 and "3 already done" in err
    assert sorted(c.repo_id for c in hub.commits) == ["acme/dry", "acme/failed", "acme/new"]
    assert all(hub.calls(f"acme/{name}") == 0 for name in ("pushed", "clean", "skipped"))
    assert report.read_text().startswith(json.dumps(earlier[0]))  # appended: the earlier state stays
    assert invoke("hub", "--author", "acme", "--push", "pr", "--report", str(report))[0] == 0
    assert len(hub.commits) == 3


def test_a_killed_run_resumes_without_redoing_or_doubling(hub: FakeHub, tmp_path: Path) -> None:
    hub.add("acme/a", CARD)
    hub.add("acme/b", CARD, Fault(200, times=1, hang=True))  # the run is killed while it waits here
    hub.add("acme/c", CARD)
    report = tmp_path / "run.jsonl"
    process = _cardfix(hub, "hub", "acme/a", "acme/b", "acme/c", "--push", "pr", "--report", str(report))
    _until(lambda: hub.calls("acme/b") > 0)
    process.kill()
    process.wait()
    hub.released.set()
    assert [r["repo_id"] for r in report_lines(report)] == ["acme/a"]
    code, _, err = invoke("hub", "acme/a", "acme/b", "acme/c", "--push", "pr", "--report", str(report))
    assert code == 1 and "1 already done" in err
    assert [c.repo_id for c in hub.commits] == ["acme/a", "acme/b", "acme/c"]
    assert [r["status"] for r in report_lines(report)] == ["pushed"] * 3


def test_429_backs_off_and_goes_on(hub: FakeHub, waits: list[float]) -> None:
    hub.add("acme/limited", CARD, Fault(429, times=2, retry_after=3))
    hub.add("acme/long", CARD, Fault(429, times=1, retry_after=999))
    hub.add("acme/always", CARD, Fault(429))
    hub.add("acme/after", CARD)
    code, _, err = invoke("hub", "acme/limited", "acme/long", "acme/always", "acme/after", "--push", "pr")
    assert code == 2
    assert waits == [3, 3, 60, 1, 2, 4, 8, 16]  # Retry-After, bounded; then exponential, bounded in number
    assert [c.repo_id for c in hub.commits] == ["acme/limited", "acme/long", "acme/after"]
    assert "acme/always: rate limited, still after the retries (HTTP 429)" in err.splitlines()


FAULTS = {
    "acme/private": (Fault(401, error_code="RepoNotFound", message="Invalid username or password."),
                     "not found, or private and this token has no access (HTTP 401)"),
    "acme/gated": (Fault(403, error_code="GatedRepo", message="Access to model acme/gated is restricted.",
                         only="resolve"), "gated: this account has not been granted access (HTTP 403)"),
    "acme/forbidden": (Fault(403), "forbidden: this token may not read or write it (HTTP 403)"),
    "acme/disabled": (Fault(410, message=DISABLED_MESSAGE), "disabled (HTTP 410)"),
    "acme/broken": (Fault(500), "server error (HTTP 500)"),
    "acme/refused": (Fault(400, message="README.md: invalid YAML front matter"),
                     "HTTP 400: Bad request: README.md: invalid YAML front matter"),
    "acme/unreachable": (Fault(0), "network error: RemoteProtocolError: Server disconnected without sending a "
                                   "response."),
}


def test_each_fault_is_one_line_on_stderr_and_in_the_report_and_the_run_goes_on(
        hub: FakeHub, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    for repo_id, (fault, _) in FAULTS.items():
        hub.add(repo_id, CARD, fault)
    hub.add("acme/empty", None)
    hub.add("acme/fine", CARD)
    report = tmp_path / "run.jsonl"
    ids = [*FAULTS, "acme/missing", "acme/empty", "acme/fine"]
    code, out, err = invoke("hub", *ids, "--push", "pr", "--report", str(report))
    assert (code, out) == (2, b"")
    expected = {**{r: why for r, (_, why) in FAULTS.items()},
                "acme/missing": "not found, or private and this token has no access (HTTP 404)"}
    lines = err.splitlines()
    for repo_id, why in expected.items():
        assert [line for line in lines if line.startswith(f"{repo_id}:")] == [f"{repo_id}: {why}"]
    assert "acme/empty: skipped: no README.md" in lines
    records = {r["repo_id"]: r for r in report_lines(report)}
    assert list(records) == ids
    assert {r: records[r]["error"] for r in expected} == expected
    assert records["acme/fine"]["status"] == "pushed" and [c.repo_id for c in hub.commits] == ["acme/fine"]
    assert f"{len(FAULTS) + 1} errors" in err  # (and acme/missing)
    assert TOKEN not in out.decode() + err + report.read_text() + "".join(capfd.readouterr())


def test_max_prs_stops_after_n(hub: FakeHub) -> None:
    for name in "abc":
        hub.add(f"acme/{name}", CARD)
    code, _, err = invoke("hub", "--author", "acme", "--push", "pr", "--max-prs", "2")
    assert code == 1 and [c.repo_id for c in hub.commits] == ["acme/a", "acme/b"]
    assert hub.calls("acme/c") == 0 and "2 pushed" in err


def test_repositories_from_a_listing_and_a_file(hub: FakeHub, tmp_path: Path) -> None:
    for repo_id in ("acme/bert-x", "acme/gpt-y", "other/bert-z"):
        hub.add(repo_id, CLEAN)
    listed = tmp_path / "ids.txt"
    listed.write_text("# repositories\nother/bert-z\n\nacme/gpt-y\nacme/gpt-y\n")
    assert _infos_asked(hub, "--author", "acme") == ["acme/bert-x", "acme/gpt-y"]
    assert _infos_asked(hub, "--search", "bert") == ["acme/bert-x", "other/bert-z"]
    # the file's ids, then the listing (author and search: both must match); each repository once
    assert _infos_asked(hub, "--author", "acme", "--search", "bert", "--from", str(listed)) == [
        "other/bert-z", "acme/gpt-y", "acme/bert-x"]
    more = tmp_path / "more.txt"
    more.write_text("acme/bert-x\n")
    # --from again adds its file's ids, in the order given (it used to replace the first file)
    assert _infos_asked(hub, "--from", str(more), "--from", str(listed)) == [
        "acme/bert-x", "other/bert-z", "acme/gpt-y"]
    # A --from list given as --report too was appended to: each JSON line an "id" of the next run.
    before = listed.read_text()
    code, out, err = invoke("hub", "--from", str(more), "--from", str(listed), "--report", str(listed))
    assert (code, out) == (2, b"") and listed.read_text() == before
    assert err == f"cardfix: --report {listed} is one of the files this run reads (--from {listed}); name " \
                  "another file\n"


@pytest.fixture()
def client_log() -> Iterator[io.StringIO]:
    """What huggingface_hub's own log handler writes (to stderr, outside the CLI runner's capture)."""
    logger = logging.getLogger("huggingface_hub")
    level, streams = logger.level, [handler.setStream(io.StringIO()) for handler in logger.handlers]
    logger.setLevel(logging.WARNING)  # as a new process starts (another test's CLI run may have quieted it)
    yield logger.handlers[0].stream
    logger.setLevel(level)  # (setLevel, which also clears the levels its child loggers remember)
    for handler, stream in zip(logger.handlers, streams):
        handler.setStream(stream)


@pytest.mark.parametrize("verbosity", [None, "warning"])
def test_a_listing_that_fails_ends_in_one_line_and_the_clients_retries_say_nothing(
        hub: FakeHub, monkeypatch: pytest.MonkeyPatch, client_log: io.StringIO, verbosity: str | None) -> None:
    """huggingface_hub retries a listing (5 times, 23 s) and logs each retry with a handler of its own: quiet
    on the command line unless HF_HUB_VERBOSITY, the client's own setting, asks for its lines."""
    slept: list[float] = []
    monkeypatch.setattr("huggingface_hub.utils._http.time.sleep", slept.append)
    if verbosity:
        monkeypatch.setenv("HF_HUB_VERBOSITY", verbosity)
    hub.listing_status = 503
    code, _, err = invoke("hub", "--author", "acme")
    assert (code, err) == (2, "cardfix: cannot list the Hub's models: server error (HTTP 503)\n")
    assert len(slept) == 5  # the client's retries ran
    assert ("Retrying in 1s [Retry 1/5]." in client_log.getvalue()) == bool(verbosity)


def _infos_asked(hub: FakeHub, *args: str) -> list[str]:
    """The repositories whose model info a run asked for, in order."""
    hub.requests.clear()
    assert invoke("hub", *args)[0] == 0
    return [p.removeprefix("/api/models/") for m, p in hub.requests if p.startswith("/api/models/")]


def test_usage_errors(hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hub.add("acme/a", CARD)
    assert invoke("hub")[0] == 2
    assert invoke("hub", "acme/a", "--push", "maybe")[2] == "cardfix: --push: must be one of pr, commit, not 'maybe'\n"
    assert "needs a file" in invoke("hub", "acme/a", "--report", "-")[2]
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    code, _, err = invoke("hub", "acme/a", "--push", "pr")
    assert (code, err) == (2, "cardfix: --push needs a token: set HF_TOKEN or run `hf auth login`\n")
    assert hub.calls("acme/a") == 0


def test_hf_endpoint_is_honoured_by_a_real_process(hub: FakeHub, tmp_path: Path) -> None:
    hub.add("acme/a", CARD)
    process = _cardfix(hub, "hub", "acme/a", "--push", "pr", "--report", str(tmp_path / "r.jsonl"))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1 and [c.repo_id for c in hub.commits] == ["acme/a"]
    assert TOKEN not in out + err + (tmp_path / "r.jsonl").read_text()


def _cardfix(hub: FakeHub, *args: str) -> subprocess.Popen[str]:
    """The CLI in a process of its own: huggingface_hub reads HF_ENDPOINT and HF_TOKEN as it imports."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HOME": str(Path.cwd() / "hf-home"),
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "0"}
    return subprocess.Popen([sys.executable, "-m", "cardfix", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# Found by a fault-injection run: each was an internal error, several lines, a lost record or a hang.
def test_a_torn_last_line_of_the_report_does_not_swallow_the_next_record(hub: FakeHub, tmp_path: Path) -> None:
    hub.add("acme/clean", CLEAN)
    report = tmp_path / "run.jsonl"
    report.write_text('{"repo_id": "acme/x", "sta')  # a run killed while it wrote its last line
    assert invoke("hub", "acme/clean", "--report", str(report))[0] == 0
    assert json.loads(report.read_text().splitlines()[-1])["repo_id"] == "acme/clean"
    hub.requests.clear()
    assert invoke("hub", "acme/clean", "--report", str(report))[0] == 0 and hub.calls("acme/clean") == 0


def test_odd_ids_retry_after_and_files_are_one_line_each(hub: FakeHub, waits: list[float], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add("acme/a", CLEAN)
    hub.add("acme/odd", CLEAN, Fault(429, times=1, retry_after="\u00b2"))  # isdigit() is true, float() refuses
    listed = tmp_path / "ids.txt"
    listed.write_text("\ufeffacme/a\n", encoding="utf-8")  # a BOM, as some editors write
    code, _, err = invoke("hub", "--from", str(listed), "acme/odd", "acme/a\nevil: injected")
    lines = err.strip().splitlines()
    assert code == 2 and waits == [1] and lines[0].startswith("acme/a\\nevil: injected: ") and len(lines) == 2
    assert hub.calls("acme/a") > 0 and hub.calls("acme/odd") > 1  # the BOM was no part of the id
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for option in ("--from", "--report", "--config"):  # a FIFO would block the run
        code, _, err = invoke("hub", "acme/a", option, str(fifo))
        assert code == 2 and "not a regular file" in err and len(err.strip().splitlines()) == 1, option
    assert invoke("hub", "acme/a", "--from", "")[::2] == (2, "cardfix: --from: an empty value names no file\n")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"acme/caf\xe9\n")
    gone = tmp_path / "gone"
    assert [invoke("hub", "--from", str(p))[::2] for p in (latin, gone)] == [
        (2, f"cardfix: cannot read --from {latin}: not UTF-8 (invalid byte at offset 8)\n"),
        (2, f"cardfix: cannot read --from {gone}: no such file or directory\n")]
    assert invoke("hub", "acme/a", "--config", str(gone))[::2] == (
        2, f"cardfix: {gone}: cannot read configuration: no such file or directory\n")
    assert invoke("hub", "acme/a", "--report", str(tmp_path))[::2] == (
        2, f"cardfix: cannot read the report {tmp_path}: not a regular file\n")
    monkeypatch.setenv("HF_ENDPOINT", "http://[::1")
    assert invoke("hub", "acme/a")[2] == "cardfix: HF_ENDPOINT='http://[::1' cannot be used: Invalid IPv6 URL\n"
