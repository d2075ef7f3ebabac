"""New top-level keys in plain block front matter are spliced with lighter checks than a whole read-back
(splice.insert_keys): its text must be splice_all's, it must read as the data the edits make, and a bad line
or a bad place must send the edits back to splice_all and the whole read-back."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from cardfix import splice
from cardfix.card import parse_text
from cardfix.edits import KEY_ORDER, SetKey, SetNode, apply_to_data, same_data
from cardfix.engine import run
from cardfix.options import Options
from cardfix.splice import insert_keys, splice_all
from cardfix.yaml_emit import PLAIN_WORDS
from cardfix.yaml_read import _tokens, parse_front_matter, plain_block, top_level_keys
from tests.test_mutants_engine import _count_parses, _rule, _set_key
from tests.test_yaml_plain import KEYS, READ_AS_THEMSELVES, _render, trees

TRAINER = "license: apache-2.0\ntags:\n- generated_from_trainer\nmodel-index:\n- name: m\n  results: []\n"


def _both(text: str, edits: list[Any]) -> tuple[str | None, str]:
    """insert_keys' text (None: not taken) and splice_all's with the whole read-back's node tree."""
    return (insert_keys(text, parse_front_matter(text).data, edits, "\n"),
            splice_all(text, parse_front_matter(text).root, edits, "\n"))


@pytest.mark.parametrize(("text", "edits", "expected"), [
    (TRAINER, [SetKey("base_model", "bert-base-cased", KEY_ORDER), SetKey("library_name", "transformers", KEY_ORDER)],
     "library_name: transformers\nlicense: apache-2.0\nbase_model: bert-base-cased\ntags:\n- generated_from_trainer\n"
     "model-index:\n- name: m\n  results: []\n"),
    ("tags:\n- x\n", [SetKey("pipeline_tag", "fill-mask")], "tags:\n- x\npipeline_tag: fill-mask"),  # appended
    ("  a: 1\n  # c\n\n  b:\n  - x", [SetKey("z", "yes"), SetKey("w", None, ("w", "b"))],
     '  a: 1\n  # c\n\n  w: null\n  b:\n  - x\n  z: "yes"'),  # an indented root; a quoted value; no last newline
])
def test_new_keys_are_put_where_splice_all_puts_them(text: str, edits: list[Any], expected: str) -> None:
    assert _both(text, edits) == (expected, expected)


@pytest.mark.parametrize(("text", "edits"), [
    (TRAINER, [SetKey("license", "mit")]),  # a key that is there: replaced by splice_all
    (TRAINER, [SetNode(("model-index", 0, "results"), [])]),
    (TRAINER, [SetKey("datasets", ["a"], KEY_ORDER)]),  # a value of several lines (written in the file's style)
    (TRAINER, [SetKey("a", 1), SetKey("a", 2)]),
    (TRAINER, [SetKey("a", "x\ny")]), (TRAINER, [SetKey("a", 'say "hi"\\')]),  # a value with escapes
    ("tags: [x]\n", [SetKey("a", 1)]), ("a: 1\r\n", [SetKey("b", 1)]), ("1: x\n", [SetKey("b", 1)]),
])
def test_other_edits_and_text_are_left_to_splice_all(text: str, edits: list[Any]) -> None:
    assert insert_keys(text, plain_block(text) or {}, edits, "\n") is None


def test_a_crlf_card_is_left_to_splice_all() -> None:
    assert insert_keys("a: 1", {"a": 1}, [SetKey("b", 2)], "\r\n") is None  # (its text would join with a CRLF)


VALUES = st.one_of(st.sampled_from(READ_AS_THEMSELVES), st.text(max_size=6), st.integers(), st.floats(),
                   st.booleans(), st.none(), st.just([]), st.just({}), st.lists(st.just("x"), max_size=2))
NEW_KEYS = [*KEY_ORDER, *KEYS, "pipeline_tag", "z"]


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS + list(KEY_ORDER)), trees), min_size=1, max_size=4,
                      unique_by=lambda p: p[0]),
       width=st.integers(1, 4), indentless=st.booleans(), dash_alone=st.booleans(), root=st.integers(0, 2),
       extra=st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["", "# note", "   # note", "  "])), max_size=3),
       last_newline=st.booleans(),
       edits=st.lists(st.tuples(st.sampled_from(NEW_KEYS), VALUES, st.booleans()), min_size=1, max_size=3,
                      unique_by=lambda e: e[0]))  # (the engine splices one edit a key at a time)
def test_new_keys_read_as_the_data_the_edits_make_and_as_splice_all_writes_them(
        pairs: list[tuple[str, Any]], width: int, indentless: bool, dash_alone: bool, root: int,
        extra: list[tuple[int, str]], last_newline: bool, edits: list[tuple[str, Any, bool]]) -> None:
    lines = [" " * root + line for line in _render(("map", pairs), 0, width, indentless, dash_alone)]
    for at, line in extra:
        lines.insert(at % (len(lines) + 1), line)
    text = "\n".join(lines) + ("\n" if last_newline else "")
    data = plain_block(text)
    assert data is not None, text
    wanted = [SetKey(key, value, KEY_ORDER if ordered else ()) for key, value, ordered in edits]
    inserted, spliced = _both(text, wanted)
    if inserted is not None:
        assert inserted == spliced
        expected = data
        for edit in wanted:
            expected = apply_to_data(expected, edit)
        assert same_data(parse_front_matter(inserted).data, expected)
    elif all(isinstance(key, str) for key in data) and all(
            e.key not in data and _bare(e.key) and isinstance(e.value, str) and _bare(e.value) for e in wanted):
        pytest.fail(f"new plain keys left to splice_all: {text!r} {wanted!r}")


def _bare(text: str) -> bool:
    """Written as itself, no quotes (and so read back by plain_block)."""
    return regex.fullmatch(r"[a-z_][\w-]*", text) is not None and text.lower() not in PLAIN_WORDS


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS), trees), min_size=1, max_size=4, unique_by=lambda p: p[0]),
       width=st.integers(1, 4), indentless=st.booleans(), dash_alone=st.booleans(), root=st.integers(0, 3),
       extra=st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["", "# note", "   # note", "  "])), max_size=3))
def test_the_top_level_keys_are_the_readers_keys_at_the_roots_indent(
        pairs: list[tuple[str, Any]], width: int, indentless: bool, dash_alone: bool, root: int,
        extra: list[tuple[int, str]]) -> None:
    lines = [" " * root + line for line in _render(("map", pairs), 0, width, indentless, dash_alone)]
    for at, line in extra:
        lines.insert(at % (len(lines) + 1), line)
    text = "\n".join(lines) + "\n"
    indent, keys = top_level_keys(text)
    assert indent == root
    assert list(keys) == [key for at, item, key, _ in _tokens(text) if at == root and not item and key is not None]
    assert list(keys) == [key for key, _ in pairs]
    for key, start in keys.items():
        assert text.startswith(f"{' ' * root}{key}:", start) and (start == 0 or text[start - 1] == "\n")


# Bad splices planted in the light path: each must be caught there (None) or later, never written.


def test_a_line_that_reads_as_another_value_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = splice.render_key
    monkeypatch.setattr(splice, "render_key", lambda key, value, style: (
        "license: apache-2.0\n" if key == "license" else real(key, value, style)))
    assert insert_keys("tags:\n- x\n", {"tags": ["x"]}, [SetKey("license", "mit")], "\n") is None
    result = run(parse_text("---\ntags:\n- x\n---\nbody\n"), [_rule("CF901", _set_key("license", "mit", "bad"))],
                 Options())
    assert result.card.render() == "---\ntags:\n- x\n---\nbody\n"
    assert "did not read back as written" in result.findings[0].message


@pytest.mark.parametrize("line", ["license: mit\n  x: 1\n", "license: mit\nother: 1\n", "  license: mit\n",
                                  "license: mit # c\n", "- license: mit\n", "license:\n- mit\n"])
def test_a_line_that_is_no_key_line_at_the_roots_indent_is_caught(monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    monkeypatch.setattr(splice, "render_key", lambda key, value, style: line)
    assert insert_keys("a: 1\nb: 2\n", {"a": 1, "b": 2}, [SetKey("license", "mit", ("license", "b"))], "\n") is None


@pytest.mark.parametrize(("found", "key"), [
    ((0, {"a": 0, "b": 6}), "c"),  # a wrong place for b: in the middle of the nested line `  xb: 1`
    ((0, {"a": 0, "b": 3}), "c"),  # at the start of that nested line
    ((2, {"xb": 3}), "c"),  # the nested keys taken for the top level
    ((0, {"a": 0}), "b"),  # a key missed: the new key would be there twice
])
def test_top_level_keys_that_are_wrong_are_caught(monkeypatch: pytest.MonkeyPatch, found: tuple[int, dict[str, int]],
                                                  key: str) -> None:
    text = "a:\n  xb: 1\nb: 2\n"
    assert top_level_keys(text) == (0, {"a": 0, "b": 11})
    monkeypatch.setattr(splice, "top_level_keys", lambda text: found)
    assert insert_keys(text, {"a": {"xb": 1}, "b": 2}, [SetKey(key, 3, (key, "b"))], "\n") is None


@pytest.mark.parametrize("change", [
    lambda op: splice._Op(op.start + 1, op.end + 1, op.text, op.rank, op.append),  # off its line's start
    lambda op: splice._Op(op.start, op.end, op.text[:-1] + " ", op.rank, op.append),  # no line break after it
    lambda op: splice._Op(op.start, op.end, op.text[2:], op.rank, op.append),  # not at the root's indent
])
def test_a_new_key_put_in_a_bad_place_is_caught(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    real = splice._insert_top_level
    monkeypatch.setattr(splice, "_insert_top_level", lambda *args: change(real(*args)))
    text = "    a: 1\n    b: 2\n"
    assert insert_keys(text, {"a": 1, "b": 2}, [SetKey("c", 1, ("c", "b"))], "\n") is None


def test_apply_that_only_adds_keys_composes_no_node_tree_and_reads_the_input_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[str] = []
    real = splice_all
    monkeypatch.setattr("cardfix.engine.splice_all", lambda *args: composed.append(args[0]) or real(*args))
    parsed = _count_parses(monkeypatch)
    result = run(parse_text(f"---\n{TRAINER}---\n# m\n"), [_rule("CF901", _set_key("library_name", "transformers",
                                                                                     "library"))], Options())
    assert result.card.render().startswith("---\nlicense: apache-2.0\ntags:")
    assert parse_front_matter(result.card.front_matter).data["library_name"] == "transformers"
    assert (parsed, composed) == ([TRAINER.rstrip("\n")], [])
