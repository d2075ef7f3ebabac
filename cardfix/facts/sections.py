"""Markdown sections: ATX headings outside code fences, each with the text up to the next heading."""

from __future__ import annotations

from typing import NamedTuple

import regex

from cardfix.facts.lines import Line

PLACEHOLDER_MAX = 80  # characters: a section's text any longer is no placeholder
PLACEHOLDER_RE = regex.compile(r"^\s*\[?\s*more\s+information\s+needed\s*\.?\s*\]?\s*$", regex.IGNORECASE)


class Section(NamedTuple):
    level: int
    title: str
    heading: Line
    content_start: int  # just after the heading line
    content_end: int  # start of the next heading (any level) or end of body
    placeholder: bool  # the whole text is a placeholder such as "More information needed"


def placeholder_text(content: str) -> bool:
    """The whole text of a section is a placeholder such as "More information needed"."""
    return len(content) < PLACEHOLDER_MAX and PLACEHOLDER_RE.match(content) is not None


def read_sections(body: str) -> list[Section]:
    """Headings outside code fences, read only at the lines that can hold one (found with str.find)."""
    headings: list[tuple[int, str, Line]] = []
    fence: str | None = None
    for start in _marked_line_starts(body):
        stop = _next_line(body, start)
        line = body[start:stop].rstrip("\r\n")
        text = line.lstrip(" ")
        if text.startswith(("```", "~~~")):
            marker = text[: len(text) - len(text.lstrip(text[0]))]
            if fence is None:
                fence = marker[:3]
            elif marker.startswith(fence):
                fence = None
            continue
        heading = _heading(text) if fence is None else None
        if heading is not None:
            headings.append((heading[0], heading[1], Line(start, start + len(line), stop)))
    return _sections_from(body, headings)


def _marked_line_starts(body: str) -> list[int]:
    """Starts of lines whose first character (after up to 3 spaces) is #, ` or ~ (str.find, not a scan)."""
    starts = set()
    carriage_returns = "\r" in body  # (else rfind("\r") would scan back to the start at every mark)
    for mark in "#`~":
        pos = body.find(mark)
        while pos != -1:
            line_feed = body.rfind("\n", 0, pos)
            line_start = (max(line_feed, body.rfind("\r", 0, pos)) if carriage_returns else line_feed) + 1
            if pos - line_start <= 3 and not body[line_start:pos].strip(" "):
                starts.add(line_start)
            pos = body.find(mark, pos + 1)
    return sorted(starts)


def _next_line(body: str, start: int) -> int:
    """Where the line after the one at `start` begins (after its LF, CRLF or CR), or the end of the text."""
    lf = body.find("\n", start)
    cr = body.find("\r", start, lf if lf >= 0 else len(body))
    if cr >= 0:
        return cr + 2 if body.startswith("\r\n", cr) else cr + 1
    return lf + 1 if lf >= 0 else len(body)


def _heading(text: str) -> tuple[int, str] | None:
    """An ATX heading's level and title (CommonMark: 1-6 #, then a space; an optional closing #s run)."""
    level = len(text) - len(text.lstrip("#"))
    rest = text[level:]
    if not 1 <= level <= 6 or rest[:1] not in (" ", "\t"):
        return None
    title = rest.strip(" \t")
    closing = title.rstrip("#")
    if closing != title and (not closing or closing[-1] in " \t"):
        title = closing.rstrip(" \t")
    return level, title


def _sections_from(body: str, headings: list[tuple[int, str, Line]]) -> list[Section]:
    sections = []
    for i, (level, title, line) in enumerate(headings):
        end = headings[i + 1][2].start if i + 1 < len(headings) else len(body)
        # (a long text is no placeholder: not copied to be matched)
        placeholder = end - line.stop < PLACEHOLDER_MAX and placeholder_text(body[line.stop : end])
        sections.append(Section(level, title, line, line.stop, end, placeholder))
    return sections
