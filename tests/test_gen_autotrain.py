"""AutoTrain / AutoNLP cards (CF205) and the Keras callback's `Validation *` metrics (CF201).

The cards below are written in each generator's own layout: AutoNLP's server-side cards (the corpus's seven),
autotrain-advanced 0.6's `eval_` keys and 0.8's `key: value` paragraphs (their MODEL_CARD templates), and
transformers 4.16's Keras callback (`TrainingSummary.to_model_card`, `parse_keras_history`).
"""

from __future__ import annotations

import pytest
import yaml

from cardfix import Options, repair
from cardfix.facts.autotrain import metrics_of, problem_type, read_autotrain, validation_metrics
from cardfix.facts.sections import read_sections
from tests.conftest import CORPUS, GOLDEN, needs_corpus

AUTONLP = """\
---
tags: autonlp
language: en
widget:
- text: "I love AutoNLP 🤗"
datasets:
- acme/autonlp-data-reviews
co2_eq_emissions: 4.8
---

# Model Trained Using AutoNLP

- Problem type: {problem}
- Model ID: 1234
- CO2 Emissions (in grams): 4.8

## Validation Metrics

- Loss: 0.2
- Accuracy: 0.93
- Macro F1: 0.91
- AUC: 0.97
- F1: 0.92

## Usage

```
from transformers import AutoModelForSequenceClassification, AutoTokenizer
```"""

# autotrain-advanced 0.8: the template starts with a blank line; keys are the Trainer's without `eval_`.
AUTOTRAIN = """
---
library_name: transformers
tags:
- autotrain
- text-classification
base_model: distilbert/distilbert-base-uncased
widget:
- text: "I love AutoTrain"{datasets}
---

# Model Trained Using AutoTrain

- Problem type: {problem}

## Validation Metrics
loss: 0.31

f1: 0.9

accuracy: 0.91
"""
IMDB = "\ndatasets:\n- stanfordnlp/imdb"

# autotrain-advanced 0.6 text classification: every key of trainer.evaluate(), `eval_` kept.
AUTOTRAIN_06 = """
---
tags:
- autotrain
- text-classification
language:
- en
widget:
- text: "I love AutoTrain"
datasets:
- acme/autotrain-data-reviews
co2_eq_emissions:
  emissions: 1.2
---

# Model Trained Using AutoTrain

- Problem type: Text Classification
- CO2 Emissions (in grams): 1.2000

## Validation Metrics
eval_loss: 0.12

eval_accuracy: 0.95

eval_runtime: 3.1

eval_samples_per_second: 100.2

eval_steps_per_second: 6.3

epoch: 3.0
"""

REPO = Options(repo_id="acme/reviews-1234")


def _fix(text: str, options: Options = REPO) -> tuple[str, list[str]]:
    result = repair(text, select=["CF205"], options=options)
    assert result.error is None
    return result.text, [f.message for f in result.findings if f.code == "CF205"]


def _model_index(text: str) -> list[dict[str, object]]:
    front = text.lstrip("\n").split("---\n")[1]
    return yaml.safe_load(front)["model-index"]  # type: ignore[no-any-return]


# The readers, on both layouts.

def test_problem_type_is_read_on_its_own_line() -> None:
    body = "# Model Trained Using AutoNLP\r\n\r\n- Problem type: Entity Extraction  \r\n- Model ID: 1\r\n"
    found = problem_type(body)
    assert found is not None and found.text == "Entity Extraction" and body[found.start:].startswith("- Problem")
    assert problem_type("text - Problem type: Summarization\n") is None  # not a line of its own
    assert problem_type("- Problem type: \n") is None and problem_type("- Problem type: \t \t") is None


@pytest.mark.parametrize(("body", "expected"), [
    ("## Validation Metrics\n\n- Loss: 0.2\n- Macro F1: 0.91\n- Gen Len: 18.7\n\n## Usage\n- Not: 1\n",
     [("Loss", "0.2"), ("Macro F1", "0.91"), ("Gen Len", "18.7")]),
    ("## Validation Metrics\nloss: 0.31\n\nf1_macro: 0.9\n\nmap_50: 0.4\n", [("loss", "0.31"), ("f1_macro", "0.9"),
                                                                          ("map_50", "0.4")]),
    ("## Validation Metrics\r\n\r\neval_loss: 0.12\r\n\r\nepoch: 3.0\r\n", [("eval_loss", "0.12"), ("epoch", "3.0")]),
    ("## Validation Metrics\nNo validation metrics available\n", []),
    ("# Model\n\nloss: 0.3\n", []),  # no section: no metrics
])
def test_validation_metrics_are_read_in_both_layouts(body: str, expected: list[tuple[str, str]]) -> None:
    section = next((s for s in read_sections(body) if s.title == "Validation Metrics"), None)
    items = validation_metrics(body, section)
    assert [(i.key, i.value) for i in items] == expected
    assert all(body[i.start:i.end].endswith(i.value) for i in items)


def test_only_the_metrics_a_model_index_takes_are_kept() -> None:
    body = AUTOTRAIN_06.split("---\n", 2)[2]
    facts = read_autotrain(body, next(s for s in read_sections(body) if s.title == "Validation Metrics"))
    metrics = metrics_of(facts.metrics, ["accuracy", "f1", "rouge"], {"rouge1": "rouge"})
    assert [(m.name, m.type, m.text) for m in metrics] == [("Accuracy", "accuracy", "0.95")]
    body = "## Validation Metrics\n- Loss: 0.27\n- Rouge1: 61.765\n- RougeL: 61.3\n- Gen Len: 18.8\n"
    rouge = metrics_of(validation_metrics(body, read_sections(body)[0]), ["rouge"], {"rouge1": "rouge"})
    assert [(m.name, m.type, m.value) for m in rouge] == [("Rouge1", "rouge", 61.765)]


# What CF205 writes.

def test_autonlp_binary_classification() -> None:
    text, findings = _fix(AUTONLP.format(problem="Binary Classification"))
    [entry] = _model_index(text)
    assert entry["name"] == "reviews-1234"
    assert entry["results"] == [{
        "task": {"name": "Text Classification", "type": "text-classification"},
        "dataset": {"name": "acme/autonlp-data-reviews", "type": "acme/autonlp-data-reviews"},
        "metrics": [{"name": "Accuracy", "type": "accuracy", "value": 0.93},
                    {"name": "F1", "type": "f1", "value": 0.92}]}]
    assert "decided by the problem type 'Binary Classification'" in findings[0]
    assert text.endswith("```")  # no final newline, as AutoNLP wrote it: the body is untouched


def test_autotrain_08_layout() -> None:
    card = AUTOTRAIN.format(datasets=IMDB, problem="Text Classification")
    text, _ = _fix(card)
    assert text.startswith("\n---\n") and text.endswith(card.split("---\n", 2)[2])
    [entry] = _model_index(text)
    assert [(m["name"], m["type"], m["value"]) for m in entry["results"][0]["metrics"]] == [
        ("f1", "f1", 0.9), ("accuracy", "accuracy", 0.91)]
    assert entry["results"][0]["dataset"]["type"] == "stanfordnlp/imdb"


def test_autotrain_06_eval_keys_never_give_loss_runtime_speeds_or_epoch() -> None:
    text, _ = _fix(AUTOTRAIN_06)
    assert _model_index(text)[0]["results"][0]["metrics"] == [{"name": "Accuracy", "type": "accuracy", "value": 0.95}]


@pytest.mark.parametrize(("problem", "task"), [
    ("Multi-class Classification", "text-classification"), ("Entity Extraction", "token-classification"),
    ("Summarization", "summarization"), ("Seq2Seq", "text2text-generation"),
    ("Extractive Question Answering", "question-answering")])
def test_problem_types_map_to_hub_tasks(problem: str, task: str) -> None:
    text, _ = _fix(AUTONLP.format(problem=problem))
    assert _model_index(text)[0]["results"][0]["task"]["type"] == task


def test_an_existing_entry_keeps_its_name_and_options_rank_first() -> None:
    card = AUTONLP.format(problem="Binary Classification").replace(
        "co2_eq_emissions: 4.8\n", "co2_eq_emissions: 4.8\nmodel-index:\n- name: kept\n  results: []\n")
    text, findings = _fix(card)
    assert _model_index(text)[0]["name"] == "kept" and findings[0].startswith("model-index results are empty;")
    text, _ = _fix(AUTONLP.format(problem="Text Regression"),
                   Options(task="text-classification", dataset="acme/other:default:test", model_name="mine"))
    [entry] = _model_index(text)
    assert entry["name"] == "mine" and entry["results"][0]["task"]["type"] == "text-classification"
    assert entry["results"][0]["dataset"] == {"name": "acme/other", "type": "acme/other", "config": "default",
                                              "split": "test"}


# Each refusal: nothing written, a finding naming the option that supplies the fact.

@pytest.mark.parametrize(("card", "options", "says"), [
    (AUTONLP.format(problem="Text Regression"), REPO, "problem type 'Text Regression' is not one"),
    (AUTONLP.format(problem="Binary Classification").replace("- Problem type: Binary Classification\n", ""), REPO,
     "the card states no problem type; pass --task"),
    (AUTONLP.format(problem="Binary Classification").replace("tags: autonlp", "tags: autonlp\npipeline_tag: fill-mask"),
     REPO, "says text-classification, but pipeline_tag says fill-mask; pass --task"),
    (AUTOTRAIN.format(datasets="", problem="Text Classification"), REPO, "the card names no dataset"),
    (AUTOTRAIN.format(datasets="\ndatasets:\n- reviews_local", problem="Text Classification"), REPO,
     "names 'reviews_local', not a Hub dataset id"),
    (AUTOTRAIN.format(datasets="\ndatasets:\n- imdb\n- acme/more", problem="Text Classification"), REPO,
     "the validation metrics are of one of them; pass --dataset"),
    (AUTONLP.format(problem="Binary Classification"), Options(), "no model name"),
    (AUTONLP.format(problem="Binary Classification").replace("- Accuracy: 0.93\n", "").replace("- F1: 0.92\n", ""),
     REPO, "include none the Hub model-index takes"),
])
def test_what_is_not_decided_is_reported_and_nothing_written(card: str, options: Options, says: str) -> None:
    text, findings = _fix(card, options)
    assert text == card
    assert any(says in f for f in findings), findings


def test_every_missing_fact_is_reported_at_once() -> None:
    card = AUTOTRAIN.format(datasets="", problem="Sentence Transformers")
    text, findings = _fix(card, Options())
    assert text == card
    assert [f.split(", but ")[1].split(":")[0] for f in findings] == [
        "the task is not decided", "no dataset can be written", "the card gives no model name (AutoTrain's `# Model "
        "Trained Using` heading is none); pass --model-name or --repo-id"]


@pytest.mark.parametrize("card", [
    AUTOTRAIN.format(datasets=IMDB, problem="Text Classification").replace("## Validation Metrics\n", "## Metrics\n"),
    AUTOTRAIN.format(datasets=IMDB, problem="Text Classification").replace(
        "loss: 0.31\n\nf1: 0.9\n\naccuracy: 0.91\n", "No validation metrics available\n"),
])
def test_cards_with_no_validation_metrics_are_left_alone_silently(card: str) -> None:
    assert _fix(card) == (card, [])


def test_autonlp_heading_alone_marks_the_card() -> None:
    text, _ = _fix(AUTONLP.format(problem="Binary Classification").replace("tags: autonlp\n", ""))
    assert _model_index(text)[0]["results"][0]["task"]["type"] == "text-classification"


def test_cards_autotrain_did_not_write_or_the_trainer_did_never_change() -> None:
    by_hand = AUTONLP.format(problem="Binary Classification").replace("tags: autonlp", "license: mit").replace(
        "# Model Trained Using AutoNLP", "# My reviews model")
    assert _fix(by_hand) == (by_hand, [])
    trainer = AUTONLP.format(problem="Binary Classification").replace(
        "tags: autonlp", "tags:\n- autonlp\n- generated_from_trainer")
    assert repair(trainer, select=["CF205"], options=REPO).findings == ()  # CF201's card


@pytest.mark.parametrize("card", [AUTONLP.format(problem="Binary Classification"), AUTOTRAIN_06,
                                  AUTOTRAIN.format(datasets=IMDB, problem="Text Classification").replace("\n", "\r\n")])
def test_idempotent_with_every_rule(card: str) -> None:
    once = repair(card, options=REPO).text
    assert once != card
    assert repair(once, options=REPO).text == once
    assert not any(f.code == "CF205" for f in repair(once, options=REPO).findings)


# The Keras callback: a model-index only from what the card labels `Validation *`.

KERAS = """\
---
license: apache-2.0
tags:
- generated_from_keras_callback
datasets:
- imdb
model-index:
- name: distilbert-imdb
  results: []
---

<!-- This model card has been generated automatically according to the information Keras had access to. You should
probably proofread and complete it, then remove this comment. -->

# distilbert-imdb

This model is a fine-tuned version of [distilbert-base-uncased](https://huggingface.co/distilbert-base-uncased) on \
the imdb dataset.
It achieves the following results on the evaluation set:
{summary}
## Model description

More information needed
"""


def _keras(summary: str, options: Options | None = None) -> tuple[str, list[str]]:
    card = KERAS.format(summary=summary)
    result = repair(card, select=["CF201"], options=options)
    return result.text, [f.message for f in result.findings]


def test_keras_writes_only_validation_metrics_keyed_without_the_label() -> None:
    text, findings = _keras("- Train Loss: 0.15\n- Train Accuracy: 0.95\n- Validation Loss: 0.22\n"
                            "- Validation Accuracy: 0.92\n- Epoch: 1\n")
    [result] = _model_index(text)[0]["results"]
    assert result["metrics"] == [{"name": "Validation Accuracy", "type": "accuracy", "value": 0.92}]
    assert result["task"]["type"] == "text-classification" and "Validation Accuracy" in findings[0]
    again = repair(text, select=["CF201"])
    assert again.text == text


@pytest.mark.parametrize("summary", [
    "- Train Loss: 0.69\n- Validation Loss: 0.70\n- Train Accuracy: 0.49\n- Epoch: 4\n",  # KerasMetricCallback
    "- Train Loss: 0.56\n- Epoch: 2\n",
    "- Train Loss: 0.3\n- Train Sparse Categorical Accuracy: 0.88\n- Validation Loss: 0.43\n"
    "- Validation Sparse Categorical Accuracy: 0.83\n- Epoch: 2\n",
])
def test_keras_train_values_and_epochs_are_never_metrics(summary: str) -> None:
    text, findings = _keras(summary)
    assert text == KERAS.format(summary=summary)
    assert findings == ["model-index results are empty and the card reports no metric the Hub model-index takes "
                        "(losses, epochs and speeds are not metrics)"]


def test_keras_empty_summary_writes_and_says_nothing() -> None:
    assert _keras("") == (KERAS.format(summary=""), [])


def test_keras_undecided_task_or_dataset_writes_nothing() -> None:
    summary = "- Train Loss: 0.15\n- Validation Loss: 0.22\n- Validation Accuracy: 0.92\n- Epoch: 1\n"
    card = KERAS.format(summary=summary).replace("datasets:\n- imdb\n", "").replace("the imdb", "the HatEval")
    result = repair(card, select=["CF201"])
    assert result.text == card and "'HatEval', not a Hub dataset id" in result.findings[0].message
    undecided = card.replace("imdb", "x").replace("distilbert-base-uncased", "gpt2").replace("HatEval", "acme/data")
    result = repair(undecided, select=["CF201"])
    assert result.text == undecided and "the task is not decided" in result.findings[0].message


def test_keras_results_from_final_row_falls_back_to_the_validation_summary() -> None:
    text, _ = _keras("- Train Loss: 0.15\n- Validation Loss: 0.22\n- Validation Accuracy: 0.92\n- Epoch: 1\n",
                     Options(results_from="final-row"))
    assert _model_index(text)[0]["results"][0]["metrics"][0]["name"] == "Validation Accuracy"


# The corpus: what the rules do on the generators' real cards.

AUTONLP_CARDS = ["0164", "0268", "0269", "0270", "0273", "1305", "1739"]


@needs_corpus
def test_autonlp_corpus_cards_get_a_model_index_only_with_a_name() -> None:
    for number in AUTONLP_CARDS:
        card = (CORPUS / "bulk" / f"{number}.md").read_text(encoding="utf-8")
        text, findings = _fix(card, Options())
        assert text == card
        assert findings == ([] if number == "1739" else [  # 1739's author wrote a model-index
            "model-index missing, but the card gives no model name (AutoTrain's `# Model Trained Using` heading is "
            "none); pass --model-name or --repo-id"])


@needs_corpus
def test_keras_corpus_cards_never_get_a_train_value() -> None:
    for path in sorted((CORPUS / "bulk").glob("*.md")):
        card = path.read_text(encoding="utf-8", errors="replace")
        if "generated_from_keras_callback" not in card:
            continue
        text = repair(card, select=["CF201"]).text
        if text != card:
            metrics = [m for e in _model_index(text) for r in e["results"] for m in r["metrics"]]  # type: ignore
            assert metrics and all(str(m["name"]).startswith("Validation ") for m in metrics), path.name


def test_cf202_compares_a_keras_model_index_with_the_values_labelled_validation() -> None:
    card = (GOLDEN / "keras-validation-metrics.out.md").read_text()
    assert not any(f.code == "CF202" for f in repair(card, select=["CF202"]).findings)
    wrong = card.replace("      value: 0.9188\n", "      value: 0.9461\n")  # the Train Accuracy
    found = [f.message for f in repair(wrong, select=["CF202"]).findings if f.code == "CF202"]
    assert found == ["model-index accuracy = 0.9461 contradicts the card, which shows 0.9188"]
