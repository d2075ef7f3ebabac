"""PEFT adapters, TRL and the huggingface_hub template (issue 18): CF104-CF107, the template's
"Finetuned from model" reader, and the DeleteKey edit CF106 needs (its splice at every position of a key)."""

from __future__ import annotations

import pytest
import regex
from hypothesis import example, given
from hypothesis import strategies as st

from cardfix import Options, repair
from cardfix.edits import DeleteKey, SetKey, apply_to_data, changes_data, edit_path
from cardfix.facts.hub_template import PLACEHOLDER, finetuned_from
from cardfix.splice import splice
from cardfix.yaml_read import FrontMatterError, parse_front_matter

UNSAFE = Options(unsafe_fixes=True)
FIELD = "- **Finetuned from model [optional]:** "
PEFT_CARD = """---
base_model: {base}
library_name: peft
pipeline_tag: text-generation
tags:
- base_model:adapter:{tag}
- lora
- transformers
---

# Model Card for Model ID

<!-- Provide a quick summary of what the model is/does. -->

- **Finetuned from model [optional]:** {field}

### Framework versions

- PEFT 0.21.2"""
TRL_CARD = """---
library_name: transformers
model_name: my-sft
tags:
- generated_from_trainer
- trl
- sft
licence: license
---

# Model Card for my-sft

This model is a fine-tuned version of [None](https://huggingface.co/None).
It has been trained using [TRL](https://github.com/huggingface/trl).

```python
generator = pipeline("text-generation", model="None", device_map="auto")
```
"""


def _codes(result, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message for f in result.findings if f.code == code]


# The template's field -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "repo_id", "text"), [
    (FIELD + "meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B"),
    (FIELD + "`gpt2`  ", "gpt2", "gpt2"),
    ("* **Finetuned from model:** [org/m](https://huggingface.co/org/m/tree/main)", "org/m/tree/main", "org/m"),
    (FIELD + "[Mistral 7B](https://huggingface.co/mistralai/Mistral-7B-v0.1/)", "mistralai/Mistral-7B-v0.1",
     "Mistral 7B"),
    (FIELD + "[paper](https://arxiv.org/abs/1810.04805)", None, "[paper](https://arxiv.org/abs/1810.04805)"),
])
def test_the_field_names_a_model_as_written(line: str, repo_id: str | None, text: str) -> None:
    field = finetuned_from(f"# m\r\n\r\n{line}\r\n- **Repository:** x\r\n")
    assert field is not None and (field.repo_id, field.text) == (repo_id, text)
    assert not field.states_nothing


# The definition the reader must agree with: the field's value runs to the end of its line, less the blanks
# before the line end (a lazy value, as the reader once matched it).
FIELD_DEFINITION = regex.compile(r"[ \t]*[-*+][ \t]+\*\*Finetuned from model(?: \[optional\])?:\*\*[ \t]*"
                                 r"(?P<value>[^\r\n]*?)[ \t]*(?=\r\n|\r|\n|$)")


@given(st.lists(st.sampled_from(["- ", "* ", "  ", "\t", "**Finetuned from model [optional]:**",
                                  "**Finetuned from model:**", " ", "x", "`gpt2`", "[m](https://huggingface.co/o/m)",
                                  "\n", "\r", "\r\n", "\x0b", "\u2028"]), max_size=12).map("".join))
@example("- **Finetuned from model:** org/m \t \r\n")  # blanks before a CRLF
@example("* **Finetuned from model [optional]:**\t")  # no value, at the end of the text
def test_the_field_reads_as_its_definition(body: str) -> None:
    field = finetuned_from(body)
    starts = [m.start() for m in regex.finditer(r"^|(?<=[\r\n])", body)]  # (a field is at a line's start)
    match = next((m for s in starts if (m := FIELD_DEFINITION.match(body, s)) is not None), None)
    assert (field.value, field.start, field.end) == (match.group("value"), *match.span("value")) if match else \
        field is None


@pytest.mark.parametrize("value", [PLACEHOLDER, "", "None", "N/A", "-", "`none`"])
def test_the_placeholder_and_words_for_none_state_nothing(value: str) -> None:
    field = finetuned_from(f"{FIELD}{value}\n")
    assert field is not None and field.states_nothing


def test_the_field_must_be_a_list_item_of_its_own() -> None:
    assert finetuned_from("Prose mentioning **Finetuned from model [optional]:** x in a sentence.\n") is None
    assert finetuned_from("no field here") is None
    body = f"intro\n{FIELD}org/a\n{FIELD}org/b\n"
    field = finetuned_from(body)
    assert field is not None and field.repo_id == "org/a" and body[field.start : field.end] == "org/a"


# CF104 ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("base", ["/home/me/llama", "./checkpoints/x", "../x", "~/models/x", "C:\\\\models\\\\x",
                                  "D:/models/x", "None", "org/a/b", "common6/checkpoint-3500"])
def test_cf104_replaces_what_is_no_hub_id_by_the_id_the_card_states(base: str) -> None:
    card = PEFT_CARD.format(base=base, tag="x", field="org/base-1.0")
    result = repair(card, select=["CF104"], options=UNSAFE)
    assert "base_model: org/base-1.0\n" in result.text
    assert result.text.replace("base_model: org/base-1.0", "") == card.replace(f"base_model: {base}", "")
    assert repair(result.text, select=["CF104"], options=UNSAFE).text == result.text


@pytest.mark.parametrize("base", ["meta-llama/Llama-3.2-1B", "llama-7b", "org/model-checkpoints"])
def test_cf104_never_replaces_a_value_of_a_hub_ids_form(base: str) -> None:
    card = PEFT_CARD.format(base=base, tag=base, field="org/other")
    result = repair(card, select=["CF104"], options=UNSAFE)
    assert result.text == card and not _codes(result, "CF104")


def test_cf104_is_unsafe_its_fix_only_reported_without_unsafe_fixes() -> None:
    card = PEFT_CARD.format(base="/home/me/llama", tag="/home/me/llama", field="org/base")
    result = repair(card, select=["CF104"])
    assert result.text == card
    assert _codes(result, "CF104")[0].endswith("an unsafe fix: --unsafe-fixes applies it")


def test_cf104_reports_a_card_that_states_no_id_or_several() -> None:
    nothing = PEFT_CARD.format(base="/home/me/llama", tag="x", field=PLACEHOLDER)
    result = repair(nothing, select=["CF104"], options=UNSAFE)
    assert result.text == nothing and "names no Hub model" in _codes(result, "CF104")[0]
    assert "--base-model" in _codes(result, "CF104")[0]
    trainer = nothing.replace("# Model Card for Model ID", "This model is a fine-tuned version of "
                              "[org/a](https://huggingface.co/org/a) on an unknown dataset.")
    both = trainer.replace(PLACEHOLDER, "org/b")
    result = repair(both, select=["CF104"], options=UNSAFE)
    assert result.text == both and "several base models: org/a" in _codes(result, "CF104")[0]
    same = trainer.replace(PLACEHOLDER, "org/a")  # two places, one id
    assert "base_model: org/a\n" in repair(same, select=["CF104"], options=UNSAFE).text


def test_cf104_takes_base_model_from_the_option_and_never_from_the_none_link() -> None:
    card = TRL_CARD.replace("library_name:", "base_model: /tmp/sft-base\nlibrary_name:")
    result = repair(card, select=["CF104"], options=UNSAFE)
    assert result.text == card and "names no Hub model" in _codes(result, "CF104")[0]
    given = repair(card, select=["CF104"], options=Options(unsafe_fixes=True, base_model="Qwen/Qwen2.5-0.5B"))
    assert "base_model: Qwen/Qwen2.5-0.5B\n" in given.text and "--base-model" in _codes(given, "CF104")[0]


def test_cf104_refuses_the_cards_own_repository_as_its_base() -> None:
    card = PEFT_CARD.format(base="/home/me/llama", tag="x", field="me/my-adapter")
    result = repair(card, select=["CF104"], options=Options(unsafe_fixes=True, repo_id="me/my-adapter"))
    assert result.text == card and "names no Hub model" in _codes(result, "CF104")[0]


def test_cf104_leaves_cards_of_unknown_generators_and_merges_alone() -> None:
    unknown = "---\nbase_model: /home/me/x\n---\nThis model is a fine-tuned version of [org/a](https://huggingface.co/org/a).\n"
    result = repair(unknown, select=["CF104"], options=UNSAFE)
    assert result.text == unknown and not result.findings
    merge = PEFT_CARD.format(base="[org/a, /home/me/b]", tag="x", field="org/c")
    result = repair(merge, select=["CF104"], options=UNSAFE)
    assert result.text == merge and "'/home/me/b', a local path" in _codes(result, "CF104")[0]


# CF105 ----------------------------------------------------------------------------------------------------

def test_cf105_rewrites_only_the_adapter_tag_and_keeps_the_other_tags() -> None:
    card = PEFT_CARD.format(base="org/base", tag="/home/me/base", field=PLACEHOLDER)
    result = repair(card, select=["CF105"])
    assert result.text == card.replace("- base_model:adapter:/home/me/base", '- "base_model:adapter:org/base"')
    assert repair(result.text, select=["CF105"]).text == result.text


def test_cf105_follows_cf104_in_one_run() -> None:
    card = PEFT_CARD.format(base="/home/me/base", tag="/home/me/base", field="org/base")
    result = repair(card, select=["CF104", "CF105"], options=UNSAFE)
    assert "base_model: org/base\n" in result.text and '- "base_model:adapter:org/base"\n' in result.text
    held = repair(card, select=["CF104", "CF105"])  # CF104 held: the tag keeps naming the path base_model has
    assert held.text == card and not _codes(held, "CF105")


def test_cf105_adds_no_tag_and_reads_a_list_of_one_and_a_string_tag() -> None:
    no_tag = "---\nbase_model: org/base\nlibrary_name: peft\ntags:\n- lora\n---\n"
    assert repair(no_tag, select=["CF105"]).text == no_tag
    one = "---\nbase_model:\n- org/base\nlibrary_name: peft\ntags: base_model:adapter:./base\n---\n"
    assert repair(one, select=["CF105"]).text == one.replace("tags: base_model:adapter:./base",
                                                              'tags: "base_model:adapter:org/base"')


def test_cf105_reports_several_adapter_tags() -> None:
    card = ("---\nbase_model: org/base\nlibrary_name: peft\ntags:\n- base_model:adapter:./a\n"
            "- base_model:adapter:./b\n---\n")
    result = repair(card, select=["CF105"])
    assert result.text == card and "2 base_model:adapter: tags" in _codes(result, "CF105")[0]


# CF106 and DeleteKey --------------------------------------------------------------------------------------

def test_cf106_reports_and_with_unsafe_fixes_removes_the_junk_key() -> None:
    held = repair(TRL_CARD, select=["CF106"])
    assert held.text == TRL_CARD and _codes(held, "CF106")[0].endswith("--unsafe-fixes applies it")
    fixed = repair(TRL_CARD, select=["CF106"], options=UNSAFE)
    assert fixed.text == TRL_CARD.replace("licence: license\n", "")
    assert "license" not in parse_front_matter(fixed.text.split("---\n")[1]).data


@pytest.mark.parametrize("value", ["mit", "License", "'license '"])
def test_cf106_touches_only_trls_exact_value(value: str) -> None:
    card = TRL_CARD.replace("licence: license", f"licence: {value}")
    result = repair(card, select=["CF106"], options=UNSAFE)
    assert result.text == card and not result.findings


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 1\nlicence: license\nb: 2", "a: 1\nb: 2"),  # between keys
    ("licence: license\nb: 2", "b: 2"),  # first
    ("a: 1\nlicence: license", "a: 1"),  # last, no line break after it
    ("a: 1\r\nlicence: license  # TRL\r\nb: 2", "a: 1\r\nb: 2"),  # CRLF, a trailing comment
    ("a: 1\r\nlicence: license", "a: 1"),
    ("licence: license", ""),  # the only key
    ("a: 1\nlicence:\n- x\n- y  # c\n\n# kept\nb: 2", "a: 1\n\n# kept\nb: 2"),  # a block value
    ("a: 1\nlicence: |\n  text\nb: 2", "a: 1\nb: 2"),  # a block scalar (its text ends with its line break)
])
def test_delete_key_removes_the_keys_lines_and_nothing_else(text: str, expected: str) -> None:
    parsed = parse_front_matter(text)
    edit = DeleteKey("licence")
    assert splice(text, parsed.root, edit, "\n") == expected
    assert parse_front_matter(expected).data == apply_to_data(parsed.data, edit)


RICH = """# a comment first
library_name: peft  # why
license: &l mit
tags:
  - a   # indented items
  - b
model-index:
- name: m
  results: []
other: *l
text: >
  folded
  lines

last: [x, y]"""


@pytest.mark.parametrize("key", ["library_name", "license", "tags", "model-index", "other", "text", "last"])
def test_deleting_any_key_of_a_rich_front_matter_reads_back_as_the_data_without_it(key: str) -> None:
    parsed = parse_front_matter(RICH)
    out = splice(RICH, parsed.root, DeleteKey(key), "\n")
    lines = RICH.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next((i for i in range(first + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "- "))),
               len(lines))
    # The key's lines go, and nothing else, as the card shows them (its closing fence after the text).
    assert (out + "\n---").splitlines() == [*lines[:first], *lines[end:], "---"]
    if key == "license":  # its anchor is used by `other`: the text no longer parses, the engine drops the edit
        with pytest.raises(FrontMatterError):
            parse_front_matter(out)
    else:
        assert parse_front_matter(out).data == apply_to_data(parsed.data, DeleteKey(key))


def test_delete_key_as_data_and_where_a_splice_cannot_go() -> None:
    data = {"a": 1, "licence": "license"}
    assert apply_to_data(data, DeleteKey("licence")) == {"a": 1} and data == {"a": 1, "licence": "license"}
    assert changes_data(data, DeleteKey("licence")) and not changes_data({"a": 1}, DeleteKey("licence"))
    assert edit_path(DeleteKey("licence")) == ("licence",) == edit_path(SetKey("licence", 1))
    for text in ("{a: 1, licence: license}", "a: 1", "a: 1\n? licence\n: license"):
        with pytest.raises(KeyError):
            splice(text, parse_front_matter(text).root, DeleteKey("licence"), "\n")


def test_a_delete_that_does_not_read_back_is_dropped_and_said() -> None:
    card = "---\n{licence: license, tags: [trl]}\n---\n"  # a flow mapping: no line of its own to remove
    result = repair(card, select=["CF106"], options=UNSAFE)
    assert result.text == card
    assert "did not read back as written" in _codes(result, "CF106")[0]


# CF107 ----------------------------------------------------------------------------------------------------

def test_cf107_sets_base_model_first_as_huggingface_hub_orders_keys() -> None:
    card = PEFT_CARD.format(base="x", tag="x", field="org/base").replace("base_model: x\n", "")
    result = repair(card, select=["CF107"])
    assert result.text == card.replace("---\nlibrary_name", "---\nbase_model: org/base\nlibrary_name", 1)


def test_cf107_takes_the_option_and_refuses_a_disagreeing_link() -> None:
    card = PEFT_CARD.format(base="x", tag="x", field=PLACEHOLDER).replace("base_model: x\n", "")
    assert repair(card, select=["CF107"]).text == card
    given = repair(card, select=["CF107"], options=Options(base_model="org/given"))
    assert "base_model: org/given\n" in given.text
    linked = card.replace(PLACEHOLDER, "org/b").replace(
        "# Model Card for Model ID", "This model is a fine-tuned version of [org/a](https://huggingface.co/org/a).")
    result = repair(linked, select=["CF107"])
    assert result.text == linked and "2 base models: org/a" in _codes(result, "CF107")[0]
    # With CF101, which writes the link it accepts first, CF107 has nothing left to set.
    assert "base_model: org/a\n" in repair(linked, select=["CF101", "CF107"]).text


def test_trl_none_is_never_a_base_model() -> None:
    result = repair(TRL_CARD, options=UNSAFE)
    assert "base_model" not in result.text
    assert any("'None'" in m for m in _codes(result, "CF101"))
    assert result.text == TRL_CARD.replace("licence: license\n", "")


def test_a_trainer_checkpoint_folder_as_base_model_is_a_local_path() -> None:
    from cardfix.actions.base_model_local_path import not_hub_id
    from cardfix.ruleset import load_rules

    params = next(r.params for r in load_rules() if r.code == "CF104")
    assert not_hub_id("wghts/checkpoint-20000", params) == "a Trainer checkpoint folder (a local path)"
    assert not_hub_id("org/model-checkpoints", params) is None
