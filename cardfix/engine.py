"""The fix loop: facts -> rules -> edits -> card, repeated until nothing changes.

One way of running. Rules run level by level (`after:` in their files). The rules of a level read the same
facts; their edits are taken in rule order, and a rule whose edits would overlap edits already taken this
level waits for the next pass, where it reads the card as the others left it. Front-matter edits are kept
as data and spliced into the text at the end of the pass (earlier only when a later edit lands inside
one); each splice is read back, and an edit that does not read back as written is dropped and reported.
`check` (verify=False) writes nothing, so it splices nothing: its rules read the data.

A later pass runs only the rules whose input changed since they last ran: a rule that changed the card
(it must then find nothing more to do: that confirms its fix; not for an action that `settles`, whose
fix leaves it nothing to do by construction), one that waited, and one that reads the edits of a rule
(`after:`, followed through) that changed the card after it ran. `strict=True` re-runs
every rule after any change, as if each rule read every other: tests compare it with the default to
show the rule files declare every read. A rule runs only on the cards of the generators it `applies_to`
(a pre-filter: its action would find nothing on any other); on a card no known generator wrote (most of
the Hub) only the rules for every card are looked at, as long as no edit gives it a generator's marks (the
levels for that are made once per set of rules, with `plan_for`). `strict=True` runs every rule on every card.
The loop ends when a pass changes nothing, gives up on a cycle or after MAX_PASSES.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from cardfix.card import Card, unread_opening
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
    changes_data,
    edit_path,
    same_data,
)
from cardfix.facts import BodyFacts, Facts
from cardfix.memo import cached, mypyc_attr
from cardfix.options import Options
from cardfix.ruleset import Rule
from cardfix.splice import insert_keys, splice, splice_all
from cardfix.suppress import Suppressions, outcome_without
from cardfix.yaml_read import FrontMatterError, ParsedFrontMatter, parse_front_matter

MAX_PASSES = 10
NO_SUPPRESSIONS = Suppressions()
ENGINE_CODE, ENGINE_NAME = "CF000", "engine"
# A new block on top would leave the old YAML in the body as text: the author must close it first.
UNCLOSED = ("the front matter is not closed as the Hub reads it (no `---` line followed by a line feed or the "
            "end of the file), so the Hub reads no metadata; close it first, metadata left as it is")
# Where it opens after a byte-order mark that is not the file's first character (huggingface_hub's reader removes
# only that one; whether the Hub's server reads past another is not known): by unread_opening's answer.
AFTER_BOM = {
    "bom": ("the front matter opens after a byte-order mark (U+FEFF) that is not the file's first character, "
            "where huggingface_hub reads no metadata; remove that mark first, metadata left as it is"),
    "bom+unclosed": ("the front matter opens after a byte-order mark (U+FEFF) that is not the file's first "
                     "character, where huggingface_hub reads no metadata, and no `---` line closes it; remove that "
                     "mark and close it first, metadata left as it is"),
}


@dataclass(frozen=True)
class EngineResult:
    card: Card  # with verify=False the front matter is left as read: `changed` says whether it would change
    findings: tuple[Finding, ...]
    passes: int
    changed: bool = False


@dataclass(frozen=True)
class Pending:
    """A front-matter edit applied to the data but not yet spliced into the text, and the rule it is from."""

    rule: Rule
    edit: FrontMatterEdit


@mypyc_attr(native_class=False)  # (`cached` keeps values in the instance's __dict__)
@dataclass(frozen=True)
class State:
    """A card, the parse of its front-matter text, the data with the pending edits, and who changed it."""

    card: Card
    front_matter: ParsedFrontMatter  # of card.front_matter as written
    origin: Origin  # the input, and the body edits since (for line numbers)
    data: dict[str, Any]
    pending: tuple[Pending, ...] = ()
    fixed: frozenset[str] = frozenset()  # codes of the rules whose edits changed the card
    body: BodyFacts | None = None  # the facts of card.body, carried from the body it was edited from

    @cached
    def facts(self) -> Facts:
        view = ParsedFrontMatter(self.data, None, self.card.front_matter)
        return Facts(self.card, view, self.fixed, self.origin, self.body)


class Turn(NamedTuple):
    """What one rule said in one pass, and what became of its edits."""

    rule: Rule
    outcome: Outcome
    applied: bool = False
    deferred: bool = False  # overlapped another rule's edits this level: tried again next pass
    problem: str | None = None


@dataclass
class _Run:
    """One run's bookkeeping: findings (the first of each message), the version of the card each rule last
    read, the version each rule last changed it at, and the front-matter edits that did not read back
    (never tried again)."""

    verify: bool
    suppressions: Suppressions
    reads: Mapping[str, frozenset[str]]  # by code: the rules whose edits it reads, itself included
    gated: bool = True  # a rule runs only on cards of the generators it `applies_to` (not when strict)
    unmade: bool = False  # only the rules for every card run: a state with a generator's marks stops the run
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    ran_at: dict[str, int] = field(default_factory=dict)  # absent: never ran, or waited (deferred)
    changed_at: dict[str, int] = field(default_factory=dict)
    version: int = 0  # bumped by every applied change
    unreadable: list[FrontMatterEdit] = field(default_factory=list)

    def changed_since(self, rule: Rule) -> bool:
        """Whether a rule it reads (itself included) changed the card since it last ran (it ran: `ran_at`)."""
        ran = self.ran_at[rule.code]
        reads = self.reads[rule.code]
        for code, version in self.changed_at.items():  # noqa: SIM110 - a loop: any() and its generator cost more here
            if version > ran and code in reads:
                return True
        return False

    def record(self, findings: Sequence[Finding]) -> None:
        for item in findings:
            self.findings.setdefault((item.code, item.message), item)

    def unapply(self, pending: Pending, problem: str) -> None:
        """An edit dropped after its rule's report was recorded as a fix: the report says it was not applied."""
        self.unreadable.append(pending.edit)
        for key, item in list(self.findings.items()):
            if item.code == pending.rule.code and item.fixable:
                del self.findings[key]
                self.record([replace(item, message=f"{item.message}; fix not applied: {problem}", fixable=False,
                                     severity="error")])


def run(card: Card, rules: Sequence[Rule], options: Options, *, verify: bool = True,
        suppressions: Suppressions = NO_SUPPRESSIONS, strict: bool = False) -> EngineResult:
    """Apply `rules` to `card` until a fixed point. Raises FrontMatterError if the input does not parse.

    `verify=False` splices nothing and reads nothing back: for `check`, which reports findings and writes
    nothing. `strict=True` re-runs every rule after any change (see the module's docstring).
    """
    front_matter = parse_front_matter(card.front_matter)
    start = State(card, front_matter, Origin(card), front_matter.data, body=BodyFacts(card.body))
    plan = plan_for(rules, strict)
    if not strict and plan.for_every_card is not plan.levels and not start.facts.made_by_any:
        # A card no known generator wrote (most of a Hub dump): the rules that apply only to some
        # generator's cards would each be skipped, level after level. They are left out, as long as no
        # edit gives the card a generator's marks (then the run starts again with every rule).
        try:
            return _fix_loop(start, plan.for_every_card, options, _Run(verify, suppressions, plan.reads, unmade=True))
        except _Generated:
            pass
    return _fix_loop(start, plan.levels, options, _Run(verify, suppressions, plan.reads, gated=not strict))


def _fix_loop(start: State, levels: Sequence[Sequence[Rule]], options: Options, log: _Run) -> EngineResult:
    """Passes over the levels until one changes nothing (or a cycle, or MAX_PASSES)."""
    state = start
    last = start.card.render()
    seen = {last}
    for passes in range(1, MAX_PASSES + 1):
        before = log.version
        for level in levels:
            state = _run_level(state, level, options, log)
        if log.unmade and state.facts.made_by_any:  # (the levels left out would run on this state)
            raise _Generated
        state = _splice_pending(state, log)
        if log.version == before:
            return EngineResult(state.card, by_line(log.findings.values()), passes, _changed(start, state))
        text = state.card.render()
        if text != last and text in seen:  # (the same text again: an edit was dropped, the next pass settles)
            return _give_up(start, log, passes, "the rules undo each other's edits (a cycle)")
        seen.add(text)
        last = text
    return _give_up(start, log, MAX_PASSES, f"no fixed point after {MAX_PASSES} passes")


class _Generated(Exception):
    """A run over the rules for every card met a state with a generator's marks: every rule must run."""


@dataclass(frozen=True)
class Plan:
    """How one set of rules runs, the same for every card of a run: its levels, the same levels with only
    the rules for every card (no `applies_to`), and by code what each rule reads."""

    levels: tuple[tuple[Rule, ...], ...]
    for_every_card: tuple[tuple[Rule, ...], ...]  # `levels` itself when every rule is for every card
    reads: Mapping[str, frozenset[str]]


_PLANS: dict[tuple[int, bool], tuple[tuple[Rule, ...], Plan]] = {}


def plan_for(rules: Sequence[Rule], strict: bool) -> Plan:
    """The plan of a set of rules; made once per tuple of rules (the settings' tuple serves every card)."""
    if type(rules) is not tuple:
        return _make_plan(rules, strict)
    key = (id(rules), strict)
    known = _PLANS.get(key)
    if known is not None and known[0] is rules:
        return known[1]
    plan = _make_plan(rules, strict)
    if len(_PLANS) >= 64:
        _PLANS.clear()
    _PLANS[key] = (rules, plan)  # (the tuple is kept, so its id is not reused while it is here)
    return plan


def _make_plan(rules: Sequence[Rule], strict: bool) -> Plan:
    levels = _levels(rules)
    for_every_card = tuple(kept for level in levels if (kept := tuple(r for r in level if r.applies_to is None)))
    if sum(map(len, for_every_card)) == len(rules):
        for_every_card = levels
    return Plan(levels, for_every_card, _reads(rules, strict))


def _reads(rules: Sequence[Rule], strict: bool) -> Mapping[str, frozenset[str]]:
    """By code: the rule itself and the rules whose edits it reads, `after:` followed through (every rule
    when `strict`)."""
    if strict:
        every = frozenset(rule.code for rule in rules)
        return {rule.code: every for rule in rules}
    return _closure(tuple((rule.code, rule.after, rule.action.settles) for rule in rules))


@functools.lru_cache(maxsize=64)
def _closure(edges: tuple[tuple[str, tuple[str, ...], bool], ...]) -> Mapping[str, frozenset[str]]:
    """`after:` followed through, for one set of rules (the same for every card of a run); a rule reads its
    own edits (and so confirms its fix in the next pass) unless its action settles."""
    after = {code: rules_after for code, rules_after, _ in edges}
    reads: dict[str, frozenset[str]] = {}
    for code, _, settles in edges:
        found: set[str] = set()
        todo = [*after[code], *([] if settles else [code])]
        while todo:
            other = todo.pop()
            if other not in found:
                found.add(other)
                todo += after.get(other, ())
        reads[code] = frozenset(found)
    return reads


def _changed(start: State, end: State) -> bool:
    """Whether the card changed (with verify=False, the data stands for the front matter's text)."""
    if end.card.body != start.card.body:
        return True
    if end.pending:
        return not same_data(end.data, start.data)
    return end.card.front_matter != start.card.front_matter


def _levels(rules: Sequence[Rule]) -> tuple[tuple[Rule, ...], ...]:
    """The rules by level, each level in code order."""
    return tuple(tuple(rules[i] for i in level) for level in _level_order(tuple((r.code, r.level) for r in rules)))


@functools.lru_cache(maxsize=64)
def _level_order(keys: tuple[tuple[str, int], ...]) -> tuple[tuple[int, ...], ...]:
    """Indexes of the rules by level (the same for every card of a run, so computed once)."""
    levels: dict[int, list[int]] = {}
    for index, (_, level) in enumerate(keys):
        levels.setdefault(level, []).append(index)
    return tuple(tuple(sorted(levels[k], key=lambda i: keys[i][0])) for k in sorted(levels))


def _run_level(state: State, rules: Sequence[Rule], options: Options, log: _Run) -> State:
    """The rules of one level on the same facts; their edits applied together, in rule order."""
    ran = log.ran_at
    if log.unmade and state.facts.made_by_any:  # an edit gave the card a generator's marks
        raise _Generated
    due = [rule for rule in rules if rule.code not in ran or log.changed_since(rule)]  # (never ran, or waited)
    if not due:
        return state
    facts = state.facts
    if log.gated and not log.unmade:  # a rule skipped ran as far as the loop is concerned: its action finds nothing
        applying = []
        for rule in due:
            if rule.applies_to is None or facts.applies(rule.applies_to):
                applying.append(rule)
            else:
                ran[rule.code] = log.version
        if not applying:
            return state
        due = applying
    outcomes = ((rule, rule.action.fn(facts, rule.params, options)) for rule in due)
    turns = [Turn(rule, outcome if rule.safe or options.unsafe_fixes else _held(outcome)) for rule, outcome in outcomes]
    if log.suppressions.blocks:
        turns = [Turn(t.rule, outcome_without(log.suppressions, t.rule.code, t.rule.name, t.outcome)) for t in turns]
    seen_version = log.version  # what every rule of the level saw
    state, turns = _apply_level(state, turns, log)
    for turn in turns:
        if turn.deferred:  # it runs again next pass (another rule changed the card): it reports then
            log.ran_at.pop(turn.rule.code, None)
            continue
        log.ran_at[turn.rule.code] = seen_version
        if turn.applied:
            log.version += 1
            log.changed_at[turn.rule.code] = log.version
        if turn.outcome.reports or turn.problem:
            log.record(_findings(turn))
    return state


def _apply_level(state: State, turns: list[Turn], log: _Run) -> tuple[State, list[Turn]]:
    """Take each rule's edits unless they overlap edits taken before them; apply what was taken."""
    taken_body: list[BodyEdit] = []
    taken_front: list[Pending] = []
    done: list[Turn] = []
    for turn in turns:
        if not turn.outcome.edits:
            done.append(turn)
            continue
        body = [e for e in turn.outcome.edits if isinstance(e, BodyEdit)]
        front = [Pending(turn.rule, e) for e in turn.outcome.edits if not isinstance(e, BodyEdit)]
        problem = _own_problem(state, body, front, log)
        if problem is not None:
            done.append(Turn(turn.rule, turn.outcome, problem=problem))
        elif _overlap(body, taken_body) or any(_paths_overlap(f, t) for f in front for t in taken_front):
            done.append(Turn(turn.rule, turn.outcome, deferred=True))
        elif not _changes(state, turn.outcome.edits):
            done.append(turn)
        else:
            taken_body += body
            taken_front += front
            done.append(Turn(turn.rule, turn.outcome, applied=True))
    if not (taken_body or taken_front):
        return state, done
    return _with_edits(state, taken_body, taken_front, log, {t.rule.code for t in done if t.applied}), done


def _held(outcome: Outcome) -> Outcome:
    """An unsafe rule's outcome without --unsafe-fixes: its fixes reported, none applied."""
    if not outcome.edits:
        return outcome
    return Outcome((), tuple(replace(r, message=f"{r.message}; an unsafe fix: --unsafe-fixes applies it", fixable=False)
                             if r.fixable else r for r in outcome.reports))


def _own_problem(state: State, body: Sequence[BodyEdit], front: Sequence[Pending], log: _Run) -> str | None:
    """Why one rule's edits cannot be applied at all, whatever the other rules do."""
    if front and state.card.unclosed:
        why = unread_opening(state.card.body)
        return UNCLOSED if why is None else AFTER_BOM[why]
    unreadable = next((p.edit for p in front if p.edit in log.unreadable), None)
    if unreadable is not None:
        return _unreadable(unreadable)
    if len(body) > 1:
        try:
            apply_body_edits(state.card.body, body)
        except EditConflict as exc:
            return str(exc)
    return None


def _overlap(edits: Sequence[BodyEdit], taken: Sequence[BodyEdit]) -> bool:
    """Edits overlap as `apply_body_edits` sees it: one starts before the other ends."""
    return any(max(e.start, t.start) < min(e.end, t.end) for e in edits for t in taken)


def _paths_overlap(a: Pending, b: Pending) -> bool:
    first, second = edit_path(a.edit), edit_path(b.edit)
    shorter = min(len(first), len(second))
    return first[:shorter] == second[:shorter]


def _changes(state: State, edits: Sequence[Edit]) -> bool:
    """Whether any of one rule's edits changes the card."""
    for edit in edits:
        if isinstance(edit, BodyEdit):
            if state.card.body[edit.start : edit.end] != edit.text:
                return True
        elif changes_data(state.data, edit):
            return True
    return False


def _with_edits(state: State, body_edits: Sequence[BodyEdit], front: Sequence[Pending], log: _Run,
                applied: set[str]) -> State:
    """The state with the body edits applied and the front-matter edits pending (splicing first any pending
    edit that a new one lands inside: splices of one pass must touch different keys)."""
    if any(_paths_overlap(f, p) for f in front for p in state.pending):
        state = _splice_pending(state, log)
    card, origin, body_facts = state.card, state.origin, state.body
    if body_edits:
        card = card.with_body(apply_body_edits(card.body, body_edits))
        origin = origin.after(body_edits)
        body_facts = state.facts.body.after(card.body, origin.batches[-1])
    data = state.data
    for pending in front:
        data = apply_to_data(data, pending.edit)
    return State(card, state.front_matter, origin, data, (*state.pending, *front), state.fixed | applied,
                 body_facts)


def _splice_pending(state: State, log: _Run) -> State:
    """Splice the pending edits into the front-matter text; when verifying, read it back, and drop (and
    report) an edit whose splice does not read as written."""
    if not state.pending or not log.verify:
        return state
    edits = [p.edit for p in state.pending]
    newline = state.card.front_matter_newline
    if state.front_matter.plain:  # new top-level keys only: each key's line read back (see insert_keys)
        inserted = insert_keys(state.card.front_matter, state.front_matter.data, edits, newline)
        if inserted is not None:
            return replace(state, card=state.card.with_front_matter(inserted),
                           front_matter=ParsedFrontMatter(state.data, text=inserted), pending=())
    try:
        text = splice_all(state.card.front_matter, state.front_matter.root, edits, newline, state.data)
        parsed = parse_front_matter(text)
        good = same_data(parsed.data, state.data)
    except (FrontMatterError, KeyError):
        good = False
    if not good:
        return _splice_one_by_one(state, log)
    return replace(state, card=state.card.with_front_matter(text), front_matter=parsed, pending=())


def _splice_one_by_one(state: State, log: _Run) -> State:
    """Splice and read back each pending edit in turn, keeping those that read back as written."""
    text, front_matter, data = state.card.front_matter, state.front_matter, state.front_matter.data
    for pending in state.pending:
        expected = apply_to_data(data, pending.edit)
        try:
            candidate = splice(text, front_matter.root, pending.edit, state.card.front_matter_newline, expected)
            parsed = parse_front_matter(candidate)
        except (FrontMatterError, KeyError):
            parsed = None
        if parsed is None or not same_data(parsed.data, expected):
            log.unapply(pending, _unreadable(pending.edit))
            continue
        text, front_matter, data = candidate, parsed, expected
    return replace(state, card=state.card.with_front_matter(text), front_matter=front_matter, data=data, pending=())


def _unreadable(edit: FrontMatterEdit) -> str:
    return f"the front-matter edit of {'/'.join(map(str, edit_path(edit)))!r} did not read back as written"


def _findings(turn: Turn) -> list[Finding]:
    """The rule's reports as findings; a fix that could not be applied says why, on the report it fixes."""
    rule, problem = turn.rule, turn.problem
    found = [Finding(rule.code, rule.name, f"{r.message}; fix not applied: {problem}", r.line, False, "error")
             if r.fixable and problem else Finding(rule.code, rule.name, r.message, r.line, r.fixable and not problem,
                                                   rule.severity) for r in turn.outcome.reports]
    if problem and not any(r.fixable for r in turn.outcome.reports):
        found.append(Finding(rule.code, rule.name, f"fix not applied: {problem}", None, False, "error"))
    return found


def _give_up(start: State, log: _Run, passes: int, why: str) -> EngineResult:
    stop = Finding(ENGINE_CODE, ENGINE_NAME, f"card left unchanged: {why}", None, False, "error")
    kept = [f for f in log.findings.values() if not f.fixable]
    return EngineResult(start.card, (*by_line(kept), stop), passes)


def by_line(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in the card's order (those about no line first), then by rule."""
    return tuple(sorted(findings, key=lambda f: (f.line or 0, f.code)))
