"""Issue 16's defects a new user hits, each pinned: model cards only, severities, suppression, options and
configuration validated, front-matter shapes that must be filled or refused."""

from __future__ import annotations

import pytest

from cardfix import repair
from tests.clirun import invoke

GENERATED = "tags:\n- generated_from_trainer\n"
SUMMARY = ("# m\n\nThis model is a fine-tuned version of [bert-base-uncased](https://huggingface.co/bert-base-uncased)"
           " on the imdb dataset.\nIt achieves the following results on the evaluation set:\n- Loss: 0.3\n"
           "- Accuracy: 0.9\n")


def test_duplicate_keys_are_an_error_and_the_card_is_left_alone() -> None:
    card = "---\nlicense: mit\nlicense: apache-2.0\n---\n# m\n"
    code, out, err = invoke("apply", "-", stdin=card.encode())
    assert (code, out) == (2, b"")
    assert err.splitlines()[0] == ("-: front matter has the key 'license' twice (front-matter line 2); the Hub "
                                   "and ruamel.yaml reject that")


@pytest.mark.parametrize("empty", ["", " null", " ''", " []"])
def test_empty_values_count_as_absent(empty: str) -> None:
    card = (f"---\nbase_model:{empty}\n{GENERATED}---\n# m\n\nThis model is a fine-tuned version of "
            "[gpt2](https://huggingface.co/gpt2) on an unknown dataset.\n")
    assert "base_model: gpt2\n" in repair(card, select=["CF101"]).text


@pytest.mark.parametrize("model_index", ["model-index: [{name: m, results: []}]\n",
                                         "empty: &e []\nmodel-index:\n- name: m\n  results: *e\n"])
def test_flow_style_and_aliased_results_are_filled(model_index: str) -> None:
    card = f"---\n{GENERATED}{model_index}---\n{SUMMARY}"
    result = repair(card, select=["CF201"])
    assert "      type: text-classification\n" in result.text
    assert [f.fixable for f in result.findings] == [True]
    assert repair(result.text, select=["CF201"]).text == result.text


def test_a_comment_after_empty_results_stays_on_the_key_s_line() -> None:
    card = f"---\n{GENERATED}model-index:\n- name: m\n  results: []   # filled later\n---\n{SUMMARY}"
    text = repair(card, select=["CF201"]).text
    assert "  results:   # filled later\n  - task:\n" in text
    assert text.count("# filled later") == 1
