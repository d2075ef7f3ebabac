"""Lines of a card's text: [start, end) without the line break, and where the next line starts.

Only CR, LF and CRLF end a line in a card (not `str.splitlines`' extras such as form feeds).
"""

from __future__ import annotations

from typing import NamedTuple

from cardfix.card import LINE_RE


class Line(NamedTuple):
    """One line of the body: [start, end) without its line break, and `stop` after the break."""

    start: int
    end: int
    stop: int


def split_lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """The lines of `text[start:end]`, as offsets into `text` (a fast path for text without CRs)."""
    end = len(text) if end is None else end
    segment = text[start:end]
    if "\r" in segment:
        return [Line(start + m.start(), start + m.start() + len(m.group().rstrip("\r\n")), start + m.end())
                for m in LINE_RE.finditer(segment)]
    lines = []
    pos = start
    for piece in segment.split("\n"):
        if pos >= end:
            break
        lines.append(Line(pos, pos + len(piece), min(pos + len(piece) + 1, end)))
        pos += len(piece) + 1
    return lines
