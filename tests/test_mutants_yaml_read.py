"""Reading the front matter: data, node tree and one-line errors (tests written to kill surviving mutants)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cardfix import yaml_loader, yaml_read
from cardfix.card import parse_text
from cardfix.yaml_read import MAX_NESTING, FrontMatterError, parse_front_matter
from tests.conftest import GOLDEN, all_corpus_cards, needs_corpus


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


# The direct construction gives what PyYAML's SafeConstructor gives, or leaves the tree to it.
def _both(text: str) -> tuple[str, str]:
    import yaml

    from cardfix.yaml_read import _compose, construct

    def attempt(build: Callable[[yaml.Node], Any]) -> str:
        try:
            node = _compose(text)
            return repr(build(node)) if node is not None else "empty"
        except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
            return type(exc).__name__
    return attempt(construct), attempt(lambda node: yaml.constructor.SafeConstructor().construct_document(node))


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, 2.5, null, true, ~, 0x10, 1_000, .inf, 'q', 1:20, -0o17, +12e3, .NaN, Yes, off, '']\n",
    "a: 2001-12-14\nb: !!binary aGk=\n",  # other tags: PyYAML builds them
    "a: &x [1]\nb: *x\n", "x: &x [*x]\n", "a: &s hi\nb: *s\n",  # aliases, shared and self-referring
    "base: &b {k: 1}\nm:\n  <<: *b\n  k: 2\n", "'=': 1\n= : 2\n", "? [a]\n: 1\n", "? {a: 1}\n: 1\n",
    "? !!str [a]\n: 1\n",  # a key that is no scalar, tagged as one
    "a: !!str 1\nb: ! 2\nc: !!int '3'\nd: !!float 1\ne: !!map {f: 1}\ng: !!seq [h]\n",
    "a: !custom 1\n", "s: !!set {a, b}\n", "o: !!omap [a: 1]\n", "a: !!int x\n",
])
def test_direct_construction_is_pyyaml_s(text: str) -> None:
    direct, pyyaml = _both(text)
    assert direct == pyyaml


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=20))
def test_direct_construction_reads_back_what_pyyaml_dumps(data: Any) -> None:
    import yaml

    for style in (False, True, None):
        direct, pyyaml = _both(yaml.safe_dump({"k": data}, default_flow_style=style))
        assert direct == pyyaml


def test_an_alias_is_one_object_as_pyyaml_makes_it() -> None:
    data = parse_front_matter("a: &x [1]\nb: *x\n").data
    assert data["a"] is data["b"]


def _same_on(paths: list[Path]) -> None:
    for path in paths:
        text = parse_text(path.read_bytes().decode("utf-8", "replace")).front_matter
        direct, pyyaml = _both(text)
        assert direct == pyyaml, path


def test_direct_construction_on_every_golden_front_matter() -> None:
    _same_on(sorted(GOLDEN.glob("*.md")))


@needs_corpus
def test_direct_construction_on_every_corpus_front_matter() -> None:
    _same_on(all_corpus_cards())


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, 2.5, null, true, {c: [d, -3]}]\n'q': \"r\"\n",
    "k: !!str 1\nm: !!map {n: !!seq [o]}\n",  # the tags the direct construction reads itself
])
def test_a_tree_of_plain_values_is_built_without_pyyaml_s_constructor(text: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    expected = parse_front_matter(text).data

    def refuse(*args: object) -> None:
        raise AssertionError("PyYAML's constructor was used")

    monkeypatch.setattr(yaml.constructor.SafeConstructor, "construct_document", refuse)
    assert parse_front_matter(text).data == expected


@pytest.mark.parametrize("text", ["a: &x [1]\nb: *x\n", "a: 2001-12-14\n", "base: &b {k: 1}\nm: {<<: *b}\n"])
def test_an_alias_a_merge_or_another_tag_goes_through_pyyaml_s_constructor(text: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    used = []
    original = yaml.constructor.SafeConstructor.construct_document
    monkeypatch.setattr(yaml.constructor.SafeConstructor, "construct_document",
                        lambda self, node: used.append(node) or original(self, node))
    parse_front_matter(text)
    assert len(used) == 1


RESOLVED = ("a: 1\nb: 1.5\nc: .inf\nd: -.NaN\ne: true\nf: No\ng: ~\nh: null\ni: ''\nj: '1'\nk: 2022-01-02\n"
            "l: 2022-01-02 10:00:00\nm: 0x1F\nn: 0o17\no: 1_000\np: =\nq: [1, '2', x, {r: 3}]\n? [s]\n: t\n"
            "u: !!str 5\nv: |\n  1\nw: \"true\"\n")


def _tree(node: Any) -> Any:
    """Every tag, value and style of a node tree (positions left out)."""
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.style)
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, [_tree(item) for item in node.value])
    return (node.tag, [(_tree(k), _tree(v)) for k, v in node.value])


def test_remembered_tag_resolution_gives_pyyamls_tags_the_first_time_and_after() -> None:
    expected = _tree(yaml.compose(RESOLVED, Loader=yaml.CSafeLoader))
    yaml_loader._TAGS.clear()
    assert _tree(yaml_read._compose(RESOLVED)) == expected  # resolved by PyYAML, remembered
    assert _tree(yaml_read._compose(RESOLVED)) == expected  # read back from what was remembered
    assert ("1", "tag:yaml.org,2002:int") in yaml_loader._TAGS.items()


def test_remembered_tags_are_bounded() -> None:
    yaml_loader._TAGS.clear()
    text = "".join(f"k{i}: v{i}\n" for i in range(yaml_loader._TAGS_KEPT + 10))
    assert parse_front_matter(text).data["k5"] == "v5"
    assert 0 < len(yaml_loader._TAGS) <= yaml_loader._TAGS_KEPT


def test_a_resolver_added_to_pyyamls_loader_changes_nothing_cardfix_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml.CSafeLoader, "yaml_implicit_resolvers", dict(yaml.CSafeLoader.yaml_implicit_resolvers))
    assert parse_front_matter("lr: 1e-3").data == {"lr": "1e-3"}  # PyYAML's YAML 1.1 float needs a dot
    yaml.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^\d+e-\d+$"), list("0123456789"),
                               Loader=yaml.CSafeLoader)
    assert yaml.load("lr: 2e-3", Loader=yaml.CSafeLoader) == {"lr": 0.002}  # PyYAML's loader reads it so now
    assert parse_front_matter("lr: 1e-3\nwd: 2e-3").data == {"lr": "1e-3", "wd": "2e-3"}  # cardfix does not


def test_only_short_plain_scalars_are_remembered() -> None:
    yaml_loader._TAGS.clear()
    sentence = "a plain value longer than any key or metric name, " * 3
    assert parse_front_matter(f"a: {sentence}\nb: '1'\nc: 1\n").data == {"a": sentence.strip(), "b": "1", "c": 1}
    assert set(yaml_loader._TAGS) == {"a", "b", "c", "1"}  # keys and the plain 1


def test_nesting_is_read_to_the_limit_and_refused_past_it() -> None:
    inside = "a: " + "[" * (MAX_NESTING - 1) + "1" + "]" * (MAX_NESTING - 1)  # the mapping and 99 lists
    assert parse_front_matter(inside).data["a"] is not None
    inside = "a: " + "{k: " * (MAX_NESTING - 1) + "1" + "}" * (MAX_NESTING - 1)  # a value is no level of its own
    assert parse_front_matter(inside).data["a"] is not None
    with pytest.raises(FrontMatterError, match=r"^front matter is a YAML list, not a mapping$"):  # what it is, first
        parse_front_matter("[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5))
    past = "b: 1\na: " + "{k: " * MAX_NESTING + "1" + "}" * MAX_NESTING
    with pytest.raises(FrontMatterError) as error:
        parse_front_matter(past)
    assert str(error.value) == ("front matter nests lists and mappings deeper than 100 levels (front-matter "
                                "line 2); no card needs that many")
