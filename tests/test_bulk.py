"""Bulk runs: --jobs gives the same output as one process, reports, configuration, the Python API."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cardfix
from cardfix.bulk import CHUNK, IN_FLIGHT, process
from cardfix.files import Target, discover
from cardfix.options import Options
from cardfix.settings import Settings as RunSettings
from tests.clirun import invoke
from tests.conftest import ROOT, corpus_files, needs_corpus

CARDS = 160
assert CARDS > 2 * CHUNK


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """160 repositories side by side (more than the 2 chunks below which a run stays in one process),
    two of them bad."""
    root = tmp_path_factory.mktemp("hub")
    # golden cards that read (a `.exit` file marks one that is an error on purpose)
    sources = [p for p in sorted((ROOT / "golden").glob("*.in.md"))
               if not p.with_name(p.name.replace(".in.md", ".exit")).exists()]
    for i in range(CARDS):
        repo = root / f"org{i % 3}" / f"model-{i:03d}"
        repo.mkdir(parents=True)
        shutil.copy(sources[i % len(sources)], repo / "README.md")
    (root / "org0" / "model-000" / "README.md").write_bytes(b"---\nkey: [broken\n---\n")
    (root / "org1" / "model-001" / "README.md").write_bytes(b"\xff\xfe binary\x00")
    return root


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cardfix", *args], capture_output=True, text=True)


@pytest.mark.parametrize("command", ["diff", "check"])
def test_jobs_2_prints_exactly_what_jobs_1_prints(tree: Path, command: str) -> None:
    one, two = _run(command, "-q", "--jobs", "1", str(tree)), _run(command, "-q", "--jobs", "2", str(tree))
    assert one.returncode == two.returncode == 2  # two bad cards
    assert one.stdout == two.stdout and one.stdout
    assert one.stderr == two.stderr
    assert one.stderr.count("\n") == 2 and "Traceback" not in one.stderr


def test_apply_in_place_with_jobs_and_a_report(tree: Path, tmp_path: Path) -> None:
    work = tmp_path / "hub"
    shutil.copytree(tree, work)
    report = tmp_path / "report.jsonl"
    proc = _run("apply", "--in-place", "--jobs", "2", "--report", str(report), str(work))
    assert proc.returncode == 2
    assert f"{CARDS} cards" in proc.stderr and "2 errors" in proc.stderr and "cards/s" in proc.stderr
    rows = [json.loads(line) for line in report.read_text().splitlines()]
    assert len(rows) == CARDS
    assert sum(1 for r in rows if r["error"]) == 2
    assert {"path", "changed", "skipped", "error", "findings"} == set(rows[0])
    assert (work / "org0" / "model-000" / "README.md").read_bytes() == b"---\nkey: [broken\n---\n"
    again = _run("diff", "-q", "--jobs", "2", str(work))
    assert again.stdout == "", "a second run over repaired cards changes nothing"


def test_exit_zero_even_if_changed(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\ntags: [generated_from_trainer]\n---\n"
                    "This model is a fine-tuned version of [gpt2](https://huggingface.co/gpt2) on x.\n")
    assert invoke("apply", "-i", "--exit-zero-even-if-changed", str(card))[0] == 0
    assert "base_model: gpt2" in card.read_text()


def test_configuration_is_found_upward_and_validated(tmp_path: Path) -> None:
    repo = tmp_path / "org" / "model"
    repo.mkdir(parents=True)
    card = repo / "README.md"
    card.write_text((ROOT / "golden" / "trainer-unknown-dataset.in.md").read_text())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cardfix]\nselect = ["CF201"]\n'
        '[tool.cardfix.rules.CF201]\nunknown_dataset = {type = "n/a", name = "n/a"}\n')
    code, out, _ = invoke("diff", "-q", str(card))
    assert code == 1
    assert "+      type: n/a" in out.decode() and "base_model" not in out.decode()
    (tmp_path / ".cardfix.toml").write_text('select = ["CF101"]\n')
    (repo / ".cardfix.toml").write_text('selekt = ["CF101"]\n')
    code, _, err = invoke("diff", str(card))
    assert code == 2 and "unknown key 'selekt'" in err and ".cardfix.toml" in err
    (repo / ".cardfix.toml").write_text('[rules.CF201]\nresults_from = "everything"\n')
    code, _, err = invoke("diff", str(card))
    assert code == 2 and "results_from" in err and "must be one of" in err
    code, out, _ = invoke("diff", "-q", "--config", str(tmp_path / ".cardfix.toml"), str(card))
    assert code == 1 and "+base_model" in out.decode() and "+  results:" not in out.decode()
    # An empty --config names no file: it searched upward instead, and took the bad file above.
    assert invoke("diff", "--config", "", str(card))[1:] == (b"", "cardfix: --config: an empty value names no file\n")


@pytest.mark.parametrize(("pyproject", "found"), [
    ('[tool]\ncardfix = {select = ["CF201"]}\n', "select"),  # an inline table
    ('tool.cardfix.select = ["CF201"]\n', "select"),  # a dotted key
    ("[tool]\ncardfix = 5\n", "tool.cardfix must be a table ([tool.cardfix])"),
    ('[tool.cardfix]\nselect = ["CF201"\n', "cannot read configuration"),  # no TOML
    ('tool.cardfix.select = ["CF201"\n', "cannot read configuration"),  # no TOML, a dotted key
])
def test_every_toml_spelling_of_tool_cardfix_is_the_configuration(tmp_path: Path, pyproject: str, found: str) -> None:
    card = tmp_path / "README.md"
    card.write_text((ROOT / "golden" / "trainer-unknown-dataset.in.md").read_text())
    (tmp_path / "pyproject.toml").write_text(pyproject)
    code, out, err = invoke("diff", "-q", str(card))
    if found == "select":  # only CF201 ran
        assert code == 1 and "+  results:" in out.decode() and "base_model" not in out.decode()
    else:
        assert code == 2 and err.count("\n") == 1 and f"pyproject.toml: {found}" in err
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["cardfix"]\n')  # names cardfix, no table
    assert "+base_model" in invoke("diff", "-q", str(card))[1].decode()


def test_exclude_globs_from_configuration(tree: Path, tmp_path: Path) -> None:
    config = tmp_path / "cfg.toml"
    config.write_text('exclude = ["org0", "org1"]\n')
    code, _, err = invoke("check", "--config", str(config), str(tree))
    assert code == 1 and f"{CARDS // 3} cards" in err  # org2 only


def test_python_api_for_bulk_scripts(tree: Path, tmp_path: Path) -> None:
    work = tmp_path / "hub"
    shutil.copytree(tree, work)
    results = list(cardfix.repair_many([work], jobs=2, in_place=True))
    assert len(results) == CARDS
    assert [r.path for r in results] == sorted(r.path for r in results)
    assert sum(1 for r in results if r.error) == 2
    assert all(not r.changed for r in cardfix.repair_many([work], jobs=2))
    single = cardfix.repair_file(work / "org2" / "model-002" / "README.md")
    assert single.ok and not single.changed


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    main = next(h for h in hooks if h["id"] == "cardfix")
    assert main["entry"].startswith("cardfix apply --in-place") and main["language"] == "python"
    assert main["files"] == r"(^|/)README\.md$"


@needs_corpus
def test_bulk_corpus_through_the_cli_in_parallel() -> None:
    files = [str(p) for p in corpus_files("bulk")]
    proc = _run("check", "--jobs", "2", "--format", "json", *files)
    assert proc.returncode == 1
    rows = json.loads(proc.stdout)
    with_findings = {f for f in files if cardfix.repair(Path(f).read_bytes().decode("utf-8")).findings}
    assert {r["path"] for r in rows} == with_findings
    assert f"{len(files)} cards" in proc.stderr and "0 errors" in proc.stderr


def test_an_unwritable_report_is_a_one_line_error(tmp_path: Path) -> None:
    code, out, err = invoke("check", "--report", str(tmp_path / "missing" / "r.jsonl"), str(ROOT / "examples"))
    assert (code, out) == (2, b"")
    assert err.startswith("cardfix: cannot write the report ") and err.count("\n") == 1


def test_discovery_walks_in_sorted_path_order_and_names_each_card_once(tmp_path: Path) -> None:
    for folder in ["a", "a/b", "a-c", "a/B", "a/b/c", "z", ".hidden", "a/.git", "empty/sub"]:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    cards = [tmp_path / f / "README.md" for f in ["a", "a/b", "a-c", "a/B", "a/b/c", "z", ".hidden", "a/.git"]]
    for card in cards:
        card.write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a")  # a symlinked directory is not followed
    found = [t.path for t in discover([str(tmp_path)])]
    visible = [str(c) for c in cards if "/." not in str(c.relative_to(tmp_path.parent))]
    assert found == sorted(visible)  # "a-c/..." before "a/...", as the paths sort
    # PATHs in the order given; a card inside a named directory or named itself comes once, in its turn
    named = [str(tmp_path / "z"), str(tmp_path), str(tmp_path / "a" / "b"), str(cards[0]), str(tmp_path / "z")]
    found = [t.path for t in discover(named)]
    assert sorted(found) == sorted(visible) and len(found) == len(set(found))
    assert found[0] == str(cards[5]) and found[-1] == str(cards[0])
    empty = list(discover([str(tmp_path / "empty")]))
    assert [t.error for t in empty] == ["no README.md found in this directory"]


def test_a_bulk_run_streams_its_targets() -> None:
    """process() reads the targets only a few chunks ahead of the results it hands out."""
    pulled = 0

    def targets() -> Iterator[Target]:
        nonlocal pulled
        for i in range(100 * CHUNK):  # finite, so a process() that reads them all fails rather than hangs
            pulled += 1
            yield Target(f"card{i}", "unreadable")  # no file needed: the worker reports the error

    for jobs in (1, 2):
        pulled = 0
        results = process(targets(), RunSettings((), Options(), None, jobs=jobs), keep_text=False)
        first = [r.path for r in itertools.islice(results, 10 * CHUNK)]
        results.close()  # type: ignore[attr-defined]
        assert first == [f"card{i}" for i in range(10 * CHUNK)]
        assert pulled <= 10 * CHUNK + (IN_FLIGHT * jobs + 2) * CHUNK


names = st.text(alphabet="aZ-_.0~ é", min_size=1, max_size=3).filter(lambda n: n not in (".", ".."))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(names, min_size=1, max_size=3), min_size=1, max_size=12))
def test_a_walk_yields_every_visible_card_in_sorted_path_order(tmp_path: Path, folders: list[list[str]]) -> None:
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    for parts in folders:
        folder = root.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "README.md").write_text("x")
    expected = sorted(str(p) for p in root.rglob("README.md")
                      if not any(part.startswith(".") for part in p.relative_to(root).parts[:-1]))
    found = list(discover([str(root)]))
    if expected:
        assert [t.path for t in found] == expected and not any(t.error for t in found)
    else:  # every card under a hidden directory
        assert [t.error for t in found] == ["no README.md found in this directory"]
