"""Markdown code as CommonMark reads it: whether an offset of the body lies in a fenced code block, an
indented code block or an inline code span.

Built for the few offsets asked about (suppression comments), not for every card: the fences come from
`sections.read_outline`'s one pass (CommonMark's rules: a fence closes at a run of its marks at least as
long, with nothing after it), the indented blocks from one pass over the lines, and a code span is looked
for only in the paragraph around the offset. Containers are read from each line's indentation alone: a
block quote's blocks, and blocks that interrupt a paragraph inside a list item, can be misread (a
comparison with markdown-it-py on random text found differences only there, and in the fence rules, which
were CommonMark's since).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from cardfix.facts.lines import Line
from cardfix.facts.sections import Fence

# A list item's marker and the blanks after it (CommonMark: -, + or *, or 1-9 digits and . or )).
LIST_MARKER_RE = re.compile(r"( *)([-+*]|\d{1,9}[.)])( *)")
# A line that ends a paragraph and is none (up to 3 spaces first): an ATX heading, a fence, an HTML comment, a
# thematic break or a setext heading's underline.
BREAK_RE = re.compile(r" {0,3}(?:#{1,6}(?:[ \t]|$)|```|~~~|<!--|([-*_])(?:[ \t]*\1){2,}[ \t]*$|=+[ \t]*$)")
# A line that ends a paragraph and starts one: a list item or a block quote (up to 3 spaces first).
START_RE = re.compile(r" {0,3}(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)|>)")


class CodeMap:
    """Where the body's code lies: `in_code(pos)` for an offset of the body."""

    def __init__(self, body: str, lines: list[Line], fences: list[Fence]) -> None:
        self.body = body
        self.fences = fences
        self.fence_starts = [fence.start for fence in fences]
        self.lines = lines  # (`split_lines(body)`)
        self.starts = [line.start for line in lines]
        self.indented = indented_code_lines(body, self.lines, self.in_fence)

    def in_fence(self, pos: int) -> bool:
        index = bisect.bisect_right(self.fence_starts, pos) - 1
        return index >= 0 and pos < self.fences[index].stop

    def in_code(self, pos: int) -> bool:
        """Whether the character at `pos` lies in code (a fenced or an indented block, or an inline span)."""
        if self.in_fence(pos):
            return True
        index = max(bisect.bisect_right(self.starts, pos) - 1, 0)
        if index in self.indented:
            return True
        first, last = self._paragraph(index)
        return in_code_span(self.body, self.lines[first].start, self.lines[last].end, pos)

    def _paragraph(self, index: int) -> tuple[int, int]:
        """The first and last line of the paragraph (or heading) holding line `index`: a code span cannot cross
        a blank line, a heading, a fence or the end of an indented block."""
        if BREAK_RE.match(self._text(index)):  # (a heading's text is one line; an HTML block has no spans)
            return index, index
        first = last = index
        while (first > 0 and not START_RE.match(self._text(first)) and not self._ends_paragraph(first - 1)
               and first - 1 not in self.indented):
            first -= 1
        while (last + 1 < len(self.lines) and not self._ends_paragraph(last + 1)
               and not START_RE.match(self._text(last + 1))):
            last += 1
        return first, last

    def _ends_paragraph(self, index: int) -> bool:
        text = self._text(index)
        return not text.strip() or BREAK_RE.match(text) is not None or self.in_fence(self.lines[index].start)

    def _text(self, index: int) -> str:
        return self.body[self.lines[index].start : self.lines[index].end]


def indented_code_lines(body: str, lines: list[Line], in_fence: Callable[[int], bool]) -> set[int]:
    """The indices of the lines in indented code blocks: 4 columns or more past the content of the list item
    they are in (if any), after a blank line, a heading or a fence (an indented line cannot interrupt a
    paragraph); the block goes on over blank lines while its lines keep that indentation."""
    code: set[int] = set()
    items: list[int] = []  # the content columns of the open list items, innermost last
    after_break, in_block = True, False
    for i, line in enumerate(lines):
        if in_fence(line.start):
            after_break, in_block = True, False
            continue
        text = body[line.start : line.end].expandtabs(4)  # (CommonMark's tab stops are 4 columns apart)
        if not text.strip():
            if in_block:
                code.add(i)
            after_break = True
            continue
        indent = len(text) - len(text.lstrip(" "))
        if (after_break or in_block) and indent >= (items[-1] if items else 0) + 4:
            code.add(i)
            after_break, in_block = False, True
            continue
        in_block = False
        items = _open_items(text, indent, items, after_break)
        # (an HTML comment ends its block on the line where it closes)
        after_break = BREAK_RE.match(text) is not None and ("<!--" not in text or "-->" in text)
    return code


def _open_items(text: str, indent: int, items: list[int], after_break: bool) -> list[int]:
    """The list items open after a line: those whose content it is not indented into end (unless it is a
    paragraph's lazy continuation), and a list marker opens one."""
    marker = LIST_MARKER_RE.match(text)
    rest = text[marker.end() :] if marker else ""
    # (a marker indented 4 columns past the open item's content is a paragraph's text, not an item)
    is_item = (marker is not None and (not rest or bool(marker.group(3)))
               and indent < (items[-1] if items else 0) + 4)
    if after_break or is_item or BREAK_RE.match(text) or START_RE.match(text):
        items = [column for column in items if indent >= column]
    if marker is not None and is_item:
        blanks = len(marker.group(3))
        # (no text, or 5 blanks or more: the content starts 1 column after the marker, CommonMark says)
        items.append(marker.end(2) + (blanks if rest and blanks <= 4 else 1))
    return items


def in_code_span(body: str, start: int, end: int, pos: int) -> bool:
    """Whether `pos` lies in an inline code span of the paragraph body[start:end]: a run of n backticks (not
    escaped) opens a span that the next run of exactly n closes; an HTML comment that begins first is no span."""
    i = start
    while (tick := body.find("`", i, pos)) >= 0:
        comment = body.find("<!--", i, tick)
        if comment >= 0:  # (its backticks are the comment's: go on after it)
            close = body.find("-->", comment + 4, end)
            i = close + 3 if close >= 0 else comment + 4
            continue
        run = tick
        while run < end and body[run] == "`":
            run += 1
        if _escaped(body, start, tick):  # an escaped backtick: the rest of the run may open a span
            i = tick + 1
            continue
        close_end = _closing_run(body, run, end, run - tick)
        if close_end is None:
            i = run
        elif close_end > pos:
            return True
        else:
            i = close_end
    return False


def _escaped(body: str, start: int, pos: int) -> bool:
    """Whether the character at `pos` follows an odd number of backslashes (from `start` on)."""
    before = pos
    while before > start and body[before - 1] == "\\":
        before -= 1
    return (pos - before) % 2 == 1


def _closing_run(body: str, start: int, end: int, length: int) -> int | None:
    """Where the first run of exactly `length` backticks in body[start:end] ends (None: there is none)."""
    while (found := body.find("`" * length, start, end)) >= 0:
        stop = found
        while stop < end and body[stop] == "`":
            stop += 1
        if stop - found == length:
            return stop
        start = stop
    return None
