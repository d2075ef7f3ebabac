"""Edit values and data equality (tests written to kill surviving mutants)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardfix import repair
from cardfix.card import parse_text
from cardfix.edits import (
    DEEP,
    BodyEdit,
    EditConflict,
    Origin,
    Outcome,
    Report,
    SetKey,
    SetNode,
    apply_body_edits,
    apply_to_data,
    changes_data,
    report,
    same_data,
)


def test_nan_in_the_front_matter_equals_itself_so_other_keys_can_still_be_fixed() -> None:
    assert same_data(float("nan"), float("nan"))
    assert same_data({"loss": [float("nan")]}, {"loss": [float("nan")]})
    card = "---\ntags:\n- generated_from_trainer\nloss: .nan\n---\n# m\n"
    result = repair(card, select=["CF103"])
    assert result.changed and "library_name: transformers\n" in result.text
    assert not any("not applied" in f.message for f in result.findings)


@pytest.mark.parametrize(("a", "b", "same"), [
    (True, True, True), (False, False, True),
    (True, 1, False), (1, True, False), (False, 0, False), (0, False, False),
    (1, 1.0, True),  # YAML `1` and `1.0` are the same number; only bool is kept apart
    (["a"], "a", False), ([], "", False), ("a", ["a"], False),
])
def test_same_data_keeps_bool_apart_from_numbers_and_lists_apart_from_strings(a: object, b: object,
                                                                              same: bool) -> None:
    assert same_data(a, b) is same


def test_a_report_carries_no_edits() -> None:
    note = Report("note", 3)
    assert report(note) == Outcome((), (note,))


@pytest.mark.parametrize("edits", [
    [BodyEdit(0, 3, "x"), BodyEdit(2, 4, "y")],
    [BodyEdit(2, 4, "y"), BodyEdit(0, 3, "x")],  # in any order
])
def test_overlapping_body_edits_are_rejected_naming_the_offsets(edits: list[BodyEdit]) -> None:
    with pytest.raises(EditConflict) as conflict:
        apply_body_edits("abcdef", edits)
    assert str(conflict.value) == "overlapping body edits at offsets 0-3 and 2"


def test_body_edits_that_only_touch_end_to_end_both_apply() -> None:
    assert apply_body_edits("abcd", [BodyEdit(2, 4, "Y"), BodyEdit(0, 2, "X")]) == "XY"


def test_applying_no_body_edits_leaves_the_origin_as_it_is() -> None:
    origin = Origin(parse_text("body"))
    assert origin.after([]) == origin


_values = st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | st.floats() | st.text("ab", max_size=2),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab", max_size=2), inner,
                                                                                    max_size=3), max_leaves=8)


@st.composite
def _data_and_edit(draw: st.DrawFn) -> tuple[dict[str, object], SetKey | SetNode]:
    data = draw(st.dictionaries(st.text("abc", min_size=1, max_size=2), _values, max_size=4))
    value = draw(_values)
    path: list[object] = []
    node: object = data
    while isinstance(node, (dict, list)) and node and draw(st.booleans()):
        step = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
        path.append(step)
        node = node[step]  # type: ignore[index]
    if not path:
        return data, SetKey(draw(st.text("abcd", min_size=1, max_size=2)), value)
    if isinstance(node, dict) and draw(st.booleans()):
        path.append(draw(st.text("xy", min_size=1, max_size=1)))  # a key the mapping may lack
    elif isinstance(node, (dict, list)) and node:
        path.append(draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node))))))
    return data, SetNode(tuple(path), value) if len(path) > 1 else SetKey(str(path[0]), value)


@given(_data_and_edit())
def test_changes_data_is_whether_the_edited_data_differs(case: tuple[dict[str, object], SetKey | SetNode]) -> None:
    data, edit = case
    assert changes_data(data, edit) is not same_data(apply_to_data(data, edit), data)


def test_self_referencing_data_compares_without_end() -> None:
    a: list[object] = []
    a.append(a)
    b: list[object] = []
    b.append(b)
    assert same_data(a, b) and same_data({"x": a}, {"x": b})
    assert not same_data({"x": a, "y": 1}, {"x": b, "y": 2})
    c: dict[str, object] = {}
    c["self"] = c
    d: dict[str, object] = {}
    d["self"] = d
    assert same_data(c, d) and not same_data({"m": c, "y": 1}, {"m": d, "y": 2})  # through mappings only


def test_data_nested_past_the_tracking_depth_still_compares_by_value() -> None:
    def nested(leaf: object, depth: int = DEEP + 20) -> object:
        for level in range(depth):
            leaf = [leaf] if level % 2 else {"k": leaf}
        return leaf

    assert same_data(nested(1), nested(1)) and same_data(nested(float("nan")), nested(float("nan")))
    assert not same_data(nested(1), nested(2)) and not same_data(nested(1), nested(True))


def test_a_fix_on_a_card_whose_front_matter_refers_to_itself_is_made() -> None:
    card = ("---\nx: &x [*x]\ntags:\n- generated_from_trainer\n---\n# m\n\nThis model is a fine-tuned version "
            "of [gpt2](https://huggingface.co/gpt2) on an unknown dataset.\n")
    result = repair(card, select=["CF101"])
    assert result.error is None and "base_model: gpt2" in result.text


def test_self_referencing_data_that_differs_further_down_is_not_equal() -> None:
    """The pair being compared is both sides: one side meeting itself again says nothing of the other."""
    x2: list[object] = [None, 1]
    x2[0] = x2
    x1: list[object] = [x2, 0]
    y: list[object] = [None, 0]
    y[0] = y
    assert not same_data(x1, y) and not same_data(y, x1)
    nested_a: list[object] = [None, [1]]
    nested_a[0] = nested_a
    nested_b: list[object] = [None, [2]]
    nested_b[0] = nested_b
    assert not same_data(nested_a, nested_b)
