"""Facts read by string operations must read exactly what their regex definitions say."""

from __future__ import annotations

import regex

from cardfix.card import parse_text
from cardfix.facts import (
    HYPER_INTRO_RE,
    SUMMARY_INTRO_RE,
    Item,
    _items_after,
    _search,
    _sections,
    _sections_fast,
    _split_lines,
    body_facts,
)
from tests.conftest import GOLDEN, corpus_files, needs_corpus

# The definition of a `- key: value` item line.
ITEM_RE = regex.compile(r"- (?P<key>[^:\r\n]+?):[ \t]*(?P<value>[^\r\n]*?)[ \t]*(?:\r\n|\r|\n|$)")
INTROS = ((SUMMARY_INTRO_RE, "It achieves the following results"),
          (HYPER_INTRO_RE, "The following hyperparameters were used"))


def items_by_regex(body: str, intro: regex.Pattern[str], literal: str) -> tuple[Item, ...]:
    match = _search(intro, body, literal)
    if match is None:
        return ()
    items, pos = [], match.end()
    while (item := ITEM_RE.match(body, pos)) is not None:
        items.append(Item(item.group("key").strip(), item.group("value"), item.start(), item.end("value")))
        pos = item.end()
    return tuple(items)


def bodies() -> list[str]:
    files = corpus_files("seeds") + corpus_files("bulk") + sorted(GOLDEN.glob("*.md"))
    found = []
    for path in files:
        body = parse_text(path.read_bytes().decode("utf-8")).body
        found += [body, body.replace("\n", "\r\n"), body.replace("\n", "\r")]
    return found


@needs_corpus
def test_items_and_headings_match_their_definitions_on_every_card_and_newline_style() -> None:
    checked = 0
    for body in bodies():
        for intro, literal in INTROS:
            assert _items_after(body, intro, literal) == items_by_regex(body, intro, literal)
        assert body_facts(body).sections == tuple(_sections(body, tuple(_split_lines(body))))
        if body.count("\r") == body.count("\r\n"):
            assert _sections_fast(body) == _sections(body, tuple(_split_lines(body)))
        checked += 1
    assert checked > 6000


def test_item_edge_cases() -> None:
    body = "It achieves the following results on the evaluation set:\n- Loss:   \n- F1 : 0.9 \t\n-x: 1\n- Wer: 2\n"
    assert _items_after(body, *INTROS[0]) == items_by_regex(body, *INTROS[0])
    assert [i.key for i in _items_after(body, *INTROS[0])] == ["Loss", "F1"]
