"""The card model (tests written to kill surviving mutants)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cardfix.card import Card, CardError, count_lines, decode, parse_text


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


@example("a\nb", 0)  # the start of the body: no line before it
@given(st.text(alphabet="ab\r\n", max_size=30), st.integers(-40, 40))
def test_lines_before_an_offset_are_counted_as_count_lines_counts_them(body: str, offset: int) -> None:
    card = Card("", "", "", "", body, "\n")
    assert card.body_lines_before(offset) == count_lines(body, offset)
