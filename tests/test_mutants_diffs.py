"""Unified diffs (tests written to kill surviving mutants): context, line endings, and diffs that apply."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from cardfix.card import LINE_RE
from cardfix.diffs import NO_NEWLINE, split_lines, unified_diff

HUNK = regex.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _patch(before: str, diff: str) -> str:
    """`before` with the diff applied, checking every context and removed line against it."""
    old, pos = split_lines(before), 0
    out: list[str] = []
    lines = LINE_RE.findall(diff)[2:]  # after the --- and +++ headers
    for i, line in enumerate(lines):
        if line == NO_NEWLINE:
            continue
        text = line[1:-1] if i + 1 < len(lines) and lines[i + 1] == NO_NEWLINE else line[1:]
        hunk = HUNK.match(line)
        if hunk:
            start = int(hunk[1]) - (hunk[2] != "0")  # a hunk of no old lines names the line before it
            out, pos = out + old[pos:start], start
        elif line[0] == "+":
            out.append(text)
        else:
            assert old[pos] == text, (pos, text)
            out, pos = out + ([text] if line[0] == " " else []), pos + 1
    return "".join(out + old[pos:])


def test_only_cr_lf_and_crlf_end_a_line() -> None:
    text = "a\x0bb\x0cc\x1cd\x85e\u2028f\r\ng\rh\ni"
    assert split_lines(text) == ["a\x0bb\x0cc\x1cd\x85e\u2028f\r\n", "g\r", "h\n", "i"]
    assert unified_diff("x\x0cy\nz\n", "x\x0cY\nz\n", "README.md") == (
        "--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n-x\x0cy\n+x\x0cY\n z\n")


def test_the_diff_keeps_three_lines_of_context() -> None:
    before = "".join(f"line {i}\n" for i in range(1, 21))
    after = before.replace("line 10\n", "line ten\n")
    assert unified_diff(before, after, "README.md") == (
        "--- a/README.md\n+++ b/README.md\n@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n"
        " line 11\n line 12\n line 13\n")


def test_a_last_line_without_a_newline_is_marked_on_both_sides() -> None:
    assert unified_diff("a\nb", "a\nc", "README.md") == (
        f"--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n a\n-b\n{NO_NEWLINE}+c\n{NO_NEWLINE}")


def test_an_absolute_path_is_written_as_git_writes_it() -> None:
    assert unified_diff("a\n", "b\n", "/XLM/README.md").startswith("--- a/XLM/README.md\n+++ b/XLM/README.md\n")


# Lines the same at both ends of the two texts are left out of the matching; these pairs have ends that
# only look alike read in another order (reversed, or every other line).
TRICKY = [
    ("1\n2\n3\n4\n5\n6\n7\n8\n", "8\n7\n6\n5\n4\n3\n2\n1\n"),
    ("E\nD\nC\nB\nA\n", "E\nq\nD\nq\nC\nq\nB\nq\nA\n"),
    ("E\nq\nD\nq\nC\nq\nB\nq\nA\n", "E\nD\nC\nB\nA\n"),
    ("1\n2\n3\n4\n5\nx\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\ny\n6\n7\n8\n9"),
]


@pytest.mark.parametrize(("before", "after"), TRICKY)
def test_the_diff_applied_to_the_old_text_gives_the_new_text(before: str, after: str) -> None:
    assert _patch(before, unified_diff(before, after, "README.md")) == after


_LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\r\n", "d\r", "e\n"]), max_size=14)


@given(_LINES, _LINES, st.sampled_from(["", "a", "z"]), st.sampled_from(["", "a", "y"]))
def test_every_diff_applies_to_the_old_text(old: list[str], new: list[str], old_end: str, new_end: str) -> None:
    before, after = "".join(old) + old_end, "".join(new) + new_end
    assert _patch(before, unified_diff(before, after, "README.md")) == after
