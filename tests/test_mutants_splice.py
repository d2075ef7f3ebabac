"""Splicing an edited key into the front-matter text (tests written to kill surviving mutants)."""

from __future__ import annotations

import pytest

from cardfix.edits import DeleteKey, FrontMatterEdit, Path, SetKey, SetNode
from cardfix.splice import splice_all
from cardfix.yaml_read import parse_front_matter

ORDER = ("license", "base_model", "tags", "datasets")


def _spliced(text: str, *edits: FrontMatterEdit, newline: str = "\n") -> str:
    return splice_all(text, parse_front_matter(text).root, edits, newline)


def test_a_key_inserted_before_another_and_a_new_value_of_that_key_splice_together() -> None:
    out = _spliced("license: mit\ntags:\n- a\n", SetKey("base_model", "org/m", ORDER), SetKey("tags", ["a", "b"]))
    assert out == "license: mit\nbase_model: org/m\ntags:\n- a\n- b\n"


def test_edits_of_a_key_and_of_a_path_inside_it_cannot_be_spliced_together() -> None:
    with pytest.raises(KeyError, match="front-matter edits overlap"):
        _spliced("m:\n  k: 1\n", SetKey("m", {"k": 2}), SetNode(("m", "k"), 3))


@pytest.mark.parametrize(("text", "newline"), [("a: 1\n", "\n"), ("a: 1\r", "\r"), ("a: 1\r\n", "\r\n")])
def test_a_key_added_after_a_final_line_break_follows_it_without_a_blank_line(text: str, newline: str) -> None:
    assert _spliced(text, SetKey("b", 2), newline=newline) == text + "b: 2"


@pytest.mark.parametrize("path", [
    ("tags", 0),  # the parent is a list, not a mapping
    ("missing", "x"),
    ("license", "x", "y"),  # through a scalar
    ("tags", "x", "y"),  # a list indexed by a key
    ("model-index", 1, "name"),  # one past the last entry
    ("model-index", -1, "name"),
])
def test_an_edit_whose_path_leads_to_no_mapping_key_is_refused(path: Path) -> None:
    text = "tags:\n- a\nlicense: mit\nmodel-index:\n- name: x\n"
    with pytest.raises(KeyError, match="no key at"):
        _spliced(text, SetNode(path, "v"))
    assert _spliced(text, SetNode(("model-index", 0, "name"), "v")) == text.replace("name: x", "name: v")


def test_a_flow_collection_is_replaced_through_its_closing_bracket_its_comment_kept_on_the_key_line() -> None:
    assert _spliced("tags: [a, b]  # c\nz: 1", SetKey("tags", ["x"])) == "tags:  # c\n- x\nz: 1"
    assert _spliced("tags: [a, b]  # c\nz: 1", SetKey("tags", "x")) == "tags: x  # c\nz: 1"


@pytest.mark.parametrize(("text", "edit", "out"), [
    ("tags:\n- a\n# keep\nz: 1", SetKey("tags", ["b"]), "tags:\n- b\n# keep\nz: 1"),
    ("m:\n  k: 1\n# keep\nz: 1", SetKey("m", {"k": 2}), "m:\n  k: 2\n# keep\nz: 1"),
])
def test_a_block_collection_is_replaced_up_to_its_last_value_keeping_the_comment_after_it(
        text: str, edit: FrontMatterEdit, out: str) -> None:
    assert _spliced(text, edit) == out


def test_the_spliced_key_is_written_to_its_last_character() -> None:
    assert _spliced("a: 1", SetKey("base_model", "org/BERT-X")) == "a: 1\nbase_model: org/BERT-X"


def test_an_indented_front_matter_gets_new_keys_at_its_own_indentation() -> None:
    out = _spliced("  license: mit\n  tags:\n  - a", SetKey("base_model", "org/m", ORDER), SetKey("datasets", ["d"]))
    assert out == "  license: mit\n  base_model: org/m\n  tags:\n  - a\n  datasets:\n  - d"
    assert parse_front_matter(out).data == {"license": "mit", "base_model": "org/m", "tags": ["a"],
                                            "datasets": ["d"]}


@pytest.mark.parametrize(("text", "key", "newline", "expected"), [
    ("a: 1\rlicence: license\rb: 2", "licence", "\r", "a: 1\rb: 2"),  # CR-only line endings
    ("a: 1\nlicence: MIT-X\nb: 2", "licence", "\n", "a: 1\nb: 2"),  # whatever its value's last character
    ("\r\nlicence: license", "licence", "\r\n", ""),  # the last key after a blank line: the CRLF before it goes
    ("a: &x 1\nm:\n  k: *x\nb: 2", "m", "\n", "a: &x 1\nb: 2"),  # a block mapping that ends with an alias
])
def test_a_deleted_key_takes_one_line_break_with_it(text: str, key: str, newline: str, expected: str) -> None:
    assert _spliced(text, DeleteKey(key), newline=newline) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("licence: license\ntags: []", "language: en\ntags: []"),
    ("licence: |\n  text\ntags: []", "language: en\ntags: []"),  # a block scalar: its text ends with its break
    ("licence: license", "language: en\n"),  # the only key, on the last line
])
def test_a_key_inserted_before_a_key_deleted_in_the_same_splice_takes_its_place(text: str, expected: str) -> None:
    order = ("language", "licence", "tags")  # the new key goes before `licence`, which is deleted
    assert _spliced(text, DeleteKey("licence"), SetKey("language", "en", order)) == expected
