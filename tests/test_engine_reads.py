"""The fix loop re-runs a rule only when what it reads changed, and runs it only on the cards of the
generators it `applies_to`: the rule files' `after:` must name every rule whose edits a rule reads, and
`applies_to:` every generator on whose cards it can act. Checked against `strict=True` (every rule run on
every card and re-run after any change, as if each read every other) on every golden card (with and without
the options that feed rules) and, where it is present, on every corpus card."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cardfix.api import settings
from cardfix.card import parse_text
from cardfix.engine import run
from cardfix.facts import is_model_card
from cardfix.options import Options
from tests.conftest import all_corpus_cards, needs_corpus
from tests.test_mutants_engine import _replace, _rule

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


OPTION_SETS = [Options(), Options(unsafe_fixes=True, repo_id="org/x", placeholders="remove"),
               Options(task="text-classification", dataset="imdb", base_model="bert-base-uncased", model_name="m")]


def _same_with_and_without_strict(texts: list[str], options: Options | None = None) -> list[int]:
    chosen = settings(options=options)
    rules = chosen.rules_for(None)
    differ = []
    for index, text in enumerate(texts):
        card = parse_text(text)
        if not is_model_card(card):
            continue
        for verify in (True, False):
            try:
                fast = run(card, rules, chosen.options, verify=verify)
            except ValueError:  # bad front matter: the same error either way
                continue
            slow = run(card, rules, chosen.options, verify=verify, strict=True)
            if (fast.card, fast.findings, fast.changed) != (slow.card, slow.findings, slow.changed):
                differ.append(index)
    return differ


@pytest.mark.parametrize("options", OPTION_SETS)
def test_declared_reads_give_what_rerunning_every_rule_gives_on_the_golden_cards(options: Options) -> None:
    texts = [p.read_bytes().decode("utf-8") for p in sorted(GOLDEN.glob("*.in.md"))]
    assert _same_with_and_without_strict(texts, options) == []


@needs_corpus
def test_declared_reads_give_what_rerunning_every_rule_gives_on_the_corpus() -> None:
    texts = [p.read_bytes().decode("utf-8", "replace") for p in all_corpus_cards()]
    assert _same_with_and_without_strict(texts) == []


def test_an_undeclared_read_is_what_strict_mode_exposes() -> None:
    """The comparison above can fail: a rule reading an edit it does not declare gives another result."""
    writer = _rule("CF901", _replace("a", "b", "a->b"))
    reader = _rule("CF902", _replace("b", "c", "b->c"))  # reads CF901's edit without saying so
    card = parse_text("a")
    assert run(card, [writer, reader], Options()).card.render() == "b"
    assert run(card, [writer, reader], Options(), strict=True).card.render() == "c"


def test_an_applies_to_that_leaves_out_a_generator_is_what_strict_mode_exposes() -> None:
    """The comparison fails for a rule whose `applies_to:` leaves out cards it acts on (CF303 on TRL only)."""
    narrowed = tuple(replace(r, applies_to=frozenset({"trl"})) if r.code == "CF303" else r
                     for r in settings().rules_for(None))
    card = parse_text((GOLDEN / "trainer-crlf.in.md").read_bytes().decode())
    fast, slow = run(card, narrowed, Options()), run(card, narrowed, Options(), strict=True)
    assert "CF303" not in {f.code for f in fast.findings}
    assert "CF303" in {f.code for f in slow.findings}
