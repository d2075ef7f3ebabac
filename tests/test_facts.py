"""Facts read by string operations must read exactly what their regex definitions say.

Each reader is checked against a definition written here with plain regexes, on generated text in every
newline style (no corpus needed) and, where present, on every corpus and golden card.
"""

from __future__ import annotations

import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cardfix.card import LINE_RE, parse_text
from cardfix.facts import Item, Line, Section, body_facts, placeholder_text
from cardfix.facts.lines import split_lines
from cardfix.facts.sections import read_sections
from cardfix.facts.trainer import HYPER_INTRO_RE, SUMMARY_INTRO_RE, _items_after, _search
from tests.conftest import CORPUS, GOLDEN, corpus_files

# The definitions.
ITEM_RE = regex.compile(r"- (?P<key>[^:\r\n]+?):[ \t]*(?P<value>[^\r\n]*?)[ \t]*(?:\r\n|\r|\n|$)")
HEADING_RE = regex.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:(?<=[ \t])#+)?[ \t]*$")  # CommonMark ATX
FENCE_RE = regex.compile(r"^ {0,3}(```+|~~~+)(.*)$")
INTROS = ((SUMMARY_INTRO_RE, "It achieves the following results"),
          (HYPER_INTRO_RE, "The following hyperparameters were used"))


def lines_by_regex(text: str) -> list[Line]:
    return [Line(m.start(), m.start() + len(m.group().rstrip("\r\n")), m.end()) for m in LINE_RE.finditer(text)]


def sections_by_regex(body: str) -> list[Section]:
    """Line by line: fences toggle, ATX headings outside them open a section that runs to the next."""
    headings: list[tuple[int, str, Line]] = []
    fence: str | None = None
    for line in lines_by_regex(body):
        text = body[line.start : line.end]
        fence_match = FENCE_RE.match(text)
        if fence_match:  # CommonMark: a backtick fence's info string has no backtick; a closing fence is at
            marker, rest = fence_match.groups()  # least as long as the opening one, with only blanks after it
            if fence is None and not (marker[0] == "`" and "`" in rest):
                fence = marker
            elif fence is not None and marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip(" \t"):
                fence = None
            continue  # (a line of backticks or tildes is never a heading)
        heading = HEADING_RE.match(text) if fence is None else None
        if heading:
            headings.append((len(heading.group(1)), heading.group(2).strip(), line))
    sections = []
    for i, (level, title, line) in enumerate(headings):
        end = headings[i + 1][2].start if i + 1 < len(headings) else len(body)
        sections.append(Section(level, title, line, line.stop, end, placeholder_text(body[line.stop : end])))
    return sections


def items_by_regex(body: str, intro: regex.Pattern[str], literal: str) -> tuple[Item, ...]:
    match = _search(intro, body, literal)
    if match is None:
        return ()
    items, pos = [], match.end()
    while (item := ITEM_RE.match(body, pos)) is not None:
        items.append(Item(item.group("key").strip(), item.group("value"), item.start(), item.end("value")))
        pos = item.end()
    return tuple(items)


def assert_reads_as_defined(body: str) -> None:
    assert split_lines(body) == lines_by_regex(body)
    assert read_sections(body) == sections_by_regex(body)
    for intro, literal in INTROS:
        assert _items_after(body, intro, literal) == items_by_regex(body, intro, literal)


PIECES = st.sampled_from([
    "# Title", "## Model description", "### Training results ###", "#no heading", "    # code, not a heading",
    "   ## three spaces", "```", "~~~", "````python", "````", "~~~~ ", "``` x`y", "```py", "~~~~~", "```\xa0",
    "More information needed", "[More Information Needed]",
    "| a | b |", "|:-:|:-:|", "text", "", " ", "\t", "It achieves the following results on the evaluation set:",
    "The following hyperparameters were used during training:", "- Loss: 0.3", "- F1 : 0.9 \t", "-x: 1",
    "- Accuracy:", "#", "## #", "## Title ##", "\\# escaped",
])
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])


@given(st.lists(st.tuples(PIECES, NEWLINES), max_size=30), st.booleans())
def test_lines_sections_and_items_read_as_defined(parts: list[tuple[str, str]], final_newline: bool) -> None:
    body = "".join(text + newline for text, newline in parts)
    assert_reads_as_defined(body if final_newline else body.rstrip("\r\n"))


def test_split_lines_within_a_range() -> None:
    text = "ab\r\ncd\ref\n"
    assert split_lines(text, 4, 10) == [Line(4, 6, 7), Line(7, 9, 10)]
    assert split_lines("a\nb\n", 2, 4) == [Line(2, 3, 4)]
    assert split_lines("") == []


def test_every_corpus_and_golden_card_in_every_newline_style() -> None:
    files = sorted(GOLDEN.glob("*.md")) + (corpus_files("seeds") + corpus_files("bulk") if CORPUS.is_dir() else [])
    for path in files:
        body = parse_text(path.read_bytes().decode("utf-8")).body
        for newline in ("\n", "\r\n", "\r"):
            assert_reads_as_defined(body.replace("\n", newline))
    assert files


def test_item_edge_cases() -> None:
    body = "It achieves the following results on the evaluation set:\n- Loss:   \n- F1 : 0.9 \t\n-x: 1\n- Wer: 2\n"
    assert _items_after(body, *INTROS[0]) == items_by_regex(body, *INTROS[0])
    assert [i.key for i in _items_after(body, *INTROS[0])] == ["Loss", "F1"]
    assert body_facts(body).summary == _items_after(body, *INTROS[0])


# A body edited from another reads the generators' marks from the text around the edits only.
MARK_PIECES = ["\n- PEFT 0.", "\n- PEFT 0", ".", "\n- PEFT ", "0.", "This is a [SetFit", "This is a [SetFi", "t",
               "This is a [Set", "Fit", "x", "\n"]


@settings(max_examples=400)
@example(["x", "\n- PEFT 0"], [(10, 0, ["."])])  # the new text's first character ends a mark
@example(["x", "- PEFT 0."], [(1, 0, ["\n"])])  # its last character starts one
@example(["\n- PEFT ", "x", "0."], [(8, 1, [])])  # a deletion joins one
@example(["\n- PEFT 0.", "x"], [(0, 1, [])])  # a deletion breaks one
@given(st.lists(st.sampled_from(MARK_PIECES), max_size=8),
       st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8), st.lists(st.sampled_from(MARK_PIECES), max_size=3)),
                max_size=3))
def test_marks_of_an_edited_body_are_the_marks_of_its_text(pieces: list[str],
                                                          edits: list[tuple[int, int, list[str]]]) -> None:
    from cardfix.edits import BodyEdit, apply_body_edits
    from cardfix.facts import BodyFacts

    old = "".join(pieces)
    spans, last = [], 0
    for start, size, text in sorted(edits):  # edits that do not overlap, within the body
        start = max(start % (len(old) + 1), last)
        end = min(start + size, len(old))
        spans.append(BodyEdit(start, end, "".join(text)))
        last = end + 1
    new = apply_body_edits(old, spans)
    before = BodyFacts(old)
    for generator in ("peft", "setfit", "trainer"):
        before.marked_by(generator)  # what the old body's facts know
    after = before.after(new, sorted((e.start, e.end, len(e.text)) for e in spans))
    for generator in ("peft", "setfit", "trainer"):
        assert after.marked_by(generator) == BodyFacts(new).marked_by(generator), (old, new, generator)


def test_the_marks_of_every_generator_at_once_are_each_generator_s() -> None:
    from cardfix.facts import BodyFacts
    from cardfix.facts.generators import known, mark_index

    marks = [m for g in known() for m in g.marks]
    texts = [*(p.read_bytes().decode("utf-8", "replace") for p in [*corpus_files("bulk"), *GOLDEN.glob("*.md")]),
             *marks, "".join(marks), *(m[:-1] for m in marks), *(m[:8] for m in marks)]
    for text in texts:
        one_by_one = {g.id for g in known() if g.marked_body(text)}
        assert mark_index().body_ids(text) == one_by_one
        facts = BodyFacts(text)
        assert facts.marked_by_any() == bool(one_by_one)
        assert {g.id for g in known() if facts.marked_by(g.id)} == one_by_one
