"""Unified diffs like git's: a/ and b/ headers, no timestamps, "\\ No newline at end of file"."""

from __future__ import annotations

import difflib

import regex

LINE_RE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
NO_NEWLINE = "\\ No newline at end of file\n"


def split_lines(text: str) -> list[str]:
    """Lines with their own endings; only CR, LF and CRLF end a line (not str.splitlines' extras)."""
    return LINE_RE.findall(text)


def unified_diff(before: str, after: str, path: str) -> str:
    out = []
    for line in difflib.unified_diff(split_lines(before), split_lines(after), f"a/{path}", f"b/{path}"):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)
