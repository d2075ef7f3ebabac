from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GOLDEN = ROOT / "golden"


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def corpus_files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).glob("*.md"))


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
