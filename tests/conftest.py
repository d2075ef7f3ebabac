from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from cardfix.edits import Finding

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GOLDEN = ROOT / "golden"
COMPILED_BUILD = pytest.StashKey[Any]()  # test_compiled's build, started when the tests are collected
COMPILED_TEST = "test_compiled.py"

# The compiled build runs on the second core beside the tests (below): a time limit per generated example
# would make them fail on a busy machine, not on a bug.
settings.register_profile("cardfix", deadline=None)
settings.load_profile("cardfix")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The compiled build's test runs last, so its build (about two minutes of gcc on one core) runs beside
    the other tests (2 cores), not before it."""
    items.sort(key=lambda item: item.path.name == COMPILED_TEST)  # (stable: the order is kept otherwise)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly or not any(item.path.name == COMPILED_TEST for item in session.items):
        return
    from tests.test_compiled import CompiledBuild, can_compile

    if can_compile():
        session.config.stash[COMPILED_BUILD] = CompiledBuild()


def pytest_sessionfinish(session: pytest.Session) -> None:
    build = session.config.stash.get(COMPILED_BUILD, None)
    if build is not None:
        build.stop()


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def corpus_files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).glob("*.md"))


def all_corpus_cards() -> list[Path]:
    """Every card of the corpus (seeds and bulk), checked against bulk/MANIFEST.tsv: none is missing."""
    files = corpus_files("seeds") + corpus_files("bulk")
    listed = [line.split("\t")[0] for line in (CORPUS / "bulk" / "MANIFEST.tsv").read_text().splitlines()[1:]]
    assert listed and set(listed) <= {p.name for p in corpus_files("bulk")}, "the corpus must really be there"
    return files


_skip_without_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


def needs_corpus(test: T) -> T:
    """A test over ../shared/corpus: skipped where it is absent, and marked `corpus` (slow: mutation
    testing runs `-m "not corpus"`, the regression suite runs them all)."""
    return pytest.mark.corpus(_skip_without_corpus(test))  # type: ignore[no-any-return]


SECTION_RE = re.compile(r"^section '(?P<title>[^']+)'")


def points_at_input(lines: list[str], finding: Finding) -> bool:
    """A finding's line is a line of the card as read; where the message names what it is about (a
    section, the fine-tuned-from link), that line holds it, whatever earlier fixes moved."""
    if finding.line is None:
        return True
    if not 1 <= finding.line <= len(lines):
        return False
    line = lines[finding.line - 1]
    section = SECTION_RE.match(finding.message)
    if section:
        return line.lstrip("#").strip() == section["title"]
    if finding.code == "CF101":
        return "fine-tuned version of [" in line
    return True
