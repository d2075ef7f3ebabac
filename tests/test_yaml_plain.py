"""Front matter in plain block style is read without libyaml (yaml_read.plain_block): its data must be
exactly PyYAML's, and anything outside that style must be left to libyaml (None)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cardfix import repair
from cardfix.card import parse_text
from cardfix.yaml_read import FrontMatterError, parse_front_matter, plain_block
from tests.conftest import all_corpus_cards, needs_corpus

# Plain scalars that read as something else than a string, or nearly do (YAML 1.1, as PyYAML resolves it).
READ_AS_THEMSELVES = ["a", "a b", "C#", "it's", 'say "hi"', "http://x.y/z?q=1", "a,b", "x]", "-x", "key:x", "é",
                      "—", "a\\b", "1", "-1", "+3", "012", "0o17", "0x1F", "0b11", "1_000", "1:30", "1.5", "-.5",
                      ".inf", "-.Inf", ".nan", "1e3", "6.8e+5", "1_0.5", "-0", "yes", "No", "on", "OFF", "true",
                      "TRUE", "y", "n", "null", "Null", "NULL", "~", "[]", "{}", '"q"', "'q'", '"a: b"', "'#'",
                      "'a \\ b'", '""', "''"]
# Text that libyaml must read (timestamps, the value and merge keys, escapes, indicators, comments...).
LEFT_TO_LIBYAML = ["2021-01-01", "=", "<<", "0x_", "-0b__", "1" * 5000,  # (ints PyYAML's constructor refuses)
                   '"a\\"b"', '"a\\nb"', "'it''s'", "%x", "@x", "`x", "!x", "&x", "*x",
                   "|", ">", "?x", ":x", "-", "a #b", "a: b", "a:", "#x", "[1]", "{a: 1}", "'a", '"a']
KEYS = ["a", "b", "model-index", "name", "1", "2.5", "true", "~", "yes", "a b", "x_y", "C#", "-k", "ñ"]


def _pyyaml(text: str) -> tuple[str, str]:
    try:
        return "data", repr(yaml.load(text, Loader=yaml.CSafeLoader))  # (repr tells True from 1 and 1.0)
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return "error", type(exc).__name__


def _agrees(text: str) -> bool:
    """plain_block leaves the text to libyaml, or reads exactly what PyYAML reads."""
    ours = plain_block(text)
    return ours is None or _pyyaml(text) == ("data", repr(ours))


@pytest.mark.parametrize(("text", "data"), [
    ("a: yes\nb: 012\nc: 1:30\nd: ~\ne:\nf: []\ng: {}\n", {"a": True, "b": 10, "c": 90, "d": None, "e": None,
                                                          "f": [], "g": {}}),
    ("2: a\ntrue: b\n~: c\n2.5: d\n", {2: "a", True: "b", None: "c", 2.5: "d"}),
    ("# a comment\nk: 'v: w'\nl: \"x # y\"\n   # another, indented\nm: C#\n", {"k": "v: w", "l": "x # y", "m": "C#"}),
    ("tags:\n- a\n- 1\nmodel-index:\n- name: m\n  results:\n  - task:\n      type: t\n    metrics: []\n",
     {"tags": ["a", 1], "model-index": [{"name": "m", "results": [{"task": {"type": "t"}, "metrics": []}]}]}),
    ("language:\n  - en\n  -\n  - - x\n    - y\n  -\n    k: v\n", {"language": ["en", None, ["x", "y"], {"k": "v"}]}),
    ("  indented: 1\n  root: 2\n", {"indented": 1, "root": 2}),
    ("a: 1\nb:\n", {"a": 1, "b": None}), ("a:\n- x\n-\n", {"a": ["x", None]}),  # nothing after the last
    ("X: X\nY:\n- X\n", {"X": "X", "Y": ["X"]}),  # (what is stripped around keys, values and items: spaces)
])
def test_plain_block_style_is_read_as_pyyaml_reads_it(text: str, data: dict[Any, Any]) -> None:
    assert plain_block(text) == data
    assert repr(plain_block(text)) == repr(data) == _pyyaml(text)[1]


@pytest.mark.parametrize("text", [
    "", "# only a comment\n",  # no document
    "- a\n- b\n", "a\n", "---\na: 1\n",  # a root that is no mapping; a document marker
    "a: 1\na: 2\n",  # a duplicate key: libyaml's path names it and its line
    "a: 1\n  b: 2\n", "a: x\n  y\n", "- a\n  b\n",  # a value continued on the next line (or an error)
    "a:\n - 1\n b: 2\n", "a:\n  b: 1\n c: 2\n",  # indentation that matches no block
    "a: 1\n- 2\n", "a:\n  - 1\n  b: 2\n",  # an item where a key belongs
    "a:\tb\n", "a: 1\r\nb: 2\r\n", "a: \x85\n", "a: \ufeff\n",  # tabs, CRs, what is no printable text
    "0:\n #\x85: 0\n", "a: 1\n# \u2028b: 2\n",  # a line break of YAML's (NEL, U+2028) even in a comment
    "a:b: c\n", "a : 1\n", ": 1\n", "? a\n: 1\n",  # keys that are no plain scalar
    "a: 2021-01-01\n", "<<: {a: 1}\n", "v: =\n",  # timestamps, merge and value keys: PyYAML's constructor
    "a: 1\n--- b: 2\n", "--- a: 1\n", "a: 1\n...\n", "... a: 1\n",  # a document's start or end marker
    "k: - x\n",  # a sequence entry where a value belongs
    "k" * 1001 + ": 1\n", "x:\n  " + "k" * 1030 + ": 1\n",  # a key longer than libyaml takes one
    *[f"k: {value}\n" for value in LEFT_TO_LIBYAML],
    "a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(60)),  # deeper than it reads
])
def test_other_text_is_left_to_libyaml(text: str) -> None:
    assert plain_block(text) is None


@pytest.mark.parametrize(("text", "data"), [
    ("k: 0x_\n  - x\n", {"k": "0x_ - x"}),  # (an int to the resolver that its constructor refuses, continued)
    ("k:\n- 0b_\n  - x\n", {"k": ["0b_ - x"]}),
])
def test_what_pyyamls_constructor_refuses_is_left_to_libyaml_which_may_read_it_otherwise(
        text: str, data: dict[str, Any]) -> None:
    assert plain_block(text) is None
    assert parse_front_matter(text).data == data


@pytest.mark.parametrize("text", ["k: 0b_\n", "0x_: 1\n", "k: " + "1" * 5000 + "\n"])
def test_a_value_pyyamls_constructor_refuses_is_a_front_matter_error(text: str) -> None:
    with pytest.raises(FrontMatterError, match="front matter cannot be read"):
        parse_front_matter(text)


def test_nesting_past_what_it_reads_goes_to_libyaml_and_its_limit() -> None:
    """However the levels alternate (mappings, sequences under a key at its indent, items in items), deep
    front matter is left to libyaml, which refuses more than 100 levels."""
    deep = "".join(" " * (2 * i) + "k:\n" + " " * (2 * i) + "- x: 1\n" for i in range(150))
    items = "".join(" " * (2 * i) + "-\n" for i in range(150)) + " " * 300 + "x\n"
    for text in (deep, "r:\n" + items):
        assert plain_block(text) is None
        with pytest.raises(FrontMatterError, match="deeper than 100 levels"):
            parse_front_matter(text)


def test_a_duplicate_key_in_plain_style_is_still_reported_with_its_line() -> None:
    with pytest.raises(FrontMatterError, match=r"the key 'a' twice \(front-matter line 3\)"):
        parse_front_matter("a: 1\nb: 2\na: 3\n")


def test_the_node_tree_of_plain_front_matter_is_composed_only_when_a_splice_asks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[str] = []
    real = __import__("cardfix.yaml_read", fromlist=["_compose"])._compose
    monkeypatch.setattr("cardfix.yaml_read._compose", lambda text: composed.append(text) or real(text))
    parsed = parse_front_matter("a: 1\nb:\n- x\n")
    assert parsed.data == {"a": 1, "b": ["x"]} and composed == []
    assert isinstance(parsed.root, yaml.MappingNode) and composed == ["a: 1\nb:\n- x\n"]


# Documents in (and around) the plain block style: mappings and sequences nested in each of the ways YAML
# allows, any indentation width, comment and blank lines, then perhaps one change that leaves the style.
Tree = Any
scalars = st.sampled_from(READ_AS_THEMSELVES)
trees: st.SearchStrategy[Tree] = st.recursive(
    scalars.map(lambda s: ("scalar", s)),
    lambda children: st.one_of(
        st.lists(st.tuples(st.sampled_from(KEYS), children), min_size=1, max_size=4,
                 unique_by=lambda pair: pair[0]).map(lambda pairs: ("map", pairs)),
        st.lists(children, min_size=1, max_size=3).map(lambda items: ("seq", items))),
    max_leaves=12)


def _render(tree: Tree, indent: int, width: int, indentless: bool, dash_alone: bool) -> list[str]:
    kind, content = tree
    pad = " " * indent
    lines: list[str] = []
    if kind == "map":
        for key, child in content:
            if child[0] == "scalar":
                lines.append(f"{pad}{key}: {child[1]}")
            else:
                lines.append(f"{pad}{key}:")
                deeper = indent if child[0] == "seq" and indentless else indent + width
                lines += _render(child, deeper, width, indentless, dash_alone)
    else:
        for child in content:
            if child[0] == "scalar":
                lines.append(f"{pad}- {child[1]}")
            elif dash_alone:
                lines.append(f"{pad}-")
                lines += _render(child, indent + width, width, indentless, dash_alone)
            else:  # the child's first line on the dash's line
                inner = _render(child, indent + 2, width, indentless, dash_alone)
                lines += [f"{pad}- {inner[0][indent + 2:]}", *inner[1:]]
    return lines


CHANGES = [lambda line: line + " # c", lambda line: line + "\n" + line.replace(line.lstrip(), "   more"),
           lambda line: " " + line, lambda line: line[:-1] if len(line.strip()) > 1 else line,
           lambda line: line.replace(": ", ":\t", 1), lambda line: line + "\r", lambda line: line + ":",
           lambda line: line.replace(": ", ": &x ", 1), lambda line: line.replace("- ", "-", 1)]


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS), trees), min_size=1, max_size=4, unique_by=lambda p: p[0]),
       width=st.integers(1, 4), indentless=st.booleans(), dash_alone=st.booleans(),
       extra=st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["", "# note", "   # note", "  "])), max_size=3),
       change=st.one_of(st.none(), st.tuples(st.integers(0, 40), st.sampled_from(CHANGES))))
def test_generated_front_matter_is_read_as_pyyaml_reads_it_or_left_to_libyaml(
        pairs: list[tuple[str, Tree]], width: int, indentless: bool, dash_alone: bool,
        extra: list[tuple[int, str]], change: tuple[int, Any] | None) -> None:
    lines = _render(("map", pairs), 0, width, indentless, dash_alone)
    for at, line in extra:
        lines.insert(at % (len(lines) + 1), line)
    if change is None:
        text = "\n".join(lines) + "\n"
        assert plain_block(text) is not None, text  # the style: read without libyaml
        assert _agrees(text), text
    else:
        at, how = change
        lines[at % len(lines)] = how(lines[at % len(lines)])
        text = "\n".join(lines) + "\n"
        assert _agrees(text), text


ODD = "ab :#-'\"[]{},&*!|>%@`?~=<._019xyeEnN\\\u2028\x85é"
odd_scalars = st.text(alphabet=ODD, min_size=1, max_size=8).filter(lambda t: t.strip(" ") == t)
odd_trees: st.SearchStrategy[Tree] = st.recursive(
    odd_scalars.map(lambda s: ("scalar", s)),
    lambda children: st.one_of(
        st.lists(st.tuples(odd_scalars, children), min_size=1, max_size=3).map(lambda pairs: ("map", pairs)),
        st.lists(children, min_size=1, max_size=3).map(lambda items: ("seq", items))),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(odd_scalars, odd_trees), min_size=1, max_size=3), width=st.integers(1, 3),
       indentless=st.booleans(), dash_alone=st.booleans())
def test_front_matter_with_any_keys_and_values_is_read_as_pyyaml_reads_it_or_left_to_libyaml(
        pairs: list[tuple[str, Tree]], width: int, indentless: bool, dash_alone: bool) -> None:
    text = "\n".join(_render(("map", pairs), 0, width, indentless, dash_alone)) + "\n"
    assert _agrees(text), text


@needs_corpus
def test_every_corpus_front_matter_as_read_and_as_repaired_is_read_as_pyyaml_reads_it() -> None:
    read = 0
    for path in all_corpus_cards():
        text = path.read_bytes().decode("utf-8", "replace")
        for version in (text, repair(text).text):
            front_matter = parse_text(version).front_matter
            assert _agrees(front_matter), path.name
            read += plain_block(front_matter) is not None
    assert read
