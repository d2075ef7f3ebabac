"""Suppression comments (`<!-- cardfix: ignore CF301 -->`) as a card's body holds them: where each is and the
rules it names. A comment in code (a code span, a fenced or an indented block) is an example, not one."""

from __future__ import annotations

from typing import NamedTuple

import regex

from cardfix.facts.code import CodeMap
from cardfix.facts.lines import Line, split_lines
from cardfix.facts.sections import Section, read_outline

COMMENT_RE = regex.compile(r"<!--\s*cardfix:\s*ignore\b(?P<codes>[^>]*?)\s*-->")


class Directive(NamedTuple):
    """One suppression comment: [start, end) in the body, and its selectors (none: every rule)."""

    start: int
    end: int
    selectors: tuple[str, ...]


class Directives(NamedTuple):
    """A body's suppression comments, with the lines and sections they were read with (for their scopes)."""

    found: tuple[Directive, ...]
    lines: list[Line]
    sections: list[Section]


NO_DIRECTIVES = Directives((), [], [])


def read_directives(body: str) -> Directives:
    """The body's suppression comments outside code (none in the common case: one `in` test)."""
    if "cardfix:" not in body:
        return NO_DIRECTIVES
    comments = list(COMMENT_RE.finditer(body))
    if not comments:
        return NO_DIRECTIVES
    lines = split_lines(body)
    sections, fences = read_outline(body)
    code = CodeMap(body, lines, fences)
    found = []
    for match in comments:
        if not code.in_code(match.start()):
            codes = match.group("codes").strip()
            selectors = tuple(part for part in regex.split(r"[,\s]+", codes) if part)  # ("CF101," names one rule)
            found.append(Directive(match.start(), match.end(), selectors))
    return Directives(tuple(found), lines, sections)
