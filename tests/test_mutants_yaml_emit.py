"""The YAML text of one key, and the file's indentation style (tests written to kill surviving mutants)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cardfix.written import Written
from cardfix.yaml_emit import Style, detect_style, float_text, render_key
from cardfix.yaml_read import parse_front_matter


@pytest.mark.parametrize(("text", "style"), [
    ("", Style(0, 2)),
    ("tags:\n- a", Style(0, 2)),
    ("tags:\n  - a", Style(2, 2)),
    ("tags:\n - a", Style(0, 2)),  # an offset of 1 is not one the emitter writes: the default
    ("tags:\n  [a, b]\n", Style(0, 2)),  # a flow list says nothing about block indentation
    ("a:\n    b: 1", Style(0, 4)),
    ("a:\n b: 1", Style(0, 1)),
    ("a:\n  - x\nb:\n  - c:\n        d: 1", Style(2, 4)),  # the mapping indent found below the top level
    ("model:\n    name: x\n    tags:\n      - a", Style(2, 4)),  # the sequence offset found below it
    ("model-index:\n- name: x\n  results:\n      task: 1", Style(0, 4)),  # measured from the nested key
    # an anchor on the key's line is where the collection's node starts: it measures nothing
    ("tags: &t\n  - a\ndatasets:\n  - d", Style(2, 2)),
    ("m: &a\n    k: 1\nn:\n    j: 1", Style(0, 4)),
    ("m:\n  tags:\n    - a\na: &x [*x]", Style(2, 2)),  # a self-referencing alias is walked once, then the rest
])
def test_the_files_indentation_is_detected_at_any_depth(text: str, style: Style) -> None:
    assert detect_style(parse_front_matter(text).root) == style


@pytest.mark.parametrize(("value", "text"), [
    (True, "k: true\n"), (False, "k: false\n"), (None, "k: null\n"),
    (3, "k: 3\n"), (0.5, "k: 0.5\n"),
    (Written("0.8720"), "k: 0.8720\n"),  # as the card wrote it
    (Written("1e-3"), "k: 0.001\n"),  # an exponent without a dot is a string to YAML 1.1 (PyYAML)
    (Written("1.5E-7"), "k: 1.5E-7\n"), (1e-05, "k: 1.0e-05\n"), (1e16, "k: 1.0e+16\n"),
    (float("inf"), "k: .inf\n"), (float("nan"), "k: .nan\n"),
    ({}, "k: {}\n"), ([], "k: []\n"),
    ("café: x", 'k: "café: x"\n'),  # quoted, and not escaped
    (["yes", {}, [], "a"], 'k:\n- "yes"\n- {}\n- []\n- a\n'),
])
def test_scalars_are_written_as_yaml_1_1_reads_them(value: Any, text: str) -> None:
    assert render_key("k", value, Style()) == text


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "OFF", "y", "n", "true", "null", "nan"])
def test_yaml_1_1_words_yes_no_on_off_are_quoted(word: str) -> None:
    assert render_key("k", word, Style()) == f'k: "{word}"\n'
    assert yaml.safe_load(render_key("k", [word], Style())) == {"k": [word]}


def test_nested_mappings_and_lists_follow_the_files_style() -> None:
    assert render_key("k", {"a": {"b": 1}, "c": ["d"]}, Style(2, 4)) == "k:\n    a:\n        b: 1\n    c:\n      - d\n"


@pytest.mark.parametrize(("value", "style", "text"), [
    ([[1, 2]], Style(0, 2), "k:\n- - 1\n  - 2\n"),
    ([[1, 2]], Style(2, 4), "k:\n  -   - 1\n      - 2\n"),
    ({"a": [[1]], "b": {"c": "é"}}, Style(2, 4), "k:\n    a:\n      -   - 1\n    b:\n        c: é\n"),
    ([[" ".join(["word"] * 40)]], Style(0, 2), "k:\n- - " + " ".join(["word"] * 40) + "\n"),  # never folded
])
def test_nested_lists_go_through_ruamel_in_the_files_style(value: Any, style: Style, text: str) -> None:
    assert render_key("k", value, style) == text
    assert render_key("k", value, style) == text  # the second time from the cached dumper


@pytest.mark.parametrize("value", [Written("1e-05"), 1e-05, 1e16, [[1e-05]], {"a": [[0.5, "x"]]}])
def test_numbers_in_exponent_form_read_back_as_numbers(value: Any) -> None:
    assert yaml.safe_load(render_key("k", value, Style())) == {"k": value}


def test_yaml_1_1_words_inside_nested_lists_read_back_as_strings() -> None:
    # ruamel (YAML 1.2) wrote yes/no/on/off plain there, which PyYAML reads as booleans
    assert yaml.safe_load(render_key("k", [["yes", "off"]], Style())) == {"k": [["yes", "off"]]}
    # in double quotes, as the direct emitter quotes them
    assert render_key("k", [["yes", "a"]], Style()) == 'k:\n- - "yes"\n  - a\n'


@pytest.mark.parametrize(("value", "text"), [
    (0.5, "0.5"), (1.5e-07, "1.5e-07"), (1.2345e20, "1.2345e+20"),  # already read as floats by both
    (1e-07, "1.0e-07"), (1e16, "1.0e+16"),  # a dot added: YAML 1.1 reads `1e-07` as a string
    (float("nan"), None), (float("-inf"), None),
])
def test_float_text_is_a_number_both_yaml_versions_read_back(value: float, text: str | None) -> None:
    assert float_text(value) == text
    if text is not None:
        assert yaml.safe_load(text) == value
