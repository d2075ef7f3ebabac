"""The fix loop's bookkeeping, pinned with small rules of its own (tests written to kill surviving mutants).

Each rule here is a few lines acting on the body or the front matter, so the engine's behaviour (passes,
deferral, read-back, findings) is asserted exactly and not through the real rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest

from cardfix.actions import Action
from cardfix.card import parse_text
from cardfix.edits import NOTHING, BodyEdit, Edit, Finding, Outcome, Report, SetKey, SetNode, fix, report
from cardfix.engine import MAX_PASSES, EngineResult, run
from cardfix.facts import Facts
from cardfix.options import Options
from cardfix.ruleset import Rule
from cardfix.yaml_read import ParsedFrontMatter, parse_front_matter

Act = Callable[[Facts], Outcome]


def _rule(code: str, act: Act, level: int = 0, after: tuple[str, ...] = ()) -> Rule:
    """A rule that reads the edits of the rules `after` names (its level is set apart, as tests need)."""
    def fn(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return act(facts)

    return Rule(code, f"test-{code.lower()}", "s", Action(f"test_{code}", fn), True, True, {}, (), f"{code}.yaml",
                level=level, after=after)


def _run(text: str, *rules: Rule, verify: bool = True, strict: bool = False) -> EngineResult:
    return run(parse_text(text), rules, Options(), verify=verify, strict=strict)


def _replace(old: str, new: str, message: str) -> Act:
    """A rule that rewrites the whole body `old` as `new`."""
    return lambda facts: fix(message, 1, BodyEdit(0, len(old), new)) if facts.card.body == old else NOTHING


def _set_key(key: str, value: Any, message: str, when: Callable[[Facts], bool] | None = None) -> Act:
    """A rule that sets a top-level key it finds missing or different (and, if given, `when` holds)."""
    def act(facts: Facts) -> Outcome:
        if facts.metadata.get(key, object()) == value or (when is not None and not when(facts)):
            return NOTHING
        return fix(message, 1, SetKey(key, value))

    return act


def _stop(why: str) -> Finding:
    return Finding("CF000", "engine", f"card left unchanged: {why}", None, False, "error")


def test_a_card_with_nothing_to_fix_takes_one_pass() -> None:
    result = _run("body\n", _rule("CF901", lambda facts: NOTHING))
    assert (result.card.render(), result.findings, result.passes) == ("body\n", (), 1)


def _grow_to(size: int) -> Act:
    """A rule that adds an `x` until the body has `size` characters: one change per pass."""
    return lambda facts: fix("grow", 1, BodyEdit(0, 0, "x")) if len(facts.card.body) < size else NOTHING


def test_a_card_that_settles_on_the_last_allowed_pass_is_fixed() -> None:
    result = _run("", _rule("CF901", _grow_to(MAX_PASSES - 1)))  # 9 changing passes and a quiet one
    assert (result.card.render(), result.passes) == ("x" * (MAX_PASSES - 1), MAX_PASSES)
    assert [f.code for f in result.findings] == ["CF901"]


def test_a_card_that_needs_one_pass_more_than_the_limit_is_left_unchanged_with_one_engine_finding() -> None:
    result = _run("", _rule("CF901", _grow_to(MAX_PASSES)))
    assert (result.card.render(), result.passes) == ("", MAX_PASSES)
    assert result.findings == (_stop(f"no fixed point after {MAX_PASSES} passes"),)  # the fixable ones dropped


def test_a_cycle_that_does_not_return_to_the_input_is_caught_and_unfixable_findings_kept() -> None:
    note = _rule("CF904", lambda facts: Outcome((), (Report("a note", 2),)))
    result = _run("a", _rule("CF901", _replace("a", "b", "a->b")), _rule("CF902", _replace("b", "c", "b->c")),
                  _rule("CF903", _replace("c", "b", "c->b")), note, strict=True)
    assert (result.card.render(), result.passes) == ("a", 3)  # a -> b -> c -> b again
    assert result.findings == (Finding("CF904", "test-cf904", "a note", 2, False, "warning"),
                               _stop("the rules undo each other's edits (a cycle)"))


@pytest.mark.parametrize("after", [(), ("CF901",)])  # whether or not it reads the edits of the rule that changed it
def test_a_rule_that_found_nothing_is_not_run_again_on_the_card_it_already_saw(after: tuple[str, ...]) -> None:
    calls: list[str] = []

    def watch(facts: Facts) -> Outcome:
        calls.append(facts.card.body)
        return NOTHING

    result = _run("a", _rule("CF901", _replace("a", "b", "a->b")), _rule("CF902", watch, level=1, after=after))
    assert (result.card.render(), result.passes, calls) == ("b", 2, ["b"])


def test_a_rule_whose_body_edits_overlap_another_rules_waits_for_the_next_pass() -> None:
    first = _rule("CF901", _replace("abc", "xyz", "whole"))
    second = _rule("CF902", lambda facts: fix("middle", 1, BodyEdit(1, 2, "B")) if facts.card.body[1] == "b"
                   else NOTHING)
    result = _run("abc", first, second)
    assert (result.card.render(), result.passes) == ("xyz", 2)  # second then reads "xyz" and has nothing to do


def test_edits_of_two_rules_that_meet_end_to_end_apply_in_the_same_pass() -> None:
    first = _rule("CF901", lambda facts: fix("X", 1, BodyEdit(0, 1, "X")) if facts.card.body[0] == "a" else NOTHING)
    second = _rule("CF902", lambda facts: fix("Y", 1, BodyEdit(1, 2, "Y")) if facts.card.body[1] == "b" else NOTHING)
    result = _run("ab", first, second)
    assert (result.card.render(), result.passes) == ("XY", 2)


def test_front_matter_edits_of_two_rules_apply_in_the_same_pass() -> None:
    result = _run("---\nz: 0\n---\nx\n", _rule("CF901", _set_key("a", 1, "a")), _rule("CF902", _set_key("b", 2, "b")))
    assert (result.card.render(), result.passes) == ("---\nz: 0\na: 1\nb: 2\n---\nx\n", 2)


def test_an_edit_inside_a_key_another_rule_sets_this_pass_waits_for_the_next_pass() -> None:
    whole = _rule("CF901", lambda facts: NOTHING if "o" in facts.metadata["m"]
                  else fix("m", 1, SetKey("m", {**facts.metadata["m"], "o": 0})))
    inner = _rule("CF902", lambda facts: NOTHING if facts.metadata["m"]["k"] == 5
                  else fix("k", 1, SetNode(("m", "k"), 5)))
    result = _run("---\nm:\n  k: 1\n---\nx\n", whole, inner)
    assert (result.card.render(), result.passes) == ("---\nm:\n  k: 5\n  o: 0\n---\nx\n", 3)


@pytest.mark.parametrize(("text", "edit"), [("a", BodyEdit(0, 1, "a")), ("---\nb: 2\n---\nx", SetKey("b", 2))])
def test_an_edit_that_writes_what_is_already_there_changes_nothing(text: str, edit: Edit) -> None:
    result = _run(text, _rule("CF901", lambda facts: fix("same", 1, edit)))
    assert (result.card.render(), result.passes) == (text, 1)


def test_overlapping_body_edits_of_one_rule_are_rejected_with_the_reason() -> None:
    edits = (BodyEdit(0, 2, "x"), BodyEdit(1, 3, "y"))
    reported = _rule("CF901", lambda facts: fix("two", 1, *edits))
    silent = _rule("CF902", lambda facts: Outcome(edits))
    result = _run("abcd", reported, silent)
    why = "overlapping body edits at offsets 0-2 and 1"
    assert (result.card.render(), result.passes) == ("abcd", 1)
    assert result.findings == (Finding("CF902", "test-cf902", f"fix not applied: {why}", None, False, "error"),
                               Finding("CF901", "test-cf901", f"two; fix not applied: {why}", 1, False, "error"))


def test_a_front_matter_edit_that_does_not_read_back_is_dropped_once_and_not_retried() -> None:
    # The body edit of pass 1 lets the second rule act in pass 2; its key cannot be added after a flow
    # mapping, so the splice does not parse: dropped, reported once, refused in pass 3, the first fix kept.
    body = _rule("CF901", _replace("a\n", "b\n", "a->b"))
    key = _rule("CF902", _set_key("a", 1, "add a", when=lambda facts: facts.card.body == "b\n"), after=("CF901",))
    result = _run("---\n{b: 2}\n---\na\n", body, key)
    assert (result.card.render(), result.passes) == ("---\n{b: 2}\n---\nb\n", 3)
    assert result.findings == (
        Finding("CF901", "test-cf901", "a->b", 1, True),
        Finding("CF902", "test-cf902",
                "add a; fix not applied: the front-matter edit of 'a' did not read back as written", 1, False, "error"))


def test_a_nested_edit_that_cannot_be_spliced_names_its_whole_path() -> None:
    result = _run("---\nm: {}\n---\nx\n", _rule("CF901", lambda facts: NOTHING if facts.metadata["m"]
                                                 else fix("m/x", 1, SetNode(("m", "x"), 1))))
    assert result.card.render() == "---\nm: {}\n---\nx\n"
    assert [f.message for f in result.findings] == [
        "m/x; fix not applied: the front-matter edit of 'm/x' did not read back as written"]


def test_edits_that_read_back_are_kept_when_another_of_the_same_pass_does_not() -> None:
    # Pass 1 splices a bad edit (a key after a flow mapping) and a good one (b replaced inside it): one by one,
    # the good one is kept. Pass 2 splices an edit into the text the good one left (d moved by one character).
    bad = _rule("CF901", _set_key("a", 1, "add a"))
    good = _rule("CF902", _set_key("b", 30, "b"))
    later = _rule("CF903", _set_key("d", 1, "d", when=lambda facts: "b: 30" in facts.card.front_matter),
                  after=("CF902",))
    result = _run("---\n{b: 2, d: 0}\n---\nx\n", bad, good, later)
    assert (result.card.render(), result.passes) == ("---\n{b: 30, d: 1}\n---\nx\n", 3)
    assert sorted((f.code, f.message, f.fixable) for f in result.findings) == [
        ("CF901", "add a; fix not applied: the front-matter edit of 'a' did not read back as written", False),
        ("CF902", "b", True), ("CF903", "d", True)]


def test_a_finding_made_after_a_fix_moved_the_text_names_the_line_as_read() -> None:
    drop_first_line = _rule("CF901", lambda facts: fix("drop", 1, BodyEdit(0, 2, ""))
                            if facts.card.body.startswith("x\n") else NOTHING)
    point = _rule("CF902", lambda facts: Outcome((), (Report("here", facts.line_number(
        facts.card.body.index("target"))),)), level=1)
    result = _run("x\ny\ntarget\n", drop_first_line, point)
    assert result.card.render() == "y\ntarget\n"
    assert [(f.message, f.line) for f in result.findings] == [("drop", 1), ("here", 3)]


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []

    def counting(text: str) -> ParsedFrontMatter:
        parsed.append(text)
        return parse_front_matter(text)

    monkeypatch.setattr("cardfix.engine.parse_front_matter", counting)
    return parsed


def test_apply_reads_the_front_matter_back_once_per_pass_that_spliced(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _count_parses(monkeypatch)
    # (A comment after a value: not the plain block style, whose new keys are checked line by line, below.)
    result = _run("---\nz: 0 # c\n---\nx\n", _rule("CF901", _set_key("a", 1, "a")),
                  _rule("CF902", _set_key("b", 2, "b")))
    assert result.card.render() == "---\nz: 0 # c\na: 1\nb: 2\n---\nx\n"
    assert parsed == ["z: 0 # c", "z: 0 # c\na: 1\nb: 2"]  # the input, then both splices read back together


def test_new_keys_in_plain_front_matter_are_read_back_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _count_parses(monkeypatch)
    result = _run("---\nz: 0\n---\nx\n", _rule("CF901", _set_key("a", 1, "a")), _rule("CF902", _set_key("b", 2, "b")))
    assert result.card.render() == "---\nz: 0\na: 1\nb: 2\n---\nx\n"
    assert parsed == ["z: 0"]  # the input only (splice.insert_keys checks each new line)


def test_check_splices_nothing_and_its_rules_read_the_data_the_edits_made(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = _count_parses(monkeypatch)
    add = _rule("CF901", _set_key("a", 1, "a"))
    then = _rule("CF902", _set_key("z", 5, "z", when=lambda facts: facts.metadata.get("a") == 1), after=("CF901",))
    result = _run("---\nz: 0\n---\nx\n", add, then, verify=False)
    assert (result.card.render(), result.changed, result.passes) == ("---\nz: 0\n---\nx\n", True, 3)
    assert [f.message for f in result.findings] == ["a", "z"]
    assert parsed == ["z: 0"]



def test_a_rule_that_waited_and_then_has_nothing_to_do_leaves_no_finding() -> None:
    """Its report of the pass it waited in is not kept: the fix it offered was never applied."""
    whole = _rule("CF901", _replace("abc", "xyz", "whole"))
    middle = _rule("CF902", lambda facts: fix("middle", 1, BodyEdit(1, 2, "B")) if facts.card.body[1] == "b"
                   else NOTHING)
    result = _run("abc", whole, middle)
    assert result.card.render() == "xyz"
    assert [f.message for f in result.findings] == ["whole"]


@pytest.mark.parametrize(("settles", "expected"), [(False, ("xx", 3)), (True, ("x", 2))])
def test_a_rule_confirms_its_fix_in_the_next_pass_unless_its_action_settles(settles: bool,
                                                                              expected: tuple[str, int]) -> None:
    """A rule that, run again, would find more to do: confirmed (and so run again) only when it does not
    declare that it settles. (The declaration is checked against strict=True in test_engine_reads.)"""
    def grow(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return fix("grow", 1, BodyEdit(0, 0, "x")) if len(facts.card.body) < 2 else NOTHING

    rule = Rule("CF901", "test-cf901", "s", Action("test_CF901", grow, settles=settles), True, True, {}, (),
                "CF901.yaml")
    result = run(parse_text(""), [rule], Options())
    assert (result.card.render(), result.passes) == expected


def _cancel_out() -> tuple[Rule, ...]:
    """CF901 sets `a` to 1; CF902, reading its edit, sets it back: the card ends as it began."""
    up = _rule("CF901", lambda facts: fix("up", 1, SetKey("a", 1))
               if facts.metadata["a"] == 0 and "CF902" not in facts.fixed else NOTHING)
    down = _rule("CF902", lambda facts: fix("down", 1, SetKey("a", 0))
                 if facts.metadata["a"] == 1 and "CF901" in facts.fixed else NOTHING, level=1, after=("CF901",))
    return up, down


@pytest.mark.parametrize(("text", "rules", "changed"), [
    ("a", (_rule("CF901", lambda facts: NOTHING),), False),
    ("---\na: 0\n---\nx\n", (_rule("CF901", lambda facts: NOTHING),), False),
    ("a", (_rule("CF901", _replace("a", "b", "a->b")),), True),
    ("---\na: 0\n---\nx\n", (_rule("CF901", _set_key("b", 1, "b")),), True),
    ("---\na: 0\n---\nx\n", _cancel_out(), False),
])
def test_check_says_the_card_would_change_exactly_when_apply_changes_it(text: str, rules: tuple[Rule, ...],
                                                                         changed: bool) -> None:
    applied, checked = _run(text, *rules), _run(text, *rules, verify=False)
    assert (applied.card.render() != text, applied.changed, checked.changed) == (changed, changed, changed)
    assert checked.card.front_matter == parse_text(text).front_matter  # check splices nothing


def _at(start: int, old: str, new: str) -> Act:
    """A rule that replaces `old` at `start` with `new` (its message)."""
    return lambda facts: (fix(new, 1, BodyEdit(start, start + len(old), new))
                          if facts.card.body[start : start + len(old)] == old else NOTHING)


def test_a_rule_after_one_that_waits_still_applies_and_reports_in_the_same_pass() -> None:
    waits = _rule("CF902", _at(1, "b", "B"))  # inside the edit of CF901: it waits, then finds nothing to do
    result = _run("abcd", _rule("CF901", _at(0, "ab", "XY")), waits, _rule("CF903", _at(3, "d", "D")))
    assert (result.card.render(), result.passes) == ("XYcD", 2)
    assert [(f.code, f.message) for f in result.findings] == [("CF901", "XY"), ("CF903", "D")]


@pytest.mark.parametrize(("unsafe_fixes", "body"), [(False, "a\nz\n"), (True, "b\nz\n")])
def test_an_unsafe_rules_fix_is_held_and_its_other_reports_are_kept_as_they_are(unsafe_fixes: bool,
                                                                                 body: str) -> None:
    def act(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return Outcome((BodyEdit(0, 1, "b"),), (Report("fix it", 1, fixable=True), Report("a note", 2)))

    rule = Rule("CF901", "test-cf901", "s", Action("test_CF901", act), False, True, {}, (), "CF901.yaml")
    result = run(parse_text("a\nz\n"), [rule], Options(unsafe_fixes=unsafe_fixes))
    fixed = "fix it" if unsafe_fixes else "fix it; an unsafe fix: --unsafe-fixes applies it"
    assert result.card.render() == body
    assert result.findings == (Finding("CF901", "test-cf901", fixed, 1, unsafe_fixes),
                               Finding("CF901", "test-cf901", "a note", 2, False))


def _gated(code: str, act: Act, *generators: str, level: int = 0, after: tuple[str, ...] = ()) -> Rule:
    """A rule that runs only on cards of `generators` (`applies_to:`)."""
    return replace(_rule(code, act, level, after), applies_to=frozenset(generators))


def _says(message: str) -> Act:
    return lambda facts: report(Report(message, 1))


@pytest.mark.parametrize(("text", "codes"), [
    ("---\ntags: [generated_from_trainer]\n---\nx\n", ["CF901", "CF903"]),  # the front matter's tag
    ("---\nlibrary_name: PEFT\n---\nx\n", ["CF902", "CF903"]),  # library_name, compared lower-cased
    ("x\n- PEFT 0.7.1\n", ["CF902", "CF903"]),  # a body mark
    ("---\nlicense: mit\n---\nx\n", []),  # no known generator: only rules for every card would run
])
def test_a_rule_runs_only_on_the_cards_of_the_generators_it_applies_to(text: str, codes: list[str]) -> None:
    rules = (_gated("CF901", _says("trainer"), "trainer", "keras"), _gated("CF902", _says("peft"), "peft"),
             _gated("CF903", _says("any"), "any"))
    assert [f.code for f in _run(text, *rules).findings] == codes
    assert [f.code for f in _run(text, *rules, strict=True).findings] == ["CF901", "CF902", "CF903"]


def test_a_card_that_becomes_a_generators_card_gets_the_rules_that_read_the_edit() -> None:
    """A rule skipped as not applying counts as run: it runs again when a rule it reads (`after:`) changes the
    card, and then applies (as its action would have found the card changed)."""
    tag = _rule("CF901", _set_key("library_name", "peft", "set"))
    reader = _gated("CF902", _says("a PEFT card"), "peft", level=1, after=("CF901",))
    blind = _gated("CF903", _says("a PEFT card"), "peft")  # reads nothing: ran (skipped) before the change
    result = _run("---\na: 1\n---\nx\n", tag, reader, blind)
    assert [f.code for f in result.findings] == ["CF901", "CF902"]


def test_a_card_that_becomes_a_generators_card_mid_pass_gets_that_generators_later_rules_at_once() -> None:
    """On a card no generator wrote, only the rules for every card run; once an edit gives it a generator's
    marks, the run is the one every rule would have had: a rule of a later level runs in the same pass,
    on the edited card, though it reads no rule's edits."""
    tag = _rule("CF901", _set_key("library_name", "peft", "set"))
    late = _gated("CF904", _says("a PEFT card"), "peft", level=1)
    for verify in (True, False):
        result = _run("---\na: 1\n---\nx\n", tag, late, verify=verify)
        assert [f.code for f in result.findings] == ["CF901", "CF904"]
        assert result.passes == 2


def test_a_card_that_gets_a_generators_marks_in_the_last_pass_gets_that_generators_reports_before_giving_up() -> None:
    """A run that gives up keeps the findings no fix made: also those of the rules for some generator that run
    after the last rule for every card, on the card an edit of that pass gave the generator's marks."""
    def grow(facts: Facts) -> Outcome:  # never settles; the edit of the last allowed pass writes SetFit's mark
        body = facts.card.body
        text = "This is a [SetFit" if body.count("x") == MAX_PASSES - 1 else "x"
        return fix("grew", 1, BodyEdit(len(body), len(body), text))

    rules = (_rule("CF901", grow), _gated("CF902", _says("a SetFit card"), "any", level=1, after=("CF901",)))
    for verify in (True, False):
        result = _run("---\na: 1\n---\n", *rules, verify=verify)
        assert [(f.code, f.message) for f in result.findings] == [
            ("CF902", "a SetFit card"), ("CF000", f"card left unchanged: no fixed point after {MAX_PASSES} passes")]


@pytest.mark.parametrize(("verify", "text"), [(True, "---\na: 1\nb: 2\n---\nx\n"), (False, "---\na: 1\n---\nx\n")])
def test_on_a_card_no_generator_wrote_a_rule_for_every_card_fixes_as_on_any_card(verify: bool, text: str) -> None:
    """apply splices the fix (check leaves the text and says it would change), with rules for some generators
    in the set (which leave them out of the run)."""
    rules = (_rule("CF901", _set_key("b", 2, "set b")), _gated("CF902", _says("a PEFT card"), "peft", level=1))
    result = _run("---\na: 1\n---\nx\n", *rules, verify=verify)
    assert (result.card.render(), result.changed, result.passes) == (text, True, 2)
    assert [f.code for f in result.findings] == ["CF901"]


def test_on_a_card_no_generator_wrote_the_rules_for_some_generators_are_not_called() -> None:
    called: list[str] = []

    def counted(code: str) -> Act:
        return lambda facts: called.append(code) or NOTHING  # type: ignore[func-returns-value]

    rules = (_rule("CF901", counted("CF901")), _gated("CF902", counted("CF902"), "peft", level=1))
    _run("---\nlicense: mit\n---\nx\n", *rules)
    assert called == ["CF901"]
    _run("---\nlicense: mit\n---\nx\n", *rules, strict=True)
    assert called == ["CF901", "CF901", "CF902"]


def test_a_body_edit_carries_the_facts_of_the_body_it_was_made_from() -> None:
    """The state after a body edit holds the new body's facts made from the old one's (what they knew of the
    generators' marks carries over: only the text around the edit is read again)."""
    seen: list[Any] = []

    def record(facts: Facts) -> Outcome:
        seen.append(facts.body)
        return NOTHING

    grow = _rule("CF901", lambda facts: fix("grow", 1, BodyEdit(0, 0, "x")) if facts.card.body == "a" else NOTHING)
    reader = _rule("CF902", record, level=1, after=("CF901",))
    _run("a", grow, reader)
    assert seen and seen[0].body == "xa" and seen[0]._parent is not None and seen[0]._parent.body == "a"
