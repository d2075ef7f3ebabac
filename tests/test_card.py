"""The lossless card model and the front-matter splice."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cardfix import repair
from cardfix.card import FRONT_MATTER_RE, CardError, decode, detect_newline, parse_bytes, parse_text, split_front_matter
from cardfix.edits import SetKey, SetNode
from cardfix.splice import splice
from cardfix.yaml_read import FrontMatterError, parse_front_matter
from tests.conftest import ROOT, all_corpus_cards, corpus_files, needs_corpus

EDGE_CASES = [
    "\ufeff---\nlicense: mit\n---\n# t\n",
    "---\r\nlicense: mit\r\n---\r\nbody\r\n",
    "---\rlicense: mit\r---\rbody\r",
    "---\nlicense: mit\n---\nno final newline",
    "# no front matter\n\nbody\n",
    "---\n---\nempty front matter\n",
    "---\nlicense: mit\n---\nbody\n---\nnot front matter\n---\n",
    "---\nkey:\tvalue\t\n---\n\tindented\twith tabs  \n",
    "---\nlanguage: ja\n---\n日本語のカード — ünïcödé 🤗\n",
    "---\nx: 1\n---\n" + "long line " * 10_000 + "\n",
    "\n\n  ---\nlicense: mit\n---   \nleading blank lines, spaces after the fence\n",
    "----\nnot: front matter\n----\n",
    "",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_render_of_parse_is_identity(text: str) -> None:
    assert parse_text(text).render() == text
    assert parse_bytes(text.encode()).render() == text


@needs_corpus
def test_every_corpus_file_round_trips_byte_for_byte() -> None:
    files = all_corpus_cards()
    for path in files:
        data = path.read_bytes()
        assert parse_bytes(data).render().encode() == data, path


def test_split_follows_the_hub_regex() -> None:
    card = parse_text("\ufeff---\r\nlicense: mit\r\n---\r\nbody")
    assert (card.bom, card.front_matter, card.body, card.newline) == ("\ufeff", "license: mit", "body", "\r\n")
    assert not parse_text("----\na: 1\n----\n").has_front_matter
    assert not parse_text("---\n---\n").has_front_matter
    assert parse_text("---\na: 1\n---").has_front_matter  # closing fence at end of file


def test_newline_detection() -> None:
    assert detect_newline("a\r\nb\r\n") == "\r\n"
    assert detect_newline("a\rb\n") == "\n"  # as many CRs as LFs: LF (huggingface_hub's _detect_line_ending)
    assert detect_newline("a\rb\rc\n") == "\r"
    assert detect_newline("a\r\nb\n") == "\n"
    assert detect_newline("a\rb\r") == "\r"
    assert detect_newline("no break") == "\n"


@pytest.mark.parametrize(("data", "message"), [(b"\x00\x01binary", "binary"), (b"caf\xe9", "not UTF-8")])
def test_decode_refuses_what_is_not_a_text_card(data: bytes, message: str) -> None:
    with pytest.raises(CardError, match=message):
        decode(data)


def test_front_matter_errors_are_one_line() -> None:
    with pytest.raises(FrontMatterError, match="not valid YAML") as bad:
        parse_front_matter("a: [1, 2\nb: 3")
    assert "\n" not in str(bad.value)
    with pytest.raises(FrontMatterError, match="not a mapping"):
        parse_front_matter("- a\n- b")


def _spliced(text: str, edit: SetKey | SetNode, newline: str = "\n") -> str:
    return splice(text, parse_front_matter(text).root, edit, newline)


def test_splice_inserts_in_trainer_order_and_keeps_everything_else() -> None:
    text = "license: apache-2.0 # why\ntags: [a, 'b']\n\nmodel-index:\n- name: x\n  results: []"
    order = ("license", "base_model", "tags", "model-index")
    out = _spliced(text, SetKey("base_model", "org/m", order))
    assert out == ("license: apache-2.0 # why\nbase_model: org/m\ntags: [a, 'b']\n\n"
                   "model-index:\n- name: x\n  results: []")


def test_splice_replaces_a_nested_node_in_the_files_style_and_newline() -> None:
    text = "tags:\r\n  - a\r\nmodel-index:\r\n  - name: x\r\n    results: []  # empty\r\nz: 1"
    out = _spliced(text, SetNode(("model-index", 0, "results"), [{"task": {"type": "t"}}]), "\r\n")
    assert out == ("tags:\r\n  - a\r\nmodel-index:\r\n  - name: x\r\n    results:  # empty\r\n      - task:\r\n"
                   "          type: t\r\nz: 1")  # the comment stays on its key's line
    assert parse_front_matter(out).data["model-index"][0]["results"] == [{"task": {"type": "t"}}]


def test_splice_quotes_what_needs_quoting() -> None:
    out = _spliced("a: 1", SetKey("b", "yes: no #x"))
    assert parse_front_matter(out).data == {"a": 1, "b": "yes: no #x"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-# \n\r\t|[]{}'\"\ufeff—é")), max_size=200))
def test_arbitrary_text_round_trips_and_repair_never_raises(text: str) -> None:
    assert parse_text(text).render() == text
    result = repair(text)
    if result.error is None:
        assert repair(result.text).text == result.text
    else:
        assert result.text == text and "\n" not in result.error


def _regex_split(text: str) -> tuple[int, int, int] | None:
    """The definition split_front_matter must give: the Hub's regex's group ends."""
    match = FRONT_MATTER_RE.match(text)
    return None if match is None else (match.end(1), match.end(2), match.end())


# Fences, line breaks, the blanks `[ \t]*` takes and others it does not, and whitespace that `\s` takes.
FENCE_PIECES = ["---", "-", "--", "\n", "\r", "\r\n", " ", "\t", "a", "\x0b", "\x1c", "\x85", "\u2028", "\xa0",
                "#", "\f"]


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(FENCE_PIECES), max_size=24).map("".join))
@example("---\na: 1\n---\t \t\nbody")  # blanks after the closing fence
@example("---\r\n---\n")  # the opening's \r alone, where taking \r\n leaves no closing fence
@example("---\na\r\n---\r\n")  # a CRLF before the fence: the group starts at its \r
@example("---\na\n---\r")  # a lone \r after the fence closes nothing
def test_the_front_matter_is_split_where_the_hub_s_regex_splits_it(text: str) -> None:
    assert split_front_matter(text) == _regex_split(text)


def _split_as_the_regex(texts: list[str]) -> None:
    for text in texts:
        for variant in (text, text.replace("\n", "\r\n"), text.replace("\n", "\r"), text.lstrip("\ufeff")):
            assert split_front_matter(variant) == _regex_split(variant), variant[:200]


def test_every_golden_card_and_edge_case_is_split_where_the_hub_s_regex_splits_it() -> None:
    _split_as_the_regex([p.read_text(encoding="utf-8") for p in sorted((ROOT / "golden").glob("*.md"))] + EDGE_CASES)


@needs_corpus
def test_every_corpus_card_is_split_where_the_hub_s_regex_splits_it() -> None:
    _split_as_the_regex([p.read_bytes().decode("utf-8", "replace") for p in all_corpus_cards()])


def _pyyaml(text: str) -> object:
    """What PyYAML's own safe constructor makes of the text (or the kind of error it raises)."""
    try:
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        return ("data", repr({} if data is None else data))  # empty front matter reads as no keys
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return ("error", type(exc).__name__)


def _ours(text: str) -> object:
    try:
        parsed = parse_front_matter(text)
    except FrontMatterError as exc:
        return ("error", str(exc))
    return ("data", repr(parsed.data))


UNUSUAL_YAML = [
    "a: &x [1, 2]\nb: *x\n",  # an alias: PyYAML shares the list
    "base: &b {k: 1}\nmine:\n  <<: *b\n  j: 2\n",  # a merge key
    "when: 2022-01-05\nat: 2001-12-14t21:59:43.10-05:00\n",  # timestamps
    "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\np: !!pairs [a: 1]\nbin: !!binary aGk=\n",
    "m: !!map x\n", "q: !!seq x\n", "t: !!str {a: 1}\n", "u: !custom 1\n",  # tags on another kind of node
    "? [a, b]\n: 1\n", "? {a: 1}\n: 2\n",  # unhashable keys
    "= : 1\nv: =\n",  # the value key
    "ints: [0o17, 0x1F, 1_000, -0, +3, 0b11, 1:30]\nfloats: [.inf, -.Inf, .nan, 1e3, 6.8523015e+5, 1_0.5]\n",
    "bools: [yes, No, on, OFF, true, False]\nnulls: [~, null, Null, '']\nquoted: ['1', \"true\", '~']\n",
    "1: a\n2.5: b\ntrue: c\n~: d\n",  # (duplicate keys are an error: tests/test_everyday.py)
    "deep: " + "[" * 98 + "]" * 98 + "\n",  # as deep as read (deeper is refused: test_mutants_yaml_read.py)
]


@pytest.mark.parametrize("text", UNUSUAL_YAML)
def test_front_matter_data_is_what_pyyaml_builds(text: str) -> None:
    ours, theirs = _ours(text), _pyyaml(text)
    if theirs[0] == "data":
        assert ours == theirs
    else:
        assert ours[0] == "error"


@needs_corpus
def test_every_corpus_front_matter_reads_as_pyyaml_reads_it() -> None:
    compared = 0
    for path in corpus_files("bulk") + corpus_files("seeds"):
        front_matter = parse_text(path.read_bytes().decode("utf-8", "replace")).front_matter
        if _pyyaml(front_matter)[0] == "data":
            compared += 1
            assert _ours(front_matter) == _pyyaml(front_matter), path.name
    assert compared


@pytest.mark.parametrize(("front", "body", "expected"), [("\r\n", "\n", "\r\n"), ("\n", "\r\n", "\n")])
def test_new_front_matter_lines_end_as_the_block_s_own_lines_do(front: str, body: str, expected: str) -> None:
    # A CRLF block over an LF body (and the reverse) took the card's line ending, by huggingface_hub's rule
    # over the whole text (mixed: LF), so the new keys' lines ended unlike the block's.
    text = (f"---{front}license: mit{front}tags:{front}- generated_from_trainer{front}---{body}# m{body}{body}"
            f"This model is a fine-tuned version of [bert-base-uncased](https://huggingface.co/bert-base-uncased)"
            f" on an unknown dataset.{body}")
    result = repair(text)
    front_matter = parse_text(result.text).front_matter
    assert "library_name: transformers" + expected in front_matter and "base_model: bert-base-uncased" in front_matter
    assert front_matter.count("\r\n") == (front_matter.count("\n") if expected == "\r\n" else 0)
    assert parse_text(result.text).body == parse_text(text).body  # (the body's own endings kept)
    assert repair(result.text).text == result.text


def test_a_redrawn_table_keeps_the_table_s_own_line_ending() -> None:
    # CF302 joined the redrawn rows with the card's ending (by huggingface_hub's rule, LF for a card whose LF
    # front matter sits over a CRLF body), so the table's lines ended in LF inside a CRLF body.
    body = ("It achieves the following results on the evaluation set:\n- Loss: 1.0963\n- Accuracy: 0.7913\n\n"
            "### Training results\n\n| Training Loss | Epoch | Step | Accuracy | Validation Loss |\n"
            "|:-------------:|:-----:|:----:|:--------:|:---------------:|\n"
            "| 0.8659        | 1.0   | 100  | 0.7704   | 1.1291          |\n"
            "| 0.5002        | 2.0   | 200  | 1.0963   | 0.7913          |\n").replace("\n", "\r\n")
    text = "---\ntags: [generated_from_trainer]\n---\n" + body
    out = parse_text(repair(text, select=["CF301", "CF302"]).text).body
    assert "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\r\n" in out
    assert out.count("\n") == out.count("\r\n") == body.count("\r\n")
