"""The engine and the rule loader on their own: validation errors, cycles, splices that do not read back."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardfix import Options, repair
from cardfix.actions import Action, Param
from cardfix.card import parse_text
from cardfix.edits import BodyEdit, Origin, Outcome, apply_body_edits, fix
from cardfix.engine import MAX_PASSES, run
from cardfix.facts import Facts
from cardfix.ruleset import Rule, RuleError, load_rule_file, load_rules
from tests.clirun import invoke

GOOD = """id: CF101
name: base-model-from-link
summary: s
action: set_base_model_from_link
safe: true
severity: warning
params:
  reject_ids: ["None"]
"""


@pytest.mark.parametrize(("change", "message"), [
    (("safe: true", "safe: true\ncolour: red"), "unknown key 'colour'"),
    (("action: set_base_model_from_link", "action: guess_everything"), "key 'action': unknown action"),
    (("safe: true", "safe: yes please"), "key 'safe' must be a bool"),
    (("  reject_ids: [\"None\"]", "  reject_ids: None"), "params: key 'reject_ids' must be a list"),
    (("  reject_ids: [\"None\"]", "  rejects: []"), "params: unknown key 'rejects'"),
    (("id: CF101", "id: 101"), "key 'id' must be a str"),
    (("name: base-model-from-link", "name: Base Model"), "key 'name' must be kebab-case"),
    (("summary: s\n", ""), "missing key 'summary'"),
    (("severity: warning", "severity: fatal"), "key 'severity' must be one of info, warning, error"),
    (("severity: warning\n", ""), "missing key 'severity'"),
    (("safe: true", "safe: true\nafter: [CF1]"), "key 'after' must list rule codes"),
    (("safe: true", "safe: true\napplies_to: [trainr]"), "key 'applies_to': unknown generator 'trainr'"),
    (("safe: true", "safe: true\napplies_to: []"), "key 'applies_to': must list generator ids"),
    (("safe: true", "safe: true\napplies_to: [1]"), "key 'applies_to': must list generator ids"),
    (("safe: true", "safe: true\napplies_to: trainer"), "key 'applies_to' must be a list"),
])
def test_rule_files_are_validated_naming_file_and_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "CF101-base-model-from-link.yaml"
    path.write_text(GOOD.replace(*change))
    with pytest.raises(RuleError) as error:
        load_rule_file(path)
    assert str(error.value).startswith(f"{path.name}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_bad_regex_and_bad_template_are_load_errors(tmp_path: Path) -> None:
    table = tmp_path / "CF301-align-swapped-columns.yaml"
    table.write_text("id: CF301\nname: align-swapped-columns\nsummary: s\naction: align_swapped_columns\n"
                     "safe: true\nseverity: warning\nparams:\n  bounds: [{match: 'acc(', min: 0, max: 1}]\n")
    with pytest.raises(RuleError, match=r"CF301-align-swapped-columns.yaml: params: key 'bounds'"):
        load_rule_file(table)
    section = tmp_path / "CF401-fill-model-description.yaml"
    section.write_text("id: CF401\nname: fill-model-description\nsummary: s\naction: fill_section\nsafe: true\n"
                       "severity: warning\n"
                       "params:\n  titles: [Model description]\n  sentences: ['{model_name} scores {rank}']\n"
                       "  empty: nothing\n")
    with pytest.raises(RuleError, match=r"key 'sentences': unknown slot 'rank'"):
        load_rule_file(section)


def test_a_broken_rule_file_is_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "CF101-base-model-from-link.yaml").write_text(GOOD.replace("safe: true", "safe: 3"))
    monkeypatch.setattr("cardfix.ruleset.rules_dir", lambda: tmp_path)
    load_rules.cache_clear()
    try:
        code, out, err = invoke("rules")
    finally:
        load_rules.cache_clear()
    assert (code, out) == (2, b"")
    assert err == "cardfix: CF101-base-model-from-link.yaml: key 'safe' must be a bool\n"


def _rule(code: str, fn: Any, level: int = 0) -> Rule:
    action = Action(f"test_{code}", fn, params={"x": Param("int", 0)})
    return Rule(code, f"test-{code.lower()}", "s", action, True, True, {"x": 0}, (), f"{code}.yaml", level=level)


def test_rules_that_undo_each_other_are_a_reported_cycle() -> None:
    def to_b(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        body = facts.card.body
        return fix("a->b", 1, BodyEdit(0, len(body), "b")) if body == "a" else Outcome()

    def to_a(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        body = facts.card.body
        return fix("b->a", 1, BodyEdit(0, len(body), "a")) if body == "b" else Outcome()

    rules = [_rule("CF901", to_b), _rule("CF902", to_a)]
    result = run(parse_text("a"), rules, Options(), strict=True)  # as if each read the other's edits
    assert result.card.render() == "a"
    assert result.findings[-1].code == "CF000" and "cycle" in result.findings[-1].message
    assert result.passes == 2  # the input's own text counts: back to it in pass 2 is the cycle


def test_a_rule_that_never_settles_stops_after_the_pass_limit() -> None:
    def grow(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return fix("grow", 1, BodyEdit(0, 0, "x"))

    result = run(parse_text("card"), [_rule("CF903", grow)], Options())
    assert result.card.render() == "card" and result.passes == MAX_PASSES
    assert "no fixed point after 10 passes" in result.findings[-1].message


def test_a_splice_that_does_not_read_back_is_refused_and_reported() -> None:
    card = ("---\n{license: mit, tags: [generated_from_trainer]}\n---\nThis model is a fine-tuned version of "
            "[gpt2](https://huggingface.co/gpt2) on x.\n")
    result = repair(card, select=["CF101"])
    assert result.text == card and not result.changed
    assert any(f.code == "CF101" and "fix not applied: " in f.message for f in result.findings)


@pytest.mark.parametrize(("batches", "index", "expected"), [
    ((), 7, 7),
    ((((4, 6, 1),),), 3, 3),  # before the edit
    ((((4, 6, 1),),), 4, 4),  # in the text it wrote: where it was written
    ((((4, 6, 1),),), 5, 6),  # after it: shifted back by what it removed
    ((((4, 6, 3),),), 7, 6),  # after a longer text: shifted back by what it added
    ((((0, 0, 2), (5, 9, 0)),), 8, 10),  # two edits of one batch: an insertion, then a deletion
    ((((0, 0, 2), (5, 9, 0)),), 7, 9),  # just after the deletion
    ((((2, 2, 3),), ((0, 1, 0),)), 4, 2),  # two batches, undone newest first: 4 -> 5 -> inserted at 2
    ((((2, 2, 3),), ((0, 1, 0),)), 6, 4),  # 6 -> 7 -> past the 3 inserted
])
def test_origin_maps_a_body_offset_back_to_the_input(batches: tuple[tuple[tuple[int, int, int], ...], ...],
                                                      index: int, expected: int) -> None:
    assert Origin(parse_text("x"), batches).body_offset(index) == expected


def test_findings_point_at_lines_of_the_input_after_earlier_fixes_moved_them() -> None:
    # The first section goes (two lines fewer) and the front matter gains keys before the table's finding
    # is made: it must still name the table's line in the card as read.
    card = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\n## Model description\n\nMore information needed\n\n"
            "## Training results\n\n| Training Loss | Epoch | Step | Validation Loss |\n"
            "|:---:|:---:|:---:|:---:|\n| No log | 1.0 | 10 | 0.5 |\n| 0.4 | 2.0 | 20 | 0.3 |\n")
    lines = card.splitlines()
    result = repair(card, options=Options(placeholders="remove"))
    assert result.changed and "## Model description" not in result.text
    by_code = {f.code: f for f in result.findings}
    assert lines[by_code["CF401"].line - 1] == "## Model description"
    assert lines[by_code["CF303"].line - 1].startswith("| No log")
    assert by_code["CF103"].line == 2


@st.composite
def edit_batches(draw: st.DrawFn) -> tuple[str, list[list[BodyEdit]]]:
    """A body and batches of non-overlapping edits, each batch in the offsets of the body before it."""
    body = draw(st.text(alphabet="ab\n", min_size=0, max_size=30))
    size, batches = len(body), []
    for _ in range(draw(st.integers(1, 3))):
        cuts = sorted(draw(st.lists(st.integers(0, size), max_size=6)))
        pairs = list(zip(cuts[::2], cuts[1::2]))
        batch = [BodyEdit(a, b, draw(st.text(alphabet="xy", max_size=4))) for a, b in pairs]
        batches.append(batch)
        size += sum(len(e.text) - (e.end - e.start) for e in batch)
    return body, batches


@given(edit_batches())
def test_origin_maps_every_untouched_character_back_to_where_it_was(case: tuple[str, list[list[BodyEdit]]]) -> None:
    body, batches = case
    source: list[int | None] = list(range(len(body)))  # each current character's index in the input
    origin = Origin(parse_text(body))
    for batch in batches:
        for edit in reversed(sorted(batch, key=lambda e: (e.start, e.end))):  # as apply_body_edits does
            source[edit.start : edit.end] = [None] * len(edit.text)
        body = apply_body_edits(body, batch)
        origin = origin.after(batch)
    assert len(source) == len(body)
    for index, where in enumerate(source):
        if where is not None:
            assert origin.body_offset(index) == where


def test_a_rule_whose_own_body_edits_overlap_is_refused_and_says_so() -> None:
    def overlapping(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return fix("two edits over one span", 1, BodyEdit(0, 3, "x"), BodyEdit(2, 4, "y"))

    result = run(parse_text("abcdef"), [_rule("CF904", overlapping)], Options())
    assert result.card.render() == "abcdef"
    [finding] = result.findings
    assert finding.message == ("two edits over one span; fix not applied: overlapping body edits at offsets "
                               "0-3 and 2") and not finding.fixable


def test_rules_of_one_level_whose_edits_overlap_take_turns_and_both_apply() -> None:
    def upper(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        body = facts.card.body
        return fix("upper", 1, BodyEdit(0, 3, body[:3].upper())) if body[:3] != body[:3].upper() else Outcome()

    def star(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        body = facts.card.body
        return fix("star", 1, BodyEdit(1, 2, "*")) if body[1] != "*" else Outcome()

    result = run(parse_text("abcdef"), [_rule("CF905", upper), _rule("CF906", star)], Options())
    assert result.card.render() == "A*Cdef"  # CF905 first (rule order), CF906 in the next pass
    assert [f.message for f in result.findings] == ["upper", "star"] and result.passes == 3


def test_a_later_level_reads_what_an_earlier_level_wrote_in_the_same_pass() -> None:
    def write(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return fix("write", 1, BodyEdit(0, 1, "b")) if facts.card.body == "a" else Outcome()

    def copy(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        body = facts.card.body
        return fix("copy", 1, BodyEdit(1, 1, body[0])) if body == "b" else Outcome()

    result = run(parse_text("a"), [_rule("CF908", copy, level=1), _rule("CF907", write)], Options())
    assert result.card.render() == "bb" and result.passes == 2


def test_a_front_matter_edit_that_does_not_read_back_is_dropped_and_the_others_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cardfix import splice
    from cardfix.edits import SetKey

    real = splice.render_key
    # A planted emitter bug: the text for `license` reads back as another value.
    monkeypatch.setattr(splice, "render_key", lambda key, value, style: (
        "license: apache-2.0\n" if key == "license" else real(key, value, style)))

    def bad(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return fix("bad", 1, SetKey("license", "mit")) if "license" not in facts.metadata else Outcome()

    def good(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
        return fix("good", 1, SetKey("library_name", "x")) if "library_name" not in facts.metadata else Outcome()

    result = run(parse_text("---\ntags: [x]\n---\nbody\n"), [_rule("CF909", bad), _rule("CF910", good)], Options())
    assert result.card.render() == "---\ntags: [x]\nlibrary_name: x\n---\nbody\n"
    by_code = {f.code: f for f in result.findings}
    assert by_code["CF910"].fixable and by_code["CF910"].message == "good"
    assert not by_code["CF909"].fixable
    assert by_code["CF909"].message == ("bad; fix not applied: the front-matter edit of 'license' did not read "
                                        "back as written")
    assert "CF000" not in by_code  # dropped once, not retried into a cycle
