"""Small values pinned exactly: new fences, the default of `check`'s failure, what the emitter writes directly
(tests written to kill surviving mutants in card, edits and yaml_emit)."""

from __future__ import annotations

import pytest

from cardfix.card import parse_text
from cardfix.edits import Finding, fails
from cardfix.yaml_emit import Style, render_key


def test_new_fences_keep_the_last_letter_of_the_yaml() -> None:
    assert parse_text("body\n").with_front_matter("name: X\n").render() == "---\nname: X\n---\nbody\n"


@pytest.mark.parametrize(("fixable", "severity", "failing"), [
    (False, "error", True), (False, "warning", False), (False, "info", False), (True, "info", True)])
def test_by_default_a_check_fails_on_fixes_and_errors_only(fixable: bool, severity: str, failing: bool) -> None:
    assert fails(Finding("CF101", "base-model-from-link", "m", 1, fixable, severity)) is failing


# The direct emitter quotes with JSON's double quotes; ruamel, the fallback, would write 'a: b'. So these pin
# that mappings and lists holding empty values and quoted strings are written directly.
@pytest.mark.parametrize("empty", [{}, []])
def test_an_empty_value_beside_others_is_written_directly(empty: object) -> None:
    assert render_key("k", {"a": empty, "b": "a: b"}, Style()) == f'k:\n  a: {empty}\n  b: "a: b"\n'


def test_a_list_of_strings_and_empty_values_is_written_directly() -> None:
    assert render_key("k", ["a: b", {}, [], "c"], Style()) == 'k:\n- "a: b"\n- {}\n- []\n- c\n'
