"""Invariants over generated Trainer-style cards: never raises, idempotent, output front matter parses,
and every front-matter key no rule writes reads back unchanged."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardfix import Options, repair
from cardfix.card import parse_text
from cardfix.edits import same_data
from cardfix.yaml_read import parse_front_matter
from tests.conftest import points_at_input

RULE_KEYS = {"base_model", "datasets", "library_name", "model-index"}
names = st.from_regex(r"[a-z][a-z0-9\-]{0,12}(/[a-z][a-z0-9\-_.]{0,12})?", fullmatch=True)
values = st.floats(min_value=0, max_value=3, allow_nan=False).map(lambda v: f"{v:.4f}")


@st.composite
def trainer_cards(draw: st.DrawFn) -> str:
    name, base = draw(names), draw(st.one_of(names, st.just("/home/u/ckpt"), st.just("None")))
    metrics = draw(st.lists(st.sampled_from(["Accuracy", "F1", "Precision", "Recall", "Wer", "Rouge1", "Bleu"]),
                            unique=True, max_size=3))
    header_yaml = draw(st.sampled_from([
        "license: apache-2.0\ntags:\n- generated_from_trainer\n",
        "tags:\n  - generated_from_trainer  # kept\nlanguage: [en]\n",
        "license: mit\n",
        "",
    ]))
    results = draw(st.sampled_from(["model-index:\n- name: {n}\n  results: []\n", "model-index:\n  name: {n}\n",
                                    "", "datasets:\n- imdb\n"]))
    dataset = draw(st.sampled_from(["an unknown dataset", "the imdb dataset", "the glue and the super_glue datasets",
                                    "the None dataset"]))
    rows = draw(st.lists(st.tuples(*[values] * (2 + len(metrics))), min_size=0, max_size=4))
    summary = "".join(f"- {m}: {draw(values)}\n" for m in ["Loss", *metrics])
    columns = ["Training Loss", "Epoch", "Step", "Validation Loss", *metrics]
    if draw(st.booleans()):
        columns = [*columns[:3], *sorted(columns[3:], key=lambda c: "loss" if c == "Validation Loss" else c.lower())]
    table = "| " + " | ".join(columns) + " |\n|" + "|".join(":---:" for _ in columns) + "|\n"
    table += "".join(f"| {r[0]} | {i + 1}.0 | {10 * (i + 1)} | " + " | ".join(r[1:]) + " |\n"
                     for i, r in enumerate(rows))
    placeholder = draw(st.sampled_from(["More information needed", "[More Information Needed]", "Written by hand."]))
    body = (f"\n# {name}\n\nThis model is a fine-tuned version of [{base}](https://huggingface.co/{base}) on "
            f"{dataset}.\nIt achieves the following results on the evaluation set:\n{summary}\n"
            f"## Model description\n\n{placeholder}\n\n## Intended uses & limitations\n\n{placeholder}\n\n"
            f"## Training and evaluation data\n\nMore information needed\n\n## Training procedure\n\n"
            f"### Training hyperparameters\n\nThe following hyperparameters were used during training:\n"
            f"- learning_rate: 2e-05\n- num_epochs: {len(rows) or 1}\n\n### Training results\n\n{table}\n\n"
            f"### Framework versions\n\n- Transformers 4.16.2\n- Pytorch 1.10.0\n")
    card = f"---\n{header_yaml}{results.format(n=name)}---\n{body}"
    if draw(st.booleans()):
        card = card.replace("\n", "\r\n")
    if draw(st.booleans()):
        card = "\ufeff" + card
    return card.rstrip("\r\n") if draw(st.booleans()) else card


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trainer_cards(), st.sampled_from([Options(), Options(results_from="summary"),
                                         Options(dataset="imdb:plain_text:test", task="text-classification"),
                                         Options(placeholders="remove")]))
def test_repair_is_safe_idempotent_and_keeps_other_keys(card: str, options: Options) -> None:
    result = repair(card, options=options)
    assert result.error is None, result.error
    assert not any(f.code == "CF000" for f in result.findings), result.findings
    again = repair(result.text, options=options)
    assert again.text == result.text, "apply(apply(x)) == apply(x)"
    before = parse_front_matter(parse_text(card).front_matter).data
    out = parse_text(result.text)
    after = parse_front_matter(out.front_matter).data
    assert isinstance(after, dict)
    for key in before.keys() - RULE_KEYS:
        assert same_data(before[key], after.get(key)), key
    assert result.text.startswith("\ufeff") == card.startswith("\ufeff")
    assert ("\r\n" in result.text) == ("\r\n" in card)
    lines = card.splitlines()
    for finding in result.findings:
        assert points_at_input(lines, finding), finding


@settings(max_examples=100, deadline=None)
@given(trainer_cards())
def test_a_card_with_nothing_to_fix_is_byte_identical(card: str) -> None:
    fixed = repair(card).text
    assert repair(fixed).text == fixed
    assert repair(fixed, select=["CF1", "CF2", "CF3", "CF4"]).changed is False
