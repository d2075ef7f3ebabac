"""The compiled build (mypyc, `HATCH_BUILD_HOOK_ENABLE_MYPYC=1`): built as a user builds it, installed in a fresh
virtualenv, it gives every output the source gives, byte for byte, on the golden cards, the examples and the
corpus; and building it leaves no compiled file in the tree (where it would shadow the sources)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardfix.bulk import CHUNK
from tests.clirun import invoke
from tests.conftest import COMPILED_BUILD, CORPUS, GOLDEN, ROOT, all_corpus_cards
from tests.outputs import outputs

HEADERS = Path(sysconfig.get_paths()["include"]) / "Python.h"
PICKLED = """
import copy, json, pickle, sys
from cardfix.api import repair, settings
from cardfix.options import Options
result = repair(open(sys.argv[1], encoding="utf-8").read())
chosen = settings()
values = {"result": result, "finding": result.findings[0], "options": Options(task="text-classification"),
          "settings": chosen, **{rule.code: rule for rule in chosen.rules}}
def outcome(how, value):
    try:
        return how(value) == value
    except Exception as exc:
        return type(exc).__name__
ways = (lambda v: pickle.loads(pickle.dumps(v)), copy.copy, copy.deepcopy)
print(json.dumps({name: [outcome(how, value) for how in ways] for name, value in values.items()}, sort_keys=True))
"""


def _tree_binaries() -> set[Path]:
    return {p for p in (ROOT / "cardfix").rglob("*") if p.suffix in (".so", ".pyd", ".c")} | set(ROOT.glob("*__mypyc*"))


def can_compile() -> bool:
    return shutil.which("gcc") is not None and HEADERS.exists()


class CompiledBuild:
    """The compiled wheel, built as a user builds it and installed in a fresh virtualenv, in a thread of its
    own. conftest starts it when the tests are collected and runs this test last: the build (about two
    minutes of gcc on one core) runs on the second core beside the other tests, not before this one."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cardfix-compiled-"))
        self.venv = self.root / "venv"
        self.before = _tree_binaries()
        self.wheel = Path()
        self._lock = threading.Lock()  # stop() and a step starting: one at a time, so no step escapes stop()
        self._process: subprocess.Popen[bytes] | None = None
        self._error: BaseException | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._build, daemon=True)
        self._thread.start()

    def python(self) -> str:
        """The virtualenv's interpreter, once the build is installed there (raises what the build raised)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return str(self.venv / "bin" / "python")

    def stop(self) -> None:
        """End the build (and its compilers) if it still runs, and remove its files."""
        with self._lock:
            self._stopped = True
            if self._process is not None and self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError):  # (it may end meanwhile)
                    os.killpg(self._process.pid, signal.SIGTERM)
        self._thread.join(timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    def _build(self) -> None:
        try:
            dist, scratch = self.root / "dist", self.root / "tmp"
            scratch.mkdir()  # the build's own temporary folders, removed with the rest even when it is killed
            env = {**os.environ, "HATCH_BUILD_HOOK_ENABLE_MYPYC": "1", "TMPDIR": str(scratch)}
            self._step([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], env)
            self.wheel = next(dist.glob("cardfix-*.whl"))
            self._step([sys.executable, "-m", "venv", str(self.venv)], None)
            self._step([str(self.venv / "bin" / "pip"), "install", "-q", str(self.wheel)], None)
        except BaseException as exc:  # raised in the test's thread, by python()
            self._error = exc

    def _step(self, command: list[str], env: dict[str, str] | None) -> None:
        with self._lock:
            if self._stopped:
                raise RuntimeError("the build was stopped")
            self._process = process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True)  # (a group: stop() ends its compilers too)
        output = process.communicate()[0]
        if process.returncode:
            raise RuntimeError(f"{command[:4]} exited {process.returncode}: "
                               f"{output[-3000:].decode(errors='replace')}")


@pytest.fixture
def compiled_build(request: pytest.FixtureRequest) -> Iterator[CompiledBuild]:
    """The build conftest started when the tests were collected, or one started now (stopped after)."""
    started = request.config.stash.get(COMPILED_BUILD, None)
    build = started or CompiledBuild()
    try:
        yield build
    finally:
        if started is None:
            build.stop()


@pytest.mark.skipif(not can_compile(), reason="no C compiler or Python headers")
def test_the_compiled_build_gives_the_outputs_of_the_source(compiled_build: CompiledBuild, tmp_path: Path) -> None:
    build = compiled_build
    python = build.python()
    assert _tree_binaries() == build.before  # the sdist first, the wheel from it: the tree is not built in
    assert not build.wheel.name.endswith("-none-any.whl"), "the build hook did not run"
    env_dir = build.venv
    where = subprocess.run([python, "-I", "-c", "import cardfix.engine as e; print(e.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert where.strip().endswith(".so"), where  # the compiled modules are the ones that run

    # Users' values pickle and copy as the sources' do (--jobs, a user's own pool): mypyc's frozen classes do not.
    card = next(p for p in sorted(GOLDEN.glob("*.in.md")) if "generated_from_trainer" in p.read_text())
    copies = [subprocess.run([interpreter, "-I", "-c", PICKLED, str(card)], cwd=tmp_path, capture_output=True,
                             text=True, check=True).stdout for interpreter in (python, sys.executable)]
    compiled_copies, source_copies = (json.loads(c) for c in copies)
    for name in ("result", "finding", "options"):  # what --jobs and a user's pool send: pickled and copied
        assert compiled_copies[name] == source_copies[name] == [True, True, True], name
    # Settings and rules are copied (a rule's parameters hold compiled functions: neither build pickles every
    # rule, and the compiled one deep-copies none, which the README says).
    assert all(compiled[1] is True for compiled in compiled_copies.values()), compiled_copies
    folder = tmp_path / "cards"  # enough cards that --jobs 2 hands chunks to 2 worker processes
    inputs = sorted(GOLDEN.glob("*.in.md"))
    for i in range(2 * CHUNK + 10):
        (folder / f"m{i:03d}").mkdir(parents=True)
        (folder / f"m{i:03d}" / "README.md").write_bytes(inputs[i % len(inputs)].read_bytes())
    jobs = subprocess.run([str(env_dir / "bin" / "cardfix"), "check", "--jobs", "2", str(folder)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    expected = invoke("check", "--jobs", "2", str(folder))
    assert (jobs.returncode, jobs.stdout) == (expected[0], expected[1].decode()), jobs.stderr[-2000:]

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
