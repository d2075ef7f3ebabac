"""Splices given the data they must read as: flow collections, aliases, refused paths (tests written to kill
surviving mutants)."""

from __future__ import annotations

from typing import Any

import pytest

from cardfix.edits import FrontMatterEdit, Path, SetKey, SetNode, apply_to_data
from cardfix.splice import splice, splice_all
from cardfix.yaml_read import parse_front_matter

ORDER = ("license", "base_model", "tags", "datasets")
RESULT = [{"task": {"type": "t"}}]
WRITTEN = "model-index:\n- name: x\n  results:\n  - task:\n      type: t\n"


def _spliced(text: str, *edits: FrontMatterEdit, data: dict[str, Any] | None = None) -> str:
    return splice_all(text, parse_front_matter(text).root, edits, "\n", data)


def _spliced_with_data(text: str, edit: FrontMatterEdit) -> str:
    """One edit spliced as the engine does it, given the data the front matter must read as afterwards."""
    return splice(text, parse_front_matter(text).root, edit, "\n", apply_to_data(parse_front_matter(text).data, edit))


def test_the_overlap_of_two_edits_is_a_key_error_saying_so() -> None:
    with pytest.raises(KeyError) as overlap:
        _spliced("m:\n  k: 1\n", SetKey("m", {"k": 2}), SetNode(("m", "k"), 3))
    assert overlap.value.args == ("front-matter edits overlap",)


@pytest.mark.parametrize("text", [
    "model-index: [{name: x, results: []}]\n",  # a block value cannot go inside a flow collection:
    "model-index:\n- {name: x, results: []}\n",  # the whole top-level key is written again
    "model-index:\n- name: x\n  results: null\n",  # in block style the value is replaced where it stands
])
def test_results_are_written_into_flow_and_block_entries_alike(text: str) -> None:
    assert _spliced_with_data(text, SetNode(("model-index", 0, "results"), RESULT)) == WRITTEN


def test_an_edit_through_an_alias_rewrites_the_aliasing_key_and_leaves_the_anchor_alone() -> None:
    text = "shared: &s\n- name: x\n  results: []\nmodel-index: *s\n"
    assert _spliced_with_data(text, SetNode(("model-index", 0, "results"), RESULT)) == (
        "shared: &s\n- name: x\n  results: []\n" + WRITTEN)


@pytest.mark.parametrize(("path", "data"), [
    (("model-index", 1, "results"), {"model-index": [{"name": "x"}, {"results": RESULT}]}),  # past the last entry
    (("a", "b"), {"a": {"b": RESULT}}),  # through a scalar
    (("tags", "b"), {"tags": {"b": RESULT}}),  # a list indexed by a key
])
def test_an_edit_whose_path_is_not_in_the_text_is_refused_even_given_the_data(path: Path, data: dict[str, Any]) -> None:
    with pytest.raises(KeyError, match="no key at"):
        _spliced("model-index:\n- name: x\na: 1\ntags:\n- t\n", SetNode(path, RESULT), data=data)


@pytest.mark.parametrize(("text", "edit", "out"), [
    ("a: &x 1\nb: *x\nz: 0", SetKey("b", 2), "a: &x 1\nb: 2\nz: 0"),
    ("a: &x 1\nm:\n  k:\n    j: *x\nz: 0", SetKey("m", {"k": {"j": 2}}), "a: &x 1\nm:\n  k:\n    j: 2\nz: 0"),
])
def test_a_value_that_is_an_alias_is_replaced_up_to_the_alias(text: str, edit: FrontMatterEdit, out: str) -> None:
    assert _spliced(text, edit) == out


def test_a_key_inserted_before_one_whose_commented_flow_value_becomes_a_block_splice_together() -> None:
    out = _spliced("license: mit\ntags: []  # later\n", SetKey("base_model", "m", ORDER), SetKey("tags", ["a"]))
    assert out == "license: mit\nbase_model: m\ntags:  # later\n- a\n"


def test_a_key_without_a_value_in_a_flow_mapping_gets_one_where_it_stands() -> None:
    assert _spliced("m: {a}\n", SetNode(("m", "a"), 1), data={"m": {"a": 1}}) == "m: {a: 1}\n"
