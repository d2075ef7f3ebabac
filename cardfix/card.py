"""The lossless card model: bytes in, the same bytes out unless an edit says otherwise."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

import regex

from cardfix.memo import cached, mypyc_attr

# The Hub's own front-matter regex (huggingface_hub REGEX_YAML_BLOCK, "same as the server"): anchored at the
# start by .match(), lazy, so the first line that is exactly `---` closes the block. Compiled with the
# stdlib's engine, as huggingface_hub does (and about 3x faster than `regex` on this lazy scan).
FRONT_MATTER_RE = re.compile(r"(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$))")
# An opening `---` line the Hub's regex would take as front matter if a `---` line closed it.
OPENING_RE = re.compile(r"\s*---(?:\r\n|\r|\n)")
BOM = "\ufeff"
# A line with its ending: only CR, LF and CRLF end a line in a card (not str.splitlines' extras).
BREAK_RE = re.compile(r"\r\n|\r|\n")
LINE_RE = regex.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
# Line numbers a card's first lookups count directly (a few microseconds each); after these, the body's
# breaks are listed once and later lookups bisect them (a card with many findings).
COUNTED_LOOKUPS = 8


class CardError(ValueError):
    """The input cannot be read as a card; the message is one line meant for the user."""


def detect_newline(text: str) -> str:
    """The line ending a card uses, with huggingface_hub's `_detect_line_ending` rule (default LF)."""
    cr = text.count("\r")
    if not cr:  # nearly every card: no need to count the rest
        return "\n"
    crlf = text.count("\r\n")
    lf = text.count("\n")
    if crlf and crlf == cr == lf:
        return "\r\n"
    if cr > lf:
        return "\r"
    return "\n"


@mypyc_attr(native_class=False)  # (`cached` keeps values in the instance's __dict__)
@dataclass(frozen=True)
class Card:
    """A card split into the parts the Hub sees; `render()` joins them back byte for byte."""

    bom: str
    head: str  # leading whitespace and the opening `---` line, empty without front matter
    front_matter: str  # the raw YAML text between the fences
    tail: str  # the newline before the closing `---`, the fence and its line end
    body: str
    newline: str
    # Opened with `---` but never closed, or opened after a byte-order mark that is not the file's first
    # character (which huggingface_hub's reader does not skip): no metadata is read, and the YAML is body.
    unclosed: bool = False

    @property
    def has_front_matter(self) -> bool:
        return bool(self.head)

    @cached
    def front_matter_newline(self) -> str:
        """The line ending new front-matter lines take: the block's own (CRLF in a CRLF block even when the
        body's lines end in LF), by the same rule as `newline`; the card's where there is no block yet."""
        if not self.has_front_matter:
            return self.newline
        return detect_newline(self.head + self.front_matter + self.tail.rstrip("\r\n"))  # (not the fence's own end)

    @cached
    def body_first_line(self) -> int:
        """1-based line number of the body's first line in the rendered card."""
        return 1 + count_lines(self.head + self.front_matter + self.tail)

    @cached
    def front_matter_first_line(self) -> int:
        return 1 + count_lines(self.head)

    @cached
    def body_line_breaks(self) -> list[int]:
        """Where each line break of the body starts (a CRLF is one), for line numbers by bisection."""
        body = self.body
        if "\r" in body:
            return [m.start() for m in BREAK_RE.finditer(body)]
        found, at = [], body.find("\n")
        while at != -1:  # str.find: twice as fast as a regex scan, on the line feeds nearly every card has
            found.append(at)
            at = body.find("\n", at + 1)
        return found

    def body_lines_before(self, offset: int) -> int:
        """`count_lines(self.body, offset)` (slice semantics for the offset). The first few are counted (C
        speed; most cards need only a few line numbers), later ones found by bisection over the breaks."""
        size = len(self.body)
        offset = max(0, min(size, offset + size if offset < 0 else offset))
        counted = self.__dict__.get("_lines_counted", 0)
        if counted < COUNTED_LOOKUPS:
            self.__dict__["_lines_counted"] = counted + 1
            return count_lines(self.body, offset)
        return bisect.bisect_left(self.body_line_breaks, offset)

    def render(self) -> str:
        return self.bom + self.head + self.front_matter + self.tail + self.body

    def with_body(self, body: str) -> Card:
        return replace(self, body=body)

    def with_front_matter(self, front_matter: str) -> Card:
        """Set the YAML text, creating the fences when the card had none."""
        if self.has_front_matter:
            return replace(self, front_matter=front_matter)
        nl = self.newline
        return replace(self, head="---" + nl, front_matter=front_matter.rstrip("\r\n"), tail=nl + "---" + nl)


def count_lines(text: str, end: int | None = None) -> int:
    """Number of line breaks (CRLF counted once) in `text[:end]` (counted in place: no copy of the text)."""
    end = len(text) if end is None else end
    line_feeds = text.count("\n", 0, end)
    if text.find("\r", 0, end) < 0:  # nearly every card: one count
        return line_feeds
    return line_feeds + text.count("\r", 0, end) - text.count("\r\n", 0, end)


def parse_text(text: str) -> Card:
    """Split decoded text into a Card. Never raises: text without front matter is all body."""
    bom = BOM if text.startswith(BOM) else ""
    rest = text[len(bom) :]
    newline = detect_newline(rest)
    split = split_front_matter(rest)
    if split is None:
        return Card(bom, "", "", "", rest, newline, OPENING_RE.match(_past_boms(rest)) is not None)
    opening, closing, end = split
    return Card(bom, rest[:opening], rest[opening:closing], rest[closing:end], rest[end:], newline)


def _past_boms(text: str) -> str:
    """The text after its leading blanks and byte-order marks (huggingface_hub's reader skips neither a BOM that
    is not the file's first character, nor a blank before one)."""
    rest = text.lstrip()
    while rest.startswith(BOM):
        rest = rest[1:].lstrip()
    return rest


def unread_opening(body: str) -> str | None:
    """Why the front matter a body without any opens with is not read: "bom" (it opens after a byte-order mark
    that is not the file's first character), "bom+unclosed" (and is not closed either), or None (neither: no
    opening, or one that is only not closed)."""
    if not body.lstrip().startswith(BOM):
        return None
    return "bom" if split_front_matter(_past_boms(body)) is not None else "bom+unclosed"


def split_front_matter(text: str) -> tuple[int, int, int] | None:
    """Where FRONT_MATTER_RE.match(text) puts its three groups' ends (None where it does not match), found
    with str.find: the regex's lazy scan tries its closing pattern at every character (~20 ns each, ~5 us
    a card, and the whole text when no fence closes it). tests/test_card.py compares the two."""
    start = len(text) - len(text.lstrip())  # (`\s` is str.isspace, as lstrip's)
    if not text.startswith("---", start):
        return None
    after = start + 3
    if text.startswith("\r\n", after):  # `(?:\r\n|\r|\n)`: the regex takes \r\n, and \r alone if that fails
        return _closing(text, after + 2) or _closing(text, after + 1)
    if text.startswith(("\r", "\n"), after):
        return _closing(text, after + 1)
    return None


def _closing(text: str, opening: int) -> tuple[int, int, int] | None:
    """The regex's closing group, first found at or after `opening`: `(?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$)`."""
    fence = text.find("---", opening + 1)
    while fence != -1:
        before = text[fence - 1]
        if before in "\r\n":
            # The group starts at the line break before the fence: a CRLF's \r, unless the opening took it.
            start = fence - 2 if before == "\n" and fence - 2 >= opening and text[fence - 2] == "\r" else fence - 1
            end = fence + 3
            while end < len(text) and text[end] in " \t":
                end += 1
            if text.startswith("\r\n", end):
                return opening, start, end + 2
            if end == len(text) or text[end] == "\n":  # (`$` before a last \n: the \n alternative took it)
                return opening, start, end + (end < len(text))
        fence = text.find("---", fence + 1)
    return None


def decode(data: bytes) -> str:
    """Bytes to text, refusing what is not a UTF-8 text card (the reason is a one-line CardError)."""
    if b"\x00" in data:
        raise CardError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardError(not_utf8(exc)) from None


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Where text is not UTF-8, as the messages about a card or a file the user names say it."""
    return f"not UTF-8 (invalid byte at offset {exc.start})"


def card_text(data: bytes | str, max_bytes: int | None) -> str:
    """A card's text from its bytes (a file's, the Hub's) or text (a dump's row), refusing one of over
    `max_bytes` bytes and what is not a UTF-8 text card (a one-line CardError)."""
    if max_bytes is not None and len(data) * (1 if isinstance(data, bytes) else 4) > max_bytes:
        size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
        if size > max_bytes:  # (a text's bytes are counted only where it could be over: rows are many)
            raise CardError(too_big(size, max_bytes))
    return decode(data) if isinstance(data, bytes) else data


def too_big(size: int, max_bytes: int) -> str:
    return f"the card is {size:,} bytes, over the {max_bytes:,}-byte limit (see --max-size)"


def parse_bytes(data: bytes) -> Card:
    return parse_text(decode(data))
