"""The fix loop's read-back of front-matter splices, flow and alias edits, and suppression by rule name (tests
written to kill surviving mutants; the small rules and helpers are those of test_mutants_engine)."""

from __future__ import annotations

import pytest

from cardfix.card import parse_text
from cardfix.edits import NOTHING, Outcome, Report, SetNode, fix
from cardfix.engine import run
from cardfix.facts import Facts
from cardfix.options import Options
from cardfix.suppress import read_suppressions
from cardfix.yaml_read import parse_front_matter
from tests.test_mutants_engine import _count_parses, _replace, _rule, _run, _set_key


def test_an_edit_that_did_not_read_back_is_neither_spliced_nor_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _count_parses(monkeypatch)
    body = _rule("CF901", _replace("a\n", "b\n", "a->b"))
    key = _rule("CF902", _set_key("a", 1, "add a", when=lambda facts: facts.card.body == "b\n"), after=("CF901",))
    assert _run("---\n{b: 2}\n---\na\n", body, key).passes == 3
    assert parsed == ["{b: 2}", "{b: 2}\na: 1", "{b: 2}\na: 1"]  # the input; pass 2 together, then alone


def test_a_dropped_edit_leaves_no_trace_in_the_data_the_next_pass_reads() -> None:
    seen: set[str] = set()

    def watch(facts: Facts) -> Outcome:
        seen.add(f"a is {facts.metadata.get('a')}")
        return NOTHING

    bad = _rule("CF901", _set_key("a", 1, "add a"))
    good = _rule("CF902", _set_key("b", 30, "b"))
    # CF903 reads their edits: it runs again in pass 2, on the data as pass 1's read-back left it.
    _run("---\n{b: 2}\n---\nx\n", bad, good, _rule("CF903", watch, after=("CF901", "CF902")))
    assert seen == {"a is None"}


FLOW_RESULTS = "---\nmodel-index:\n- {name: x, results: []}\n---\nx\n"
FILLED = "---\nmodel-index:\n- name: x\n  results:\n  - task:\n      type: t\n---\nx\n"


def _fill_results(facts: Facts) -> Outcome:
    if facts.metadata["model-index"][0]["results"]:
        return NOTHING
    return fix("results", 1, SetNode(("model-index", 0, "results"), [{"task": {"type": "t"}}]))


def test_results_inside_a_flow_entry_are_written_with_one_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _count_parses(monkeypatch)
    result = _run(FLOW_RESULTS, _rule("CF901", _fill_results))
    assert result.card.render() == FILLED
    assert len(parsed) == 2  # the input, then the splice read back at once (no edit-by-edit retry)


def test_results_inside_a_flow_entry_are_written_when_another_edit_of_the_pass_fails() -> None:
    # `e: {}` has no key `q` to replace: that edit fails, and the results are then spliced on their own.
    text = FLOW_RESULTS.replace("---\nx", "e: {}\n---\nx")
    missing = _rule("CF902", lambda facts: NOTHING if facts.metadata["e"] else fix("q", 1, SetNode(("e", "q"), 1)))
    result = _run(text, _rule("CF901", _fill_results), missing)
    assert result.card.render() == FILLED.replace("---\nx", "e: {}\n---\nx")
    assert [(f.code, f.fixable) for f in result.findings] == [("CF901", True), ("CF902", False)]


def test_a_key_whose_alias_stands_on_the_next_line_is_refused_or_fixed_never_a_crash() -> None:
    result = _run("---\na: &x 1\nb:\n  *x\n---\nx\n", _rule("CF901", _set_key("b", 2, "b")))
    b = parse_front_matter(result.card.front_matter).data["b"]
    assert b == 2 or (b == 1 and "fix not applied" in result.findings[0].message)


def test_a_rule_silenced_by_name_in_the_card_reports_nothing_there() -> None:
    card = parse_text("# t\n\n<!-- cardfix: ignore test-cf901 -->\nx\n")
    point = _rule("CF901", lambda facts: Outcome((), (Report("about x", 4),)))
    assert run(card, [point], Options()).findings != ()
    assert run(card, [point], Options(), suppressions=read_suppressions(card)).findings == ()
