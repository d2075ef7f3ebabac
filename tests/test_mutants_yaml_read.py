"""Reading the front matter: data, node tree and one-line errors (tests written to kill surviving mutants)."""

from __future__ import annotations

import pytest

from cardfix.yaml_read import FrontMatterError, parse_front_matter


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: [1, 2\n", "front matter is not valid YAML: did not find expected ',' or ']' "
                         "(front-matter line 3, column 1)"),
    ("a: 1\n  b: 2", "front matter is not valid YAML: mapping values are not allowed in this context "
                     "(front-matter line 2, column 4)"),
    ("a: \x07", 'front matter is not valid YAML: unacceptable character #x0007: control characters are not '
                'allowed in "<unicode string>", position 3'),  # an error without a mark: its own text
    ("when: 2022-13-45", "front matter cannot be read: month must be in 1..12"),
    ("- a", "front matter is a YAML list, not a mapping"),
    ("!!set {a, b}", "front matter is a YAML set, not a mapping"),  # a mapping node, but not a dict
])
def test_front_matter_that_cannot_be_read_says_why_and_where_in_one_line(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as error:
        parse_front_matter(text)
    assert str(error.value) == message


@pytest.mark.parametrize(("text", "key", "line"), [
    ("a: 1\na: 2", "a", 2),
    ("m:\n  k: 1\n  k: 2\nz: 0", "k", 3),  # in a nested mapping, with keys after it
    ("l:\n- k: 1\n  k: 2", "k", 3),  # in a mapping inside a list
    ("m:\n  k: 1\n  k: 2\nl:\n- a\n", "k", 3),  # a list met first does not end the search
    ("c:\n  d: 1\n  d: 2\na: &x {k: 1}\nb: *x", "d", 3),  # an alias met before it does not stop the search
])
def test_a_key_written_twice_is_an_error_naming_it_and_its_line(text: str, key: str, line: int) -> None:
    with pytest.raises(FrontMatterError) as error:
        parse_front_matter(text)
    assert str(error.value) == (f"front matter has the key {key!r} twice (front-matter line {line}); "
                                "the Hub and ruamel.yaml reject that")


@pytest.mark.parametrize(("text", "data"), [
    ("base: &b {k: 1}\nother: &o {j: 1}\nmine:\n  <<: *b\n  <<: *o", {"k": 1, "j": 1}),  # merge keys may repeat
    ("a: &x {k: 1}\nb: *x\nmine: *x", {"k": 1}),  # an alias used twice is not a duplicate
])
def test_merge_keys_and_aliases_are_not_duplicates(text: str, data: dict[str, int]) -> None:
    assert parse_front_matter(text).data["mine"] == data


def test_a_self_referencing_alias_is_read_without_looping() -> None:
    data = parse_front_matter("a: &x [*x]\nb: 1").data
    assert data["b"] == 1 and data["a"][0] is data["a"]


@pytest.mark.parametrize(("text", "data", "has_root"), [
    ("a: 1", {"a": 1}, True),
    ("# only a comment\n", {}, False),
    ("", {}, False),
])
def test_the_parse_keeps_its_text_for_the_node_tree(text: str, data: dict[str, int], has_root: bool) -> None:
    parsed = parse_front_matter(text)
    assert (parsed.data, parsed.text, parsed.root is not None) == (data, text, has_root)


def test_a_key_a_merge_brings_in_and_the_mapping_sets_again_is_no_duplicate() -> None:
    """PyYAML, ruamel and the Hub read `m: {k: 2}`: the mapping's own key wins over the merged one."""
    parsed = parse_front_matter("b: &b {k: 1}\nm:\n  <<: *b\n  k: 2")
    assert parsed.data["m"] == {"k": 2}


def test_a_quoted_merge_key_twice_is_a_duplicate() -> None:
    with pytest.raises(FrontMatterError, match="key '<<' twice"):
        parse_front_matter('"<<": 1\n"<<": 2')


def test_a_duplicate_beside_two_merge_keys_is_named_not_the_merge_key() -> None:
    with pytest.raises(FrontMatterError, match="key 'a' twice"):
        parse_front_matter("a: 1\n<<: {b: 1}\n<<: {c: 2}\na: 2")
