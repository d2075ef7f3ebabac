"""Every rule file's examples, and the rules' own invariants (unique codes, names matching files)."""

from __future__ import annotations

import pytest

from cardfix import Options, repair
from cardfix.resources import rules_dir
from cardfix.ruleset import load_rules

RULES = load_rules()
def _kind(example) -> str:  # type: ignore[no-untyped-def]
    return "fix" if example.output is not None else "flag" if example.finding else "pass"


EXAMPLES = [(rule, i, ex) for rule in RULES for i, ex in enumerate(rule.examples)]


@pytest.mark.parametrize(("rule", "index", "example"), EXAMPLES,
                         ids=[f"{r.code}-{_kind(e)}-{i}" for r, i, e in EXAMPLES])
def test_rule_example(rule, index, example) -> None:  # type: ignore[no-untyped-def]
    options = Options(**{"unsafe_fixes": not rule.safe, **example.options})  # examples show an unsafe fix applied
    select = [rule.code, *example.with_rules]
    result = repair(example.input, select=select, options=options)
    assert result.error is None
    if example.finding is not None:
        assert result.text == example.input
        assert any(f.code == rule.code and example.finding in f.message for f in result.findings), result.findings
    elif example.output is None:
        assert result.text == example.input
        assert not any(f.code == rule.code for f in result.findings), result.findings
    else:
        assert result.text == example.output
        assert any(f.code == rule.code and f.fixable for f in result.findings)
        again = repair(result.text, select=select, options=options)
        assert again.text == result.text


UNSAFE_FIXES = [(rule, ex) for rule in RULES if not rule.safe for ex in rule.examples if ex.output is not None]


@pytest.mark.parametrize(("rule", "example"), UNSAFE_FIXES, ids=[r.code for r, _ in UNSAFE_FIXES])
def test_an_unsafe_fix_is_only_reported_without_unsafe_fixes(rule, example) -> None:  # type: ignore[no-untyped-def]
    result = repair(example.input, select=[rule.code, *example.with_rules], options=Options(**example.options))
    assert result.text == example.input
    held = [f for f in result.findings if f.code == rule.code]
    assert held and all(not f.fixable and f.message.endswith("; an unsafe fix: --unsafe-fixes applies it")
                        for f in held)


def test_each_rule_has_a_passing_and_a_fixing_example() -> None:
    for rule in RULES:
        assert any(_kind(e) == "pass" for e in rule.examples), f"{rule.code} has no passing example"
        assert any(_kind(e) != "pass" for e in rule.examples), f"{rule.code} has no fixing or flagging example"


def test_codes_and_names_are_unique_and_match_file_names() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for rule in RULES:
        assert rule.source == f"{rule.code}-{rule.name}.yaml"
    files = sorted(p.name for p in rules_dir().glob("CF*.yaml"))
    assert files == sorted(r.source for r in RULES)
