"""The fix loop re-runs a rule only when what it reads changed: the rule files' `after:` must name every
rule whose edits a rule reads. Checked against `strict=True` (every rule re-run after any change, as if
each read every other) on every golden card and, where it is present, on every corpus card."""

from __future__ import annotations

from pathlib import Path

from cardfix.api import settings
from cardfix.card import parse_text
from cardfix.engine import run
from cardfix.facts import is_model_card
from cardfix.options import Options
from tests.conftest import all_corpus_cards, needs_corpus
from tests.test_mutants_engine import _replace, _rule

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def _same_with_and_without_strict(texts: list[str]) -> list[int]:
    chosen = settings()
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


def test_declared_reads_give_what_rerunning_every_rule_gives_on_the_golden_cards() -> None:
    texts = [p.read_bytes().decode("utf-8") for p in sorted(GOLDEN.glob("*.in.md"))]
    assert _same_with_and_without_strict(texts) == []


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
