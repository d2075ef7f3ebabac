"""CF108 (DreamBooth LoRA sentences), CF109 (the pipeline_tag sentence-transformers' and SetFit's templates write)
and CF406 (placeholders a template left), on cards in their generators' exact layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardfix import Options, repair
from cardfix.core import Result
from cardfix.resources import rules_dir
from cardfix.ruleset import RuleError, load_rule_file

# autotrain-advanced 0.7.129 trainers/dreambooth/utils.py save_model_card (the file starts with a blank line).
AUTOTRAIN = """
---
tags:
- autotrain
- stable-diffusion
- stable-diffusion-diffusers
- text-to-image
- diffusers
- lora
- template:sd-lora

{meta}license: openrail++
---
""" + "    " + """
# AutoTrain LoRA DreamBooth - acme/sks-dog

These are LoRA adaption weights for {base}. The weights were trained on {prompt} using [DreamBooth](https://dreambooth.github.io/).
LoRA for the text encoder was enabled: False.
"""
# save_model_card_xl, its body from "## Model description" on.
AUTOTRAIN_XL = """
---
tags:
- autotrain
- stable-diffusion-xl
- diffusers

{meta}license: openrail++
---
""" + "    " + """
# AutoTrain SDXL LoRA DreamBooth - acme/sks-dog-xl

<Gallery />

## Model description

These are acme/sks-dog-xl LoRA adaption weights for {base}.

The weights were trained  using [DreamBooth](https://dreambooth.github.io/).

## Trigger words

You should use {prompt} to trigger the image generation.
"""
SBERT = ("This is a [sentence-transformers](https://www.SBERT.net) model: It maps sentences & paragraphs to a 384 "
         "dimensional dense vector space and can be used for tasks like clustering or semantic search.")
# sentence-transformers 2.2.2 model_card_templates.py, as `fit(output_path=...)` saves it ({MODEL_NAME} kept; no
# final newline). `<meta>` stands for the keys a test adds.
ST2 = """---
<meta>tags:
- sentence-transformers
- feature-extraction
- sentence-similarity

---

# {MODEL_NAME}

""" + SBERT + """

```python
model = SentenceTransformer('{MODEL_NAME}')
```

For an automated evaluation of this model, see the *Sentence Embeddings Benchmark*: [https://seb.sbert.net](https://seb.sbert.net?model_name={MODEL_NAME})"""
# setfit 0.7.0 modeling.py MODEL_CARD_TEMPLATE, filled with the folder `save_pretrained` wrote to.
SETFIT0 = """---
license: apache-2.0
tags:
- setfit
- sentence-transformers
- text-classification
{meta}---

# {name}

This is a [SetFit model](https://github.com/huggingface/setfit) that can be used for text classification. \
The model has been trained using an efficient few-shot learning technique that involves:

```python
from setfit import SetFitModel

# Download from Hub and run inference
model = SetFitModel.from_pretrained("{name}")
```
"""


def _run(text: str, code: str, **options: object) -> Result:
    result = repair(text, select=[code], options=Options(**options))  # type: ignore[arg-type]
    assert result.error is None
    again = repair(result.text, select=[code], options=Options(**options))  # type: ignore[arg-type]
    assert again.text == result.text, "a second run changes the card"
    return result


def _st2(meta: str, name: str = "{MODEL_NAME}") -> str:
    return ST2.replace("<meta>", meta).replace("{MODEL_NAME}", name)


def _line_of(card: str, start: str) -> int:
    """The 1-based number of the first line of `card` that starts with `start`."""
    return next(i for i, line in enumerate(card.splitlines(), 1) if line.startswith(start))


def _messages(result: Result, code: str) -> list[str]:
    return [f.message for f in result.findings if f.code == code]


# CF108 ----------------------------------------------------------------------------------------------------------

def test_cf108_leaves_a_card_whose_metadata_states_both_keys_unchanged() -> None:
    meta = "base_model: runwayml/stable-diffusion-v1-5\ninstance_prompt: photo of sks dog\n"
    card = AUTOTRAIN.format(meta=meta, base="runwayml/stable-diffusion-v1-5", prompt="photo of sks dog")
    result = _run(card, "CF108")
    assert result.text == card and not result.findings


def test_cf108_writes_both_keys_from_autotrains_sentence_where_the_author_dropped_them() -> None:
    card = AUTOTRAIN.format(meta="", base="runwayml/stable-diffusion-v1-5", prompt="photo of sks dog")
    result = _run(card, "CF108")
    assert "\nbase_model: runwayml/stable-diffusion-v1-5\ninstance_prompt: photo of sks dog\nlicense: openrail++\n" \
        in result.text
    assert result.text.startswith("\n---\n")  # the blank line before the front matter is kept
    assert [f.line for f in result.findings] == [_line_of(card, "These are")] * 2  # the sentence's line


def test_cf108_fills_an_instance_prompt_yaml_read_as_a_comment() -> None:
    """AutoTrain writes `instance_prompt: {prompt}` unquoted: a prompt starting with `#` is a YAML comment."""
    meta = "base_model: runwayml/stable-diffusion-v1-5\ninstance_prompt: #sks dog\n"
    card = AUTOTRAIN.format(meta=meta, base="runwayml/stable-diffusion-v1-5", prompt="#sks dog")
    result = _run(card, "CF108")
    assert '\ninstance_prompt: "#sks dog"' in result.text
    assert _messages(result, "CF108")[0].startswith("instance_prompt empty; set to '#sks dog'")


def test_cf108_reads_the_sdxl_layout() -> None:
    card = AUTOTRAIN_XL.format(meta="", base="stabilityai/stable-diffusion-xl-base-1.0", prompt="photo of sks dog")
    result = _run(card, "CF108")
    assert "\nbase_model: stabilityai/stable-diffusion-xl-base-1.0\ninstance_prompt: photo of sks dog\n" \
        in result.text


@pytest.mark.parametrize(("base", "options", "why"), [
    ("/home/me/models/sd15", {}, "not a Hub repo id (a local path?)"),
    ("./sd model", {}, "not a Hub repo id (a local path?)"),
    ("sd15", {}, "has no namespace"),
    ("acme/sks-dog", {"repo_id": "acme/sks-dog"}, "its own repository"),
])
def test_cf108_refuses_what_cf101_refuses(base: str, options: dict[str, str], why: str) -> None:
    card = AUTOTRAIN.format(meta="instance_prompt: photo of sks dog\n", base=base, prompt="photo of sks dog")
    result = _run(card, "CF108", **options)
    assert result.text == card
    [message] = _messages(result, "CF108")
    assert why in message and message.endswith("base_model not set (pass --base-model)")


def test_cf108_takes_base_model_from_the_option_over_the_sentence() -> None:
    card = AUTOTRAIN.format(meta="instance_prompt: photo of sks dog\n", base="/home/me/sd15", prompt="photo of sks dog")
    result = _run(card, "CF108", base_model="runwayml/stable-diffusion-v1-5")
    assert "\nbase_model: runwayml/stable-diffusion-v1-5\n" in result.text


def test_cf108_reports_sentences_that_disagree() -> None:
    card = AUTOTRAIN.format(meta="", base="acme/a", prompt="photo of sks dog") + (
        "These are LoRA adaption weights for acme/b. The weights were trained on photo of sks dog using "
        "[DreamBooth](https://dreambooth.github.io/).\n")
    result = _run(card, "CF108")
    assert "\nbase_model:" not in result.text and "\ninstance_prompt: photo of sks dog\n" in result.text
    assert any("different base_model values ('acme/a', 'acme/b')" in m for m in _messages(result, "CF108"))


def test_cf108_reads_only_whole_lines_of_diffusers_cards() -> None:
    unknown = "---\nlicense: mit\n---\nThese are LoRA adaption weights for acme/a. The weights were trained on x " \
              "using [DreamBooth](https://dreambooth.github.io/).\n"
    assert _run(unknown, "CF108").text == unknown  # no diffusers mark: the author's sentence
    quoted = "---\ntags:\n- diffusers\n---\nAs the card says, These are LoRA adaption weights for acme/a. The " \
             "weights were trained on x using [DreamBooth](https://dreambooth.github.io/).\n"
    assert _run(quoted, "CF108").text == quoted


def test_cf108_reads_crlf_cards_and_trailing_spaces() -> None:
    card = AUTOTRAIN.format(meta="", base="acme/base", prompt="photo of sks dog").replace(
        "dreambooth.github.io/).", "dreambooth.github.io/).  ").replace("\n", "\r\n")
    result = _run(card, "CF108")
    assert "\r\nbase_model: acme/base\r\ninstance_prompt: photo of sks dog\r\nlicense: openrail++\r\n" in result.text


# CF109 ----------------------------------------------------------------------------------------------------------

def test_cf109_leaves_the_template_pipeline_tag_alone() -> None:
    card = _st2("pipeline_tag: sentence-similarity\n", "acme/mini")
    assert _run(card, "CF109").text == card


def test_cf109_restores_the_v2_templates_pipeline_tag_where_it_was_put() -> None:
    card = _st2("library_name: sentence-transformers\n", "acme/mini")
    result = _run(card, "CF109")
    assert result.text.startswith("---\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\ntags:")
    assert result.findings[0].line == _line_of(card, "This is a")


def test_cf109_reads_the_v6_sentence() -> None:
    card = ("---\nlibrary_name: sentence-transformers\ntags:\n- sentence-transformers\n---\n\n# Sentence Transformer "
            "model\n\nThis is a [sentence-transformers](https://www.SBERT.net) model trained. It maps inputs to a "
            "768-dimensional dense vector space and can be used for semantic search.\n")
    assert "\npipeline_tag: sentence-similarity\n---" in _run(card, "CF109").text


def test_cf109_gives_setfit_cards_text_classification() -> None:
    card = SETFIT0.format(meta="", name="acme/setfit-sst2")
    assert "- text-classification\npipeline_tag: text-classification\n---" in _run(card, "CF109").text
    v1 = ("---\nlibrary_name: setfit\ntags:\n- setfit\n---\n\n# SetFit\n\nThis is a [SetFit](https://github.com/"
          "huggingface/setfit) model that can be used for Sentiment. A LogisticRegression instance is used for "
          "classification.\n")
    assert "\npipeline_tag: text-classification\n---" in _run(v1, "CF109").text


def test_cf109_prefers_task_and_guesses_for_no_other_card() -> None:
    card = _st2("", "acme/mini")
    assert "\npipeline_tag: feature-extraction\n" in _run(card, "CF109", task="feature-extraction").text
    edited = card.replace("and can be used for tasks like clustering or semantic search.", "for search.")
    assert _run(edited, "CF109").text == edited
    handwritten = "---\nlicense: mit\n---\nWe fine-tuned a model for sentence similarity.\n"
    assert _run(handwritten, "CF109").text == handwritten


# CF406 ----------------------------------------------------------------------------------------------------------

def test_cf406_reports_model_name_with_its_first_line_and_count() -> None:
    card = _st2("pipeline_tag: sentence-similarity\n")
    result = _run(card, "CF406")
    assert result.text == card
    [finding] = [f for f in result.findings if f.code == "CF406"]
    assert finding.line == _line_of(card, "# {MODEL_NAME}") and not finding.fixable
    assert "'{MODEL_NAME}' left unreplaced 3 times" in finding.message and "pass --repo-id" in finding.message


def test_cf406_fills_model_name_from_repo_id_only_with_unsafe_fixes() -> None:
    card = _st2("pipeline_tag: sentence-similarity\n")
    held = _run(card, "CF406", repo_id="acme/mini")
    assert held.text == card and held.findings[0].message.endswith("an unsafe fix: --unsafe-fixes applies it")
    fixed = _run(card, "CF406", repo_id="acme/mini", unsafe_fixes=True)
    assert fixed.text == card.replace("{MODEL_NAME}", "acme/mini")  # as save_to_hub's model_name would
    bare = _run(card, "CF406", repo_id="mini", unsafe_fixes=True)
    assert bare.text == card and "no namespaced Hub model id" in bare.findings[0].message


def test_cf406_reports_default_ids_of_sentence_transformers_3_and_setfit_1() -> None:
    st3 = ("---\nlibrary_name: sentence-transformers\n---\n```python\nfrom sentence_transformers import CrossEncoder\n"
           '\nmodel = CrossEncoder("cross_encoder_model_id")\n```\n')
    assert "'cross_encoder_model_id' left unreplaced once" in _messages(_run(st3, "CF406"), "CF406")[0]
    filled = _run(st3, "CF406", repo_id="acme/ce", unsafe_fixes=True).text
    assert 'model = CrossEncoder("acme/ce")' in filled  # as _update_default_model_id does


def test_cf406_reports_a_setfit_0_folder_name_and_never_replaces_it() -> None:
    card = SETFIT0.format(meta="", name="./out/setfit-run1")
    result = _run(card, "CF406", repo_id="acme/setfit", unsafe_fixes=True)
    assert result.text == card
    [finding] = result.findings
    assert finding.line == _line_of(card, "# ./out")
    assert "'./out/setfit-run1' (2 times) is no Hub model id" in finding.message
    assert "would be acme/setfit (--repo-id), not written" in finding.message
    pushed = SETFIT0.format(meta="", name="acme/setfit-sst2")  # push_to_hub names it after the repository
    assert not _run(pushed, "CF406").findings


def test_cf406_leaves_other_generators_cards_alone() -> None:
    card = "---\nlicense: mit\n---\n# {MODEL_NAME}\n\nmodel = SetFitModel.from_pretrained(\"setfit_model_id\")\n"
    result = _run(card, "CF406")
    assert result.text == card and not result.findings


# Rule files --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "old", "new", "message"), [
    ("CF108", "generator: diffusers", "generator: dreambooth", "unknown generator 'dreambooth'"),
    ("CF108", "(?P<value>.+?)", "(.+?)", "has no `(?P<value>...)` group"),
    ("CF108", "key: base_model", "key: pipeline_tag", "the sentences state one of"),
    ("CF109", "pipeline_tag: text-classification", "pipeline: text-classification", "each entry takes"),
    ("CF406", "(?P<name>\\{MODEL_NAME\\})", "(\\{MODEL_NAME\\})", "has no `(?P<name>...)` group"),
    ("CF406", "local_name: true", "local_name: 'yes'", "local_name a boolean"),
])
def test_rule_data_is_checked_when_the_rules_load(tmp_path: Path, code: str, old: str, new: str,
                                                  message: str) -> None:
    [source] = rules_dir().glob(f"{code}-*.yaml")
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleError, match=rf"{source.name}: params: key '\w+': ") as error:
        load_rule_file(path)
    assert message in str(error.value)


def test_cf406_runs_beside_the_placeholders_option() -> None:
    """--placeholders is given to every rule with a parameter of that name: CF406's data is named otherwise."""
    card = _st2("pipeline_tag: sentence-similarity\n")
    result = _run(card, "CF406", placeholders="remove")
    assert _messages(result, "CF406")


def test_cf406_reports_trls_none_where_the_model_was_not_pushed() -> None:
    # trl 1.16.0 templates/lm_model_card.md with hub_model_id None (rendered as in /tmp/genresearch's sample).
    card = ("---\nlibrary_name: transformers\nmodel_name: my-sft\ntags:\n- generated_from_trainer\n- trl\n- sft\n"
            "licence: license\n---\n\n# Model Card for my-sft\n\n## Quick start\n\n```python\nfrom transformers "
            'import pipeline\n\ngenerator = pipeline("text-generation", model="None", device_map="auto")\n```\n')
    result = _run(card, "CF406")
    assert "'None' left unreplaced once" in _messages(result, "CF406")[0]
    fixed = _run(card, "CF406", repo_id="acme/my-sft", unsafe_fixes=True).text
    assert 'pipeline("text-generation", model="acme/my-sft", device_map="auto")' in fixed
