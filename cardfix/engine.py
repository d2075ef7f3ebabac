"""The fix loop: facts -> rules -> edits -> card, repeated until nothing changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cardfix.card import Card
from cardfix.edits import (
    BodyEdit,
    Edit,
    EditConflict,
    Finding,
    FrontMatterEdit,
    Origin,
    Outcome,
    apply_body_edits,
    apply_to_data,
    edit_path,
    same_data,
)
from cardfix.facts import Facts
from cardfix.rules import Rule
from cardfix.settings import Options
from cardfix.splice import splice, splice_all
from cardfix.yaml_read import FrontMatterError, ParsedFrontMatter, parse_front_matter

MAX_PASSES = 10
# A new block on top would leave the old YAML in the body as text: the author must close it first.
UNCLOSED = ("the front matter is not closed as the Hub reads it (no `---` line followed by a line feed or the "
            "end of the file), so the Hub reads no metadata; close it first, metadata left as it is")
ENGINE_CODE, ENGINE_NAME = "CF000", "engine"


@dataclass(frozen=True)
class EngineResult:
    card: Card
    findings: tuple[Finding, ...]
    passes: int


class _Unverified(Exception):
    """A lazily checked splice went wrong: run again checking every edit as it is made."""


def run(card: Card, rules: Sequence[Rule], options: Options, *, strict: bool = False,
        verify: bool = True) -> EngineResult:
    """Apply `rules` to `card` until a fixed point. Raises FrontMatterError if the input does not parse.

    Front-matter splices are checked by one parse of the final text (and, should that disagree with the
    data the edits promised, by a strict re-run that parses after every edit to find the culprit).
    `verify=False` skips that final parse: for `check`, which reports findings and writes nothing.
    """
    try:
        return _run(card, rules, options, strict, verify)
    except _Unverified:
        return _run(card, rules, options, True, True)


def _run(card: Card, rules: Sequence[Rule], options: Options, strict: bool, verify: bool) -> EngineResult:
    state = _State(card, parse_front_matter(card.front_matter), Origin(card))
    original = state
    findings: dict[tuple[str, str], Finding] = {}
    seen = {card.render()}
    version = 0  # bumped by every applied change; `fixed` only changes with it
    quiet_since: dict[str, int] = {}  # rule -> version at which it last ran and changed nothing
    stages = _stages(rules)
    for passes in range(1, MAX_PASSES + 1):
        changed = False
        for stage in stages:
            due = [rule for rule in stage if quiet_since.get(rule.code) != version]
            # (a rule that ran quiet on this very card would give the same nothing again)
            batch = None if strict else _run_stage(state, due, options)
            seen_version = version  # what every rule of a batch saw
            steps = batch or _run_one_by_one(state, due, options, strict)
            for rule, outcome, applied, problem, after in steps:
                state = after
                if applied:
                    state.fixed.add(rule.code)
                    version += 1
                else:
                    quiet_since[rule.code] = seen_version if batch else version
                changed |= applied
                for item in _findings(rule, outcome, problem):
                    findings.setdefault((item.code, item.message), item)
        state = _materialize(state)
        if not changed:
            if verify and not strict:
                _verify(state)
            return EngineResult(state.card, tuple(findings.values()), passes)
        text = state.card.render()
        if text in seen:
            return _give_up(original, findings, passes, "the rules undo each other's edits (a cycle)")
        seen.add(text)
    return _give_up(original, findings, MAX_PASSES, f"no fixed point after {MAX_PASSES} passes")


class Step(NamedTuple):
    """One rule's turn: what it said, whether its edits changed the card, and the card after."""

    rule: Rule
    outcome: Outcome
    applied: bool
    problem: str | None
    after: _State


def _stages(rules: Sequence[Rule]) -> list[list[Rule]]:
    stages: dict[int, list[Rule]] = {}
    for rule in rules:
        stages.setdefault(rule.action.stage, []).append(rule)
    return [stages[k] for k in sorted(stages)]


def _run_stage(state: _State, rules: Sequence[Rule], options: Options) -> list[Step] | None:
    """The rules of one stage read the same facts and their edits are applied together: one new body
    (and one reading of its facts) per stage instead of one per rule. None if their edits conflict."""
    facts = state.facts
    outcomes = [(rule, rule.action.fn(facts, rule.params, options)) for rule in rules]
    edits = [edit for _, outcome in outcomes for edit in outcome.edits]
    if not edits:
        return [Step(rule, outcome, False, None, state) for rule, outcome in outcomes]
    after, applied, problem = _apply(state, edits, False)
    if problem is not None:
        return None
    return [Step(rule, outcome, applied and _changes(state, outcome.edits), None, after)
            for rule, outcome in outcomes]


def _changes(state: _State, edits: Sequence[Edit]) -> bool:
    """Whether any of one rule's edits changes the card (a batch applies them with other rules' edits)."""
    for edit in edits:
        if isinstance(edit, BodyEdit):
            if state.card.body[edit.start : edit.end] != edit.text:
                return True
        elif not same_data(apply_to_data(state.data, edit), state.data):
            return True
    return False


def _run_one_by_one(state: _State, rules: Sequence[Rule], options: Options, strict: bool) -> list[Step]:
    """Each rule reads the card as the previous one left it (strict mode, or a batch that conflicted)."""
    steps: list[Step] = []
    for rule in rules:
        outcome = rule.action.fn(state.facts, rule.params, options)
        state, applied, problem = _apply(state, outcome.edits, strict)
        steps.append(Step(rule, outcome, applied, problem, state))
    return steps


class _State:
    """A card, its front matter's data, and the front-matter edits not yet spliced into its text.

    Rules read `data` at once; the text is spliced once per pass (`_materialize`), all edits against one
    node tree, so no re-parse is needed between them.
    """

    def __init__(self, card: Card, front_matter: ParsedFrontMatter, origin: Origin, fixed: set[str] | None = None,
                 data: dict[str, Any] | None = None, pending: tuple[FrontMatterEdit, ...] = ()) -> None:
        self.card = card
        self.origin = origin  # the input, and the body edits since (for line numbers)
        self.front_matter = front_matter  # of card.front_matter as written
        self.data = front_matter.data if data is None else data
        self.pending = pending
        self.fixed = fixed if fixed is not None else set()
        self._facts: Facts | None = None

    @property
    def facts(self) -> Facts:
        if self._facts is None or self._facts.fixed != self.fixed:
            view = ParsedFrontMatter(self.data, None, self.card.front_matter, self.front_matter.verified)
            self._facts = Facts(self.card, view, frozenset(self.fixed), self.origin)
        return self._facts


def _findings(rule: Rule, outcome: Outcome, problem: str | None) -> list[Finding]:
    """The rule's reports as findings; a fix that could not be applied says why, on the report it fixes."""
    found = [Finding(rule.code, rule.name, f"{r.message}; fix not applied: {problem}" if r.fixable and problem
                     else r.message, r.line, r.fixable and problem is None) for r in outcome.reports]
    if problem and not any(r.fixable for r in outcome.reports):
        found.append(Finding(rule.code, rule.name, f"fix not applied: {problem}", None, False))
    return found


def _verify(state: _State) -> None:
    front_matter = state.front_matter
    if front_matter.verified:
        return
    try:
        parsed = parse_front_matter(state.card.front_matter)
    except FrontMatterError:
        raise _Unverified from None
    if not same_data(parsed.data, front_matter.data):
        raise _Unverified


def _materialize(state: _State) -> _State:
    """Splice the pending front-matter edits into the text."""
    if not state.pending:
        return state
    try:
        text = splice_all(state.card.front_matter, state.front_matter.root, state.pending, state.card.newline)
    except (FrontMatterError, KeyError):
        raise _Unverified from None
    front_matter = ParsedFrontMatter(state.data, text=text, verified=False)
    return _State(state.card.with_front_matter(text), front_matter, state.origin, state.fixed)


def _overlaps(a: FrontMatterEdit, b: FrontMatterEdit) -> bool:
    first, second = edit_path(a), edit_path(b)
    shorter = min(len(first), len(second))
    return first[:shorter] == second[:shorter]


def _apply(state: _State, edits: Sequence[Edit], strict: bool) -> tuple[_State, bool, str | None]:
    """Apply one rule's edits; on conflict leave the state as it was and say why."""
    if not edits:
        return state, False, None
    front_edits = [e for e in edits if not isinstance(e, BodyEdit)]
    body_edits = [e for e in edits if isinstance(e, BodyEdit)]
    if front_edits and state.card.unclosed:
        return state, False, UNCLOSED
    try:
        body = apply_body_edits(state.card.body, body_edits)
        origin = state.origin if body == state.card.body else state.origin.after(body_edits)
        if strict:
            return _apply_strict(state, body, front_edits, origin)
    except (EditConflict, FrontMatterError, KeyError) as exc:
        return state, False, str(exc)
    data, pending = state.data, state.pending
    for edit in front_edits:
        new_data = apply_to_data(data, edit)
        if same_data(new_data, data):
            continue
        if any(_overlaps(edit, p) for p in pending):
            state = _materialize(_State(state.card, state.front_matter, state.origin, state.fixed, data, pending))
            pending = ()
        data, pending = new_data, (*pending, edit)
    if body == state.card.body and pending == state.pending:
        return state, False, None
    return _State(state.card.with_body(body), state.front_matter, origin, state.fixed, data, pending), True, None


def _apply_strict(state: _State, body: str, edits: Sequence[FrontMatterEdit],
                  origin: Origin) -> tuple[_State, bool, str | None]:
    """Splice and re-parse after every edit, to find (and report) the one that does not read back."""
    text, front_matter = state.card.front_matter, state.front_matter
    for edit in edits:
        text = splice(text, front_matter.root, edit, state.card.newline)
        expected = apply_to_data(front_matter.data, edit)
        front_matter = parse_front_matter(text)
        if not same_data(front_matter.data, expected):
            raise EditConflict(f"the front-matter edit of {'/'.join(map(str, edit_path(edit)))!r} did not read "
                               "back as written")
    card = state.card.with_body(body)
    if text != state.card.front_matter:
        card = card.with_front_matter(text)
    if card == state.card:
        return state, False, None
    return _State(card, front_matter, origin, state.fixed), True, None


def _give_up(original: _State, findings: dict[tuple[str, str], Finding], passes: int, why: str) -> EngineResult:
    stop = Finding(ENGINE_CODE, ENGINE_NAME, f"card left unchanged: {why}", None, False)
    kept = [f for f in findings.values() if not f.fixable]
    return EngineResult(original.card, (*kept, stop), passes)
