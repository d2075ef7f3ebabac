"""Filled sections say only what the card says: every number and name written can be found in the input."""

from __future__ import annotations

from collections import Counter

import regex

from cardfix import Options, repair
from tests.conftest import corpus_files, needs_corpus
from tests.swapgen import facts_of

SECTION_CODES = {"CF401", "CF402", "CF403"}
TITLES = ("Model description", "Intended uses & limitations", "Training and evaluation data")
NUMBER = regex.compile(r"-?[\w+-]*\d[\w.+-]*?(?=[.,;:)]?(?:\s|$))")  # 0.72, 2e-05, 4.27.0.dev0, 1.13.0+cu117
BACKTICKED = regex.compile(r"`([^`]+)`")
LINK = regex.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def written_claims(text: str) -> list[str]:
    """Numbers, `names` and link texts/targets: the checkable facts in generated prose."""
    claims = [m.group(1) for m in BACKTICKED.finditer(text)]
    for m in LINK.finditer(text):
        claims += [m.group(1), m.group(2)]
    without_names = LINK.sub(" ", BACKTICKED.sub(" ", text))
    claims += [m.group() for m in NUMBER.finditer(without_names)]
    return claims


def filled_sections(before: str, after: str) -> list[str]:
    old, new = facts_of(before), facts_of(after)
    texts = []
    for title in TITLES:
        a, b = old.section(title), new.section(title)
        if a is not None and b is not None and a.placeholder and not b.placeholder:
            texts.append(new.card.body[b.content_start:b.content_end])
    return texts


def check_traceable(source: str, result_text: str, extra: str = "") -> list[str]:
    haystack = source + "\n" + extra
    missing = []
    for section in filled_sections(source, result_text):
        missing += [c for c in written_claims(section) if not _occurs(c, haystack)]
    return missing


def _occurs(claim: str, haystack: str) -> bool:
    """Names as substrings; numbers as whole tokens (`0.72` is not found inside `0.7215`)."""
    if NUMBER.fullmatch(claim):
        return regex.search(rf"(?<![\w.+-]){regex.escape(claim)}(?![\w+-]|\.\w)", haystack) is not None
    return claim in haystack


@needs_corpus
def test_every_number_and_name_in_filled_sections_is_in_the_input_card() -> None:
    counts: Counter[str] = Counter()
    problems = []
    for path in corpus_files("seeds") + corpus_files("bulk"):
        text = path.read_bytes().decode("utf-8")
        result = repair(text)
        sections = filled_sections(text, result.text)
        if not sections:
            continue
        counts["cards"] += 1
        counts["sections"] += len(sections)
        counts["claims"] += sum(len(written_claims(s)) for s in sections)
        missing = check_traceable(text, result.text)
        if missing:
            problems.append(f"{path.name}: {missing[:5]}")
    print(f"\nsections: {dict(counts)}; untraceable: {len(problems)}")
    assert counts["cards"] and counts["claims"]
    assert problems == []


def test_options_count_as_a_source() -> None:
    card = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\nThis model is a fine-tuned version of "
            "[gpt2](https://huggingface.co/gpt2) on an unknown dataset.\n\n## Training and evaluation data\n\n"
            "More information needed\n")
    result = repair(card, options=Options(dataset="wikitext:wikitext-2-raw-v1"))
    assert "on the wikitext dataset." in result.text
    assert ("The model was trained and evaluated on the `wikitext` dataset (configuration `wikitext-2-raw-v1`). "
            "The card documents the data no further." in result.text)
    assert check_traceable(card, result.text) == ["wikitext", "wikitext-2-raw-v1"]
    assert check_traceable(card, result.text, extra="--dataset wikitext:wikitext-2-raw-v1") == []


def test_a_section_the_author_wrote_is_never_touched() -> None:
    card = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\n## Model description\n\nMine.  \n\n"
            "## Intended uses & limitations\n\nMore information needed\n")
    result = repair(card)
    assert "## Model description\n\nMine.  \n\n## Intended uses" in result.text
    assert "More information needed" not in result.text


def test_the_trace_check_catches_an_invented_number_or_name() -> None:
    source = "## Model description\n\nMore information needed\n"
    invented = "## Model description\n\n`bert-large` reaches 0.99 and [x](https://huggingface.co/x).\n"
    assert check_traceable(source, invented) == ["bert-large", "x", "https://huggingface.co/x", "0.99"]
