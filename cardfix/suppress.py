"""Inline suppression, as ruff's `# noqa`: `<!-- cardfix: ignore CF301 -->` in a card.

Placed before the card's first heading, the comment applies to the whole card: the rules it names do not
run on it. Anywhere else it applies to the next block: the paragraph or table after it (up to a blank
line), or, when that is a heading, the whole section under the heading. In a block, a rule's findings are
dropped, and its fix is not made when every finding it fixes lies there. No codes (`<!-- cardfix: ignore
-->`) means every rule; codes may be rule codes, prefixes (`CF3`) or names, separated by commas or spaces.

A comment in code (an inline code span, a fenced or an indented code block) is documentation, not a directive:
it does not count. Whether a comment lies in code is read only for a card that holds one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from cardfix.card import Card
from cardfix.edits import Outcome
from cardfix.facts.comments import read_directives
from cardfix.facts.lines import Line

HEADING_RE = regex.compile(r" {0,3}#{1,6}(?:[ \t]|$)")


@dataclass(frozen=True)
class Block:
    """Lines `first`..`last` of the card (1-based, inclusive) where the rules `selectors` are silenced."""

    first: int
    last: int
    selectors: tuple[str, ...]  # empty: every rule


@dataclass(frozen=True)
class Suppressions:
    whole_card: tuple[tuple[str, ...], ...] = ()  # each comment's selectors (empty: every rule)
    blocks: tuple[Block, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.whole_card or self.blocks)


NONE = Suppressions()


def read_suppressions(card: Card) -> Suppressions:
    """The card's suppression comments (none in the common case: one `in` test)."""
    body = card.body
    read = read_directives(body)
    if not read.found:
        return NONE
    starts = [line.start for line in read.lines]
    first_heading = next((s.heading.start for s in read.sections), len(body))
    whole: list[tuple[str, ...]] = []
    blocks: list[Block] = []
    for directive in read.found:
        if directive.start < first_heading:
            whole.append(directive.selectors)
            continue
        index = bisect.bisect_right(starts, directive.end) - 1
        first, last = _next_block(body, read.lines, index + 1)
        if first is not None:
            base = card.body_first_line
            blocks.append(Block(base + first, base + last, directive.selectors))
    return Suppressions(tuple(whole), tuple(blocks))


def _next_block(body: str, lines: list[Line], start: int) -> tuple[int | None, int]:
    """The 0-based first and last line of the block after line `start`: a paragraph or table up to a blank
    line, or a heading's section (to the next heading of the same or a higher level)."""
    i = start
    while i < len(lines) and not body[lines[i].start : lines[i].end].strip():
        i += 1
    if i >= len(lines):
        return None, 0
    text = body[lines[i].start : lines[i].end]
    if HEADING_RE.match(text):
        level = len(text.lstrip(" ")) - len(text.lstrip(" ").lstrip("#"))
        j = i + 1
        while j < len(lines):
            other = body[lines[j].start : lines[j].end]
            if HEADING_RE.match(other) and len(other.lstrip(" ")) - len(other.lstrip(" ").lstrip("#")) <= level:
                break
            j += 1
        return i, j - 1
    j = i
    while j + 1 < len(lines) and body[lines[j + 1].start : lines[j + 1].end].strip():
        j += 1
    return i, j


def matches(selectors: tuple[str, ...], code: str, name: str) -> bool:
    """Whether a comment's selectors name the rule (none: every rule)."""
    return not selectors or any(s in ("ALL", name) or code.startswith(s.upper()) for s in selectors)


def silenced(suppressions: Suppressions, code: str, name: str, line: int | None) -> bool:
    """Whether a finding of rule `code` at `line` (of the card as read) is suppressed by a block."""
    return line is not None and any(b.first <= line <= b.last and matches(b.selectors, code, name)
                                    for b in suppressions.blocks)


def outcome_without(suppressions: Suppressions, code: str, name: str, outcome: Outcome) -> Outcome:
    """The rule's outcome less its suppressed findings; without its edits when every fix it reports is."""
    kept = tuple(r for r in outcome.reports if not silenced(suppressions, code, name, r.line))
    if len(kept) == len(outcome.reports):
        return outcome
    fixes_left = any(r.fixable for r in kept) or not any(r.fixable for r in outcome.reports)
    return Outcome(outcome.edits if fixes_left else (), kept)
