"""The compiled build (mypyc, `HATCH_BUILD_HOOK_ENABLE_MYPYC=1`): built as a user builds it, installed in a fresh
virtualenv, it gives every output the source gives, byte for byte, on the golden cards, the examples and the
corpus; and building it leaves no compiled file in the tree (where it would shadow the sources)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import CORPUS, GOLDEN, ROOT, all_corpus_cards
from tests.outputs import outputs

HEADERS = Path(sysconfig.get_paths()["include"]) / "Python.h"


def _tree_binaries() -> set[Path]:
    return {p for p in (ROOT / "cardfix").rglob("*") if p.suffix in (".so", ".pyd", ".c")} | set(ROOT.glob("*__mypyc*"))


@pytest.mark.skipif(shutil.which("gcc") is None or not HEADERS.exists(), reason="no C compiler or Python headers")
def test_the_compiled_build_gives_the_outputs_of_the_source(tmp_path: Path) -> None:
    before = _tree_binaries()
    dist = tmp_path / "dist"
    env = {**os.environ, "HATCH_BUILD_HOOK_ENABLE_MYPYC": "1"}
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], env=env, check=True,
                   capture_output=True)  # the sdist first, the wheel from it: the tree is not built in
    assert _tree_binaries() == before
    wheel = next(dist.glob("cardfix-*.whl"))
    assert not wheel.name.endswith("-none-any.whl"), "the build hook did not run"
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True)
    python = str(env_dir / "bin" / "python")
    where = subprocess.run([python, "-I", "-c", "import cardfix.engine as e; print(e.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert where.strip().endswith(".so"), where  # the compiled modules are the ones that run

    cards = sorted(GOLDEN.glob("*.in.md")) + sorted((ROOT / "examples").rglob("*.md"))
    cards += all_corpus_cards() if CORPUS.is_dir() else []
    paths = [str(p) for p in cards]
    ran = subprocess.run([python, "-I", str(ROOT / "tests" / "outputs.py"), *paths], cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    compiled = json.loads(ran.stdout)
    source = json.loads(json.dumps(outputs(paths)))
    assert len(compiled) == len(source) > 3 * 100
    differ = [(s[0], s[1:], c[1:]) for s, c in zip(source, compiled) if s != c]
    assert not differ, differ[:3]
