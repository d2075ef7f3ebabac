"""Over the real cards, with default options: every value cardfix writes is one the card itself states.

Each test reads the corpus run once (a module fixture) and checks one kind of claim against the input card
with its own, independent reading of it (plain regexes, not cardfix's facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from cardfix import repair
from cardfix.card import parse_text
from cardfix.resources import id_list
from cardfix.yaml_read import parse_front_matter
from tests.conftest import all_corpus_cards, needs_corpus

TRAINER_COMMENT = ("<!-- This model card has been generated automatically according to the information the Trainer had "
                   "access to. You\nshould probably proofread and complete it, then remove this comment. -->")

GENERATED = ("generated_from_trainer", "generated_from_keras_callback",
             "This model card has been generated automatically", "<!-- Provide a quick summary of what the model")
SUMMARY = re.compile(r"It achieves the following results on the evaluation set:[^\n]*\n((?:- [^\n]*\n?)+)")
SUMMARY_ITEM = re.compile(r"^- ([^:\n]+):\s*(\S+)\s*$", re.M)
SECTIONS = ("Model description", "Intended uses & limitations", "Training and evaluation data")
A_BEFORE_VOWEL = re.compile(r"\ba (?=[aeiAEI]|o(?!ne)|u(?!ni|s[ei]))")


@dataclass(frozen=True)
class Run:
    name: str
    before: str
    after: str

    def data(self, text: str) -> dict[str, Any]:
        card = parse_text(text)
        return parse_front_matter(card.front_matter).data if card.has_front_matter else {}

    @property
    def generated(self) -> bool:
        return any(mark in self.before for mark in GENERATED)


@pytest.fixture(scope="module")
def runs() -> list[Run]:
    found = []
    for path in all_corpus_cards():
        text = path.read_bytes().decode("utf-8")
        result = repair(text)
        if result.changed:
            found.append(Run(path.name, text, result.text))
    assert found
    return found


def new_results(run: Run) -> list[tuple[Any, dict[str, Any]]]:
    def results(data: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
        entries = data.get("model-index")
        return [(e.get("name"), r) for e in (entries if isinstance(entries, list) else []) if isinstance(e, dict)
                for r in (e.get("results") or []) if isinstance(r, dict)]
    old = results(run.data(run.before))
    return [x for x in results(run.data(run.after)) if x not in old]


def section(text: str, title: str) -> str | None:
    match = re.search(rf"^## {re.escape(title)}[ \t]*\r?\n(.*?)(?=^#{{1,2}} |\Z)", text, re.M | re.S)
    return match.group(1) if match else None


def filled(run: Run) -> list[str]:
    texts = []
    for title in SECTIONS:
        before, after = section(run.before, title), section(run.after, title)
        if before is not None and after is not None and before != after:
            texts.append(after)
    return texts


@needs_corpus
def test_model_index_values_are_the_summary_s(runs: list[Run]) -> None:
    bad = []
    for run in runs:
        match = SUMMARY.search(run.before)
        shown = {k.strip().lower(): v for k, v in SUMMARY_ITEM.findall(match.group(1))} if match else {}
        for _, result in new_results(run):
            for metric in result.get("metrics") or []:
                text = shown.get(str(metric.get("name")).lower())
                if text is not None and str(metric.get("value")) != text and float(metric["value"]) != float(text):
                    bad.append(f"{run.name}: {metric} vs summary {text}")
    assert bad == []


@needs_corpus
def test_no_model_index_or_section_text_on_a_card_no_generator_wrote(runs: list[Run]) -> None:
    assert [r.name for r in runs if not r.generated and (new_results(r) or filled(r))] == []


@needs_corpus
def test_model_index_names_are_the_card_s(runs: list[Run]) -> None:
    bad = []
    for run in runs:
        entries = run.data(run.before).get("model-index")
        given = {e.get("name") for e in entries if isinstance(e, dict)} if isinstance(entries, list) else set()
        title = re.search(r"^# (.+?)[ \t]*$", run.before, re.M)
        given.add(title.group(1) if title else None)
        bad += [f"{run.name}: {name!r}" for name, _ in new_results(run) if name not in given]
    assert bad == []


@needs_corpus
def test_bare_base_models_are_legacy_hub_ids(runs: list[Run]) -> None:
    legacy = id_list("data/legacy-model-ids.yaml")
    written = {run.name: run.data(run.after).get("base_model") for run in runs
               if run.data(run.after).get("base_model") != run.data(run.before).get("base_model")}
    assert written, "some base_model must be written"
    bad = {name: value for name, value in written.items()
           if not isinstance(value, str) or value.endswith("/") or ("/" not in value and value not in legacy)}
    assert bad == {}


@needs_corpus
def test_written_dataset_ids_are_hub_ids_the_card_states(runs: list[Run]) -> None:
    canonical = id_list("data/canonical-dataset-ids.yaml")
    bad = []
    for run in runs:
        stated = run.data(run.before).get("datasets")
        stated = {str(d) for d in (stated if isinstance(stated, list) else [stated])}
        after = run.data(run.after).get("datasets")
        ids = [str(d) for d in (after if isinstance(after, list) else [after]) if d and str(d) not in stated]
        ids += [r["dataset"]["type"] for _, r in new_results(run)]
        bad += [f"{run.name}: {d}" for d in ids if str(d) not in stated and d != "unknown" and "/" not in str(d)
                and d not in canonical]
    assert bad == []


@needs_corpus
def test_section_text_is_true_to_the_card(runs: list[Run]) -> None:
    bad = []
    for run in runs:
        for text in filled(run):
            if "generated_from_keras_callback" in run.before and re.search(r"evaluation[^.]*\bTrain [A-Z]", text):
                bad.append(f"{run.name}: calls Keras training values evaluation results")
            if "trained from scratch" in run.before and "fine-tuned" in text:
                bad.append(f"{run.name}: calls a model trained from scratch fine-tuned")
            if A_BEFORE_VOWEL.search(text):
                bad.append(f"{run.name}: 'a' before a vowel")
            if "evaluation results reported above" in text:
                bad.append(f"{run.name}: the data section repeats the results")
    assert bad == []


@needs_corpus
def test_an_unclosed_front_matter_gets_no_second_block(runs: list[Run]) -> None:
    unclosed = [r for r in runs if parse_text(r.before).unclosed]
    assert [r.name for r in unclosed if r.after.count("\n---") > r.before.count("\n---")
            or not r.after.startswith(r.before[:3])] == []


@pytest.mark.parametrize(("boms", "closed"), [("\ufeff\ufeff", True), ("\ufeff\ufeff\ufeff", True),
                                              (" \ufeff", True), ("\n\ufeff", True), ("\ufeff\ufeff", False)])
def test_a_front_matter_after_a_bom_that_does_not_start_the_file_gets_no_second_block(boms: str, closed: bool) -> None:
    """A BOM that starts the file is its encoding mark; after any other (a second, or one after a blank line),
    huggingface_hub reads no metadata, and a new block above would leave the old YAML in the body as text."""
    card = f"{boms}---\ntags:\n- generated_from_trainer\n{'---' if closed else ''}\n{TRAINER_COMMENT}\n# m\n"
    result = repair(card)
    assert result.text == card
    refused = [f.message for f in result.findings if f.code == "CF103"]
    assert len(refused) == 1 and "fix not applied: the front matter opens after a byte-order mark (U+FEFF) that is " \
        "not the file's first character, where huggingface_hub reads no metadata" in refused[0]
    assert refused[0].endswith("remove that mark first, metadata left as it is" if closed else
                               "no `---` line closes it; remove that mark and close it first, metadata left as it is")
    if closed:  # the same card with one BOM that starts it: read as front matter
        assert parse_text(card.replace(boms, "\ufeff", 1)).front_matter


@pytest.mark.parametrize("path", ["common6/checkpoint-3500", "./checkpoint-1000", "checkpoint-20000"])
def test_a_trainer_checkpoint_folder_is_never_a_base_model(path: str) -> None:
    card = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\nThis model is a fine-tuned version of "
            f"[{path}](https://huggingface.co/{path}) on an unknown dataset.\n")
    result = repair(card, select=["CF101"])
    assert "base_model" not in result.text
    assert any("base_model not set (pass --base-model)" in f.message for f in result.findings)


def test_a_hand_written_card_that_kept_the_trainer_s_sentence_gets_no_base_model() -> None:
    card = ("---\nlanguage: it\n---\n# m\n\nThis model is a fine-tuned version of "
            "[facebook/mbart-large-cc25](https://huggingface.co/facebook/mbart-large-cc25) on Fanpage.\n")
    assert repair(card).text == card
    assert repair(card.replace("language: it", "language: it\ntags:\n- generated_from_trainer")).text != card
