"""Whole cards through the real CLI, each case a set of files in golden/:

- `NAME.in.md`  the card as read;
- `NAME.out.md` the repaired card `cardfix apply -` prints (absent: the card must come out unchanged);
- `NAME.diff`   the exact stdout of `cardfix diff -q golden/NAME.in.md` run from the repository root
                (present exactly when `NAME.out.md` is: an unchanged card has an empty diff);
- `NAME.args`   optional flags for every run;
- `NAME.exit`   optional: the card is an error, the file holds the exit code (2); such a case prints
                nothing on stdout, one `PATH: what is wrong` line on stderr, and has no .out.md or .diff.

Regenerate .out.md and .diff with CARDFIX_REGEN=1, then review `git diff golden/` by eye before committing.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from tests.clirun import invoke
from tests.conftest import GOLDEN, ROOT

CASES = sorted(p.name[: -len(".in.md")] for p in GOLDEN.glob("*.in.md"))
KINDS = (".in.md", ".out.md", ".diff", ".args", ".exit")
EXIT_ERROR = 2
REGEN = bool(os.environ.get("CARDFIX_REGEN"))


def _case_of(path: Path) -> tuple[str, str]:
    """(case name, kind) of a file in golden/; kind "" for a file of no known kind."""
    for kind in KINDS:
        if path.name.endswith(kind):
            return path.name[: -len(kind)], kind
    return path.name, ""


def test_every_golden_file_belongs_to_a_case() -> None:
    files = [p for p in GOLDEN.iterdir() if not p.name.startswith(".")]
    kinds = [(_case_of(p), p.name) for p in files]
    assert [name for (_, kind), name in kinds if not kind] == [], f"files of no known kind ({KINDS})"
    orphans = [name for (case, kind), name in kinds if kind != ".in.md" and case not in CASES]
    assert orphans == [], "files without their NAME.in.md"


@pytest.mark.parametrize("name", CASES)
def test_golden_case_files_agree(name: str) -> None:
    """An output and its diff come together; an error case has neither and declares exit code 2."""
    out, diff, exit_file = (GOLDEN / f"{name}{kind}" for kind in (".out.md", ".diff", ".exit"))
    assert out.exists() == diff.exists(), f"{name}: a .out.md needs its .diff and a .diff its .out.md"
    if exit_file.exists():
        assert exit_file.read_text().strip() == str(EXIT_ERROR), f"{name}.exit: only an error code belongs here"
        assert not out.exists(), f"{name}: an error case has no .out.md or .diff"
    if out.exists():
        assert out.read_bytes() != (GOLDEN / f"{name}.in.md").read_bytes(), f"{name}.out.md equals its input"
        assert diff.read_bytes(), f"{name}.diff is empty"


def _args(name: str) -> list[str]:
    args_path = GOLDEN / f"{name}.args"
    return shlex.split(args_path.read_text()) if args_path.exists() else []


def _expected_exit(name: str) -> int | None:
    exit_path = GOLDEN / f"{name}.exit"
    return int(exit_path.read_text()) if exit_path.exists() else None


def _regen(path: Path, content: bytes) -> None:
    """Write `content` to `path`, or remove `path` when there is nothing to write."""
    if content:
        path.write_bytes(content)
    else:
        path.unlink(missing_ok=True)


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # From the repository root, with a relative path: the diff headers read a/golden/NAME.in.md
    # wherever the repository is checked out.
    monkeypatch.chdir(ROOT)
    relative = f"golden/{name}.in.md"
    args, data = _args(name), (GOLDEN / f"{name}.in.md").read_bytes()
    if _expected_exit(name) is not None:
        _check_error_case(name, args, data, relative)
        return
    expected_path, diff_path = GOLDEN / f"{name}.out.md", GOLDEN / f"{name}.diff"

    code, out, err = invoke("apply", "-q", *args, "-", stdin=data)
    assert code in (0, 1), err
    if REGEN:
        _regen(expected_path, out if out != data else b"")
    expected = expected_path.read_bytes() if expected_path.exists() else data
    assert out == expected
    assert code == (1 if expected != data else 0)

    code, diff_out, err = invoke("diff", "-q", *args, relative)
    assert code in (0, 1), err
    if REGEN:
        _regen(diff_path, diff_out)
    expected_diff = diff_path.read_bytes() if diff_path.exists() else b""
    assert diff_out == expected_diff
    assert code == (1 if expected != data else 0)
    if expected != data:
        assert diff_out.startswith(f"--- a/{relative}\n+++ b/{relative}\n".encode())

    code, again, _ = invoke("apply", "-q", *args, "-", stdin=expected)
    assert (code, again) == (0, expected), "a second run must change nothing"


def _check_error_case(name: str, args: list[str], data: bytes, relative: str) -> None:
    """A card cardfix cannot read: the declared exit code, one line on stderr naming the card, nothing on
    stdout (check prints it as a CF000 error row, as every other finding), and no expected output files."""
    if REGEN:
        for kind in (".out.md", ".diff"):
            (GOLDEN / f"{name}{kind}").unlink(missing_ok=True)
    for command, path, stdin in (("apply", "-", data), ("diff", relative, None), ("check", relative, None)):
        code, out, err = invoke(command, "-q", *args, path, stdin=stdin)
        assert code == _expected_exit(name), (command, err)
        if command == "check":
            assert out.decode().startswith(f"{path}: CF000 ") and out.count(b"\n") == 1, out
        else:
            assert out == b"", command
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{path}: "), (command, err)
        assert "Traceback" not in err
