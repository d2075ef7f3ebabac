"""The card model (tests written to kill surviving mutants)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cardfix.card import BREAK_RE, COUNTED_LOOKUPS, Card, CardError, count_lines, decode, parse_text


@pytest.mark.parametrize(("body", "yaml_text", "card"), [
    ("body\n", "license: mit\n", "---\nlicense: mit\n---\nbody\n"),
    ("body\r\n", "license: mit\r\n\r\n", "---\r\nlicense: mit\r\n---\r\nbody\r\n"),
    ("body\n", "\nlicense: mit", "---\n\nlicense: mit\n---\nbody\n"),  # only breaks at the end are dropped
    ("body\n", "tags: [X] \n", "---\ntags: [X] \n---\nbody\n"),  # trailing spaces and letters are kept
])
def test_a_card_without_front_matter_gets_fences_around_the_new_yaml(body: str, yaml_text: str, card: str) -> None:
    assert parse_text(body).with_front_matter(yaml_text).render() == card


def test_binary_and_non_utf8_cards_are_refused_with_the_whole_reason() -> None:
    with pytest.raises(CardError) as binary:
        decode(b"\x00\x01binary")
    assert str(binary.value) == "binary file (contains NUL bytes)"
    with pytest.raises(CardError) as latin1:
        decode(b"caf\xe9")
    assert str(latin1.value) == "not UTF-8 (invalid byte at offset 3)"


@example("a\nb", [0])  # the start of the body: no line before it
@example("a\r\nb\rc\n", [2, 3, 4, 5, -1, -3])  # a CRLF counted once, a lone CR, an offset inside a CRLF
@given(st.text(alphabet="ab\r\n", max_size=30), st.lists(st.integers(-40, 40), min_size=1,
                                                        max_size=3 * COUNTED_LOOKUPS))
def test_lines_before_an_offset_are_the_breaks_in_the_text_before_it(body: str, offsets: list[int]) -> None:
    """Counted directly for a card's first lookups, then by bisection: the same answers either way."""
    card = Card("", "", "", "", body, "\n")
    for offset in offsets:
        breaks = len(BREAK_RE.findall(body[:offset]))
        assert count_lines(body, offset) == breaks
        assert card.body_lines_before(offset) == breaks
