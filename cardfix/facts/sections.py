"""Markdown sections: ATX headings outside code fences, each with the text up to the next heading; and the
fences (fenced code blocks) themselves."""

from __future__ import annotations

import re
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


# An ATX heading at a line start (CommonMark: up to 3 spaces, 1-6 #, a space or tab), and the rest of its line.
HEADING_LINE_RE = re.compile(r" {0,3}(#{1,6})[ \t]([^\r\n]*)")


class Fence(NamedTuple):
    """A fenced code block: from its opening fence line's start to after its closing fence line (to the end of
    the body when it is never closed, as CommonMark reads it)."""

    start: int
    stop: int


def read_sections(body: str) -> list[Section]:
    """Headings outside code fences, read only at the lines that can hold one (found with str.find)."""
    return read_outline(body)[0]


def read_outline(body: str) -> tuple[list[Section], list[Fence]]:
    """The sections and the fenced code blocks, in one pass over the lines that can hold a heading or a fence."""
    headings: list[tuple[int, str, Line]] = []
    fences: list[Fence] = []
    fence: str | None = None
    opened = 0  # where the open fence's line starts
    for start in _marked_line_starts(body):
        heading = HEADING_LINE_RE.match(body, start)
        if heading is None:  # a fence, or a line that only starts with a mark
            text = body[start : _next_line(body, start)].rstrip("\r\n").lstrip(" ")
            if text.startswith(("```", "~~~")):
                marker = text[: len(text) - len(text.lstrip(text[0]))]
                if fence is None:  # (CommonMark: a backtick fence's info string has no backtick)
                    if marker[0] == "~" or "`" not in text[len(marker) :]:
                        fence, opened = marker, start
                elif marker[0] == fence[0] and len(marker) >= len(fence) and not text[len(marker) :].strip(" \t"):
                    fence = None  # (CommonMark: as long as the opening fence at least, with nothing after it)
                    fences.append(Fence(opened, _next_line(body, start)))
        elif fence is None:
            end = heading.end()
            stop = end + 2 if body.startswith("\r\n", end) else end + 1 if end < len(body) else end
            headings.append((len(heading.group(1)), _title(heading.group(2)), Line(start, end, stop)))
    if fence is not None:
        fences.append(Fence(opened, len(body)))
    return _sections_from(body, headings), fences


def _marked_line_starts(body: str) -> list[int]:
    """Starts of lines whose first character (after up to 3 spaces) is #, ` or ~ (str.find, not a scan). After
    a mark, the rest of its line is skipped: no later character of it can be a line's first."""
    starts = set()
    carriage_returns = "\r" in body  # (else rfind("\r") would scan back to the start at every mark)
    for mark in "#`~":
        pos = body.find(mark)
        while pos != -1:
            line_feed = body.rfind("\n", 0, pos)
            line_start = (max(line_feed, body.rfind("\r", 0, pos)) if carriage_returns else line_feed) + 1
            if pos - line_start <= 3 and not body[line_start:pos].strip(" "):
                starts.add(line_start)
            pos = body.find(mark, _next_line(body, pos))
    return sorted(starts)


def _next_line(body: str, start: int) -> int:
    """Where the line after the one at `start` begins (after its LF, CRLF or CR), or the end of the text."""
    lf = body.find("\n", start)
    cr = body.find("\r", start, lf if lf >= 0 else len(body))
    if cr >= 0:
        return cr + 2 if body.startswith("\r\n", cr) else cr + 1
    return lf + 1 if lf >= 0 else len(body)


def _title(rest: str) -> str:
    """A heading's title from the text after its #s and first blank, without an optional closing #s run."""
    title = rest.strip(" \t")
    closing = title.rstrip("#")
    if closing != title and (not closing or closing[-1] in " \t"):
        title = closing.rstrip(" \t")
    return title


def _sections_from(body: str, headings: list[tuple[int, str, Line]]) -> list[Section]:
    sections = []
    for i, (level, title, line) in enumerate(headings):
        end = headings[i + 1][2].start if i + 1 < len(headings) else len(body)
        # (a long text is no placeholder: not copied to be matched)
        placeholder = end - line.stop < PLACEHOLDER_MAX and placeholder_text(body[line.stop : end])
        sections.append(Section(level, title, line, line.stop, end, placeholder))
    return sections
