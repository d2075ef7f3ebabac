"""Whole cards through the real CLI: golden/NAME.in.md -> NAME.out.md (absent: must stay unchanged).

Regenerate with CARDFIX_REGEN=1, then review `git diff golden/` by eye before committing.
"""

from __future__ import annotations

import os
import shlex

import pytest

from cardfix.diffs import unified_diff
from tests.clirun import invoke
from tests.conftest import GOLDEN

CASES = sorted(p.name[: -len(".in.md")] for p in GOLDEN.glob("*.in.md"))


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str) -> None:
    source = GOLDEN / f"{name}.in.md"
    expected_path = GOLDEN / f"{name}.out.md"
    args_path = GOLDEN / f"{name}.args"
    args = shlex.split(args_path.read_text()) if args_path.exists() else []
    data = source.read_bytes()

    code, out, err = invoke("apply", "-q", *args, "-", stdin=data)
    assert code in (0, 1), err
    if os.environ.get("CARDFIX_REGEN"):
        if out != data:
            expected_path.write_bytes(out)
        else:
            expected_path.unlink(missing_ok=True)
    expected = expected_path.read_bytes() if expected_path.exists() else data
    assert out == expected
    assert code == (1 if expected != data else 0)

    code, diff_out, _ = invoke("diff", "-q", *args, str(source))
    assert diff_out.decode() == unified_diff(data.decode(), expected.decode(), str(source))
    assert code == (1 if expected != data else 0)

    code, again, _ = invoke("apply", "-q", *args, "-", stdin=expected)
    assert (code, again) == (0, expected), "a second run must change nothing"
