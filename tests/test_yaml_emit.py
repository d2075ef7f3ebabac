"""The emitter: every string that YAML (1.1 as PyYAML and the Hub read it, or 1.2 as ruamel does) would take
for something else is quoted; plain ones stay plain, as the Trainer's own dump writes them."""

from __future__ import annotations

import pytest
import yaml
from ruamel.yaml import YAML

from cardfix.written import Written
from cardfix.yaml_emit import Style, render_key

SPECIAL = [
    "yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N", "true", "false", "True", "FALSE",
    "null", "Null", "NULL", "~", "", " ", "nan", ".nan", "NaN", "inf", ".inf", "-.inf", "1", "-1", "0.5", "1e3",
    "1E-5", ".5", "0x1F", "0o17", "017", "1_000", "1:30", "2001-12-14", "2001-12-14 21:59:43.10 -5",
    "- item", "key: value", "#comment", "a #b", "@at", "`tick", "!tag", "&anchor", "*alias", "%dir", "[list]",
    "{map}", "'quoted'", '"double"', "|", ">", "?", "a\nb", "tab\there", "trailing ", " leading", "é", "<<",
]
PLAIN = ["bert-base-uncased", "org/model-1.5", "text-classification", "glue", "Accuracy", "F1", "Rouge1",
         "Sequence-to-sequence Language Modeling", "wikitext-2-raw-v1", "generated_from_trainer"]


def read_back(text: str) -> tuple[object, object]:
    return yaml.safe_load(text)["k"], YAML(typ="safe", pure=True).load(text)["k"]


@pytest.mark.parametrize("word", SPECIAL)
def test_strings_yaml_would_read_otherwise_are_quoted(word: str) -> None:
    text = render_key("k", word, Style())
    assert read_back(text) == (word, word), text
    assert text != f"k: {word}\n", "written plain"


@pytest.mark.parametrize("word", PLAIN)
def test_plain_names_stay_plain(word: str) -> None:
    assert render_key("k", word, Style()) == f"k: {word}\n"


@pytest.mark.parametrize(("value", "text"), [
    (True, "k: true\n"), (False, "k: false\n"), (None, "k: null\n"), (3, "k: 3\n"), (0.25, "k: 0.25\n"),
    (Written("0.8720"), "k: 0.8720\n"), ([], "k: []\n"), ({}, "k: {}\n"),
    # exponents as YAML 1.1 reads them too (`1e-07` is a string there)
    (1e-07, "k: 1.0e-07\n"), (1e20, "k: 1.0e+20\n"), (Written("1.2e-05"), "k: 1.2e-05\n"),
    (Written("2e5"), "k: 200000.0\n"),
])
def test_scalars_are_written_as_the_trainer_s_dump_writes_them(value: object, text: str) -> None:
    assert render_key("k", value, Style()) == text
    assert read_back(text) == (value, value)


@pytest.mark.parametrize(("style", "text"), [
    (Style(0, 2), "k:\n- a\n- b: 1\n  c: x\n"),
    (Style(2, 4), "k:\n  - a\n  - b: 1\n    c: x\n"),
])
def test_block_collections_follow_the_file_s_indentation(style: Style, text: str) -> None:
    value = ["a", {"b": 1, "c": "x"}]
    assert render_key("k", value, style) == text
    assert read_back(text) == (value, value)


def test_what_the_direct_emitter_cannot_write_goes_through_ruamel_and_reads_back() -> None:
    value = {"nested": [[1, 2], [3]], "float": 1e-7}
    text = render_key("k", value, Style())
    assert read_back(text) == (value, value)
