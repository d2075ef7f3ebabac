"""Unified diffs like git's: a/ and b/ headers, no timestamps, "\\ No newline at end of file"."""

from __future__ import annotations

import difflib

import regex

from cardfix.card import LINE_RE

# Characters str.splitlines also breaks at; cards only break lines at CR, LF and CRLF.
OTHER_BREAKS = regex.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
NO_NEWLINE = "\\ No newline at end of file\n"
CONTEXT = 3
HUNK_RE = regex.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def split_lines(text: str) -> list[str]:
    """Lines with their own endings; only CR, LF and CRLF end a line (not str.splitlines' extras)."""
    if OTHER_BREAKS.search(text) is None:
        return text.splitlines(keepends=True)  # the same result, much faster
    return LINE_RE.findall(text)


def unified_diff(before: str, after: str, path: str) -> str:
    old, new = split_lines(before), split_lines(after)
    # The same lines at both ends cannot be in a hunk beyond its context: leave them out of the
    # (quadratic) matching and move the hunk line numbers back.
    head = _common_prefix(old, new)
    skip = max(head - CONTEXT, 0)
    tail = _common_prefix(old[skip:][::-1], new[skip:][::-1])
    keep = max(tail - CONTEXT, 0)
    old_mid, new_mid = old[skip : len(old) - keep], new[skip : len(new) - keep]
    out = []
    name = path.lstrip("/")  # as git writes an absolute path: a/abs/path, not a//abs/path
    for line in difflib.unified_diff(old_mid, new_mid, f"a/{name}", f"b/{name}"):
        if skip and line.startswith("@@"):
            line = _shift_hunk(line, skip)
        out.append(line if line.endswith(("\n", "\r")) else line + "\n" + NO_NEWLINE)
    return "".join(out)


def _common_prefix(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _shift_hunk(header: str, offset: int) -> str:
    match = HUNK_RE.match(header)
    assert match is not None
    old_start, old_len, new_start, new_len = match.groups()
    return (f"@@ -{int(old_start) + offset}{old_len or ''} +{int(new_start) + offset}{new_len or ''} @@"
            + header[match.end():])
