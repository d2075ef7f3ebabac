"""Task inference: clues intersected, a group folded into what the Trainer writes, nothing decided otherwise."""

from __future__ import annotations

import pytest

from cardfix import Options, repair
from cardfix.ruleset import RuleError, load_rules, override_params
from cardfix.tasks import Clue, Task, Undecided, decide

SEQ2SEQ = [["text2text-generation", "summarization", "translation"]]


def clue(evidence: str, *tasks: str) -> Clue:
    return Clue(evidence, frozenset(tasks))


def test_one_task_left_decides_and_names_every_clue() -> None:
    found = decide([clue("accuracy", "text-classification", "fill-mask"), clue("imdb", "text-classification")], [])
    assert found == Task("text-classification", "accuracy, imdb")


def test_several_tasks_left_decide_nothing_and_say_which() -> None:
    found = decide([clue("accuracy", "text-classification", "text-generation")], [])
    assert isinstance(found, Undecided)
    assert found.reason() == ("the card's clues leave text-classification, text-generation "
                              "(accuracy -> text-classification or text-generation)")


def test_clues_that_disagree_decide_nothing() -> None:
    found = decide([clue("wer", "automatic-speech-recognition"), clue("the name (pos)", "token-classification")], [])
    assert isinstance(found, Undecided) and found.left == frozenset()
    assert found.reason().startswith("the card's clues disagree (wer -> automatic-speech-recognition; ")


def test_no_clue_decides_nothing() -> None:
    assert decide([], SEQ2SEQ) == Undecided((), frozenset())
    assert Undecided((), frozenset()).reason() == "nothing in the card names the task"


@pytest.mark.parametrize("tasks", [("summarization",), ("translation", "text2text-generation"),
                                   ("summarization", "translation")])
def test_the_tasks_of_a_group_count_as_the_one_the_trainer_writes(tasks: tuple[str, ...]) -> None:
    assert decide([clue("seq2seq", *tasks)], SEQ2SEQ) == Task("text2text-generation", "seq2seq")
    assert decide([clue("seq2seq", *tasks), clue("gpt2", "text-generation")], SEQ2SEQ).left == frozenset()


def trainer_card(base: str, summary: str, name: str = "m", dataset: str = "an unknown dataset") -> str:
    return (f"---\ntags:\n- generated_from_trainer\nmodel-index:\n- name: {name}\n  results: []\n---\n# {name}\n\n"
            f"This model is a fine-tuned version of [{base}](https://huggingface.co/{base}) on {dataset}.\n"
            f"It achieves the following results on the evaluation set:\n{summary}")


@pytest.mark.parametrize(("base", "summary", "name", "task"), [
    ("bert-base-cased", "- Loss: 0.1\n- Precision: 0.9\n- Recall: 0.9\n- F1: 0.9\n- Accuracy: 0.98\n", "m",
     "token-classification"),
    ("distilbert-base-uncased", "- Exact Match: 78.1\n- F1: 86.2\n", "m", "question-answering"),
    ("facebook/wav2vec2-base", "- Loss: 0.4\n- Wer: 0.3\n", "wav2vec2-rel-pos", "automatic-speech-recognition"),
    ("t5-small", "- Loss: 1.2\n- Bleu: 28.1\n- Gen Len: 17.0\n", "m", "text2text-generation"),
    ("albert-base-v2", "- Loss: 0.4\n- Matthews Correlation: 0.5\n", "m", "text-classification"),
    ("google/vit-base-patch16-224-in21k", "- Loss: 0.1\n- Accuracy: 0.97\n", "m", "image-classification"),
    ("bert-base-uncased", "- Loss: 0.6\n- Accuracy: 0.78\n", "bert-finetuned-swag", "multiple-choice"),
    ("roberta-base", "- eval_loss: 0.4\n- eval_accuracy: 0.9\n", "roberta-imdb-sentiment", "text-classification"),
])
def test_the_card_s_evidence_decides(base: str, summary: str, name: str, task: str) -> None:
    result = repair(trainer_card(base, summary, name), select=["CF201"])
    assert f"type: {task}\n" in result.text, result.findings


@pytest.mark.parametrize(("base", "summary", "name"), [
    ("gpt2", "- Loss: 3.1\n- Accuracy: 0.4\n", "m"),  # run_clm reports accuracy: not text classification
    ("bert-base-uncased", "- Loss: 1.9\n- Accuracy: 0.6\n", "m"),  # masked LM, multiple choice or classifier
    ("t5-small", "- Loss: 0.3\n- Wer: 0.2\n", "m"),  # a text model's architecture against a speech metric
    ("microsoft/deberta-v3-small", "- Loss: 0.3\n- Precision: 0.9\n- Recall: 0.9\n- F1: 0.9\n- Accuracy: 0.9\n",
     "deberta-binary-sentiment"),  # seqeval's layout against the name's words
])
def test_evidence_that_does_not_decide_writes_no_result(base: str, summary: str, name: str) -> None:
    card = trainer_card(base, summary, name)
    result = repair(card, select=["CF201"])
    assert result.text == card
    assert any("the task is not decided" in f.message and f.message.endswith("pass --task") for f in result.findings)
    assert "type: text-classification" in repair(card, select=["CF201"],
                                                 options=Options(task="text-classification")).text


@pytest.mark.parametrize(("inference", "error"), [
    ({"clues": [{"evidence": "x", "tasks": ["a"]}]}, "each clue needs metric conditions"),
    ({"clues": [{"evidence": "x", "tasks": ["a"], "name": "x", "datasets": "y"}]}, "each clue needs"),
    ({"clues": [{"evidence": "x", "tasks": [], "name": "x"}]}, "a clue's tasks is a non-empty list"),
    ({"clues": [{"evidence": "x", "tasks": ["a"], "name": "("}]}, "task_inference"),
    ({"clues": [], "groups": [["only-one"]]}, "each group is a list of at least two tasks"),
    ({"clues": [], "weights": {}}, "needs `clues`"),
])
def test_the_rule_file_s_clues_are_validated(inference: dict[str, object], error: str) -> None:
    with pytest.raises(RuleError, match=error):
        override_params(load_rules(), {"CF201": {"task_inference": inference}}, "test.toml")
