"""Values: the edits actions return (body and front matter), what they report, and where edits moved text.

Edits and parsed data are never changed in place: an edit describes a change, `apply_to_data` and
`apply_body_edits` compute its result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cardfix.card import Card
from cardfix.memo import mypyc_attr

Path = tuple[str | int, ...]
# The order in which transformers dumps the keys it writes (`create_metadata`): a new key goes there.
KEY_ORDER = ("library_name", "language", "license", "base_model", "tags", "datasets", "metrics", "model-index")


class EditConflict(ValueError):
    """Edits that cannot be applied as asked (overlap, or a splice whose re-parse differs)."""


@dataclass(frozen=True)
class BodyEdit:
    """Replace `body[start:end]` with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SetKey:
    """Set a top-level key. A new key goes before the first existing key listed after it in `order`."""

    key: str
    value: Any
    order: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetNode:
    """Replace the value at `path` (its last step a mapping key whose parent exists)."""

    path: Path
    value: Any


@dataclass(frozen=True)
class DeleteKey:
    """Remove a top-level key: its lines, from the key through its value and a trailing comment."""

    key: str


FrontMatterEdit = SetKey | SetNode | DeleteKey


def apply_to_data(data: dict[str, Any], edit: FrontMatterEdit) -> dict[str, Any]:
    """What the data must look like after the edit (copying only along the edited path; `data` is kept).

    The edit's value is shared, not copied: edits and parsed data are never changed in place.
    """
    if isinstance(edit, DeleteKey):
        return {key: value for key, value in data.items() if key != edit.key}
    return _set_in(data, edit_path(edit), edit.value)  # type: ignore[no-any-return]


def changes_data(data: dict[str, Any], edit: FrontMatterEdit) -> bool:
    """Whether the edit changes the data: `not same_data(apply_to_data(data, edit), data)`, comparing only
    the edited value (a whole model-index need not be walked to learn that `library_name` was added)."""
    if isinstance(edit, DeleteKey):
        return edit.key in data
    *parents, last = edit_path(edit)
    node: Any = data
    for step in parents:
        node = node[step]
    if isinstance(node, dict) and last not in node:
        return True
    return not same_data(node[last], edit.value)


def edit_path(edit: FrontMatterEdit) -> Path:
    """Where an edit lands in the data: a top-level key, or a path into it."""
    return (edit.key,) if isinstance(edit, (SetKey, DeleteKey)) else edit.path


def _set_in(node: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    copied = dict(node) if isinstance(node, dict) else list(node)
    copied[path[0]] = _set_in(node[path[0]] if len(path) > 1 else None, path[1:], value)  # type: ignore[index]
    return copied


DEEP = 100  # nesting no card's data reaches; past it, same_data tracks the pairs it is comparing


class _Deep(Exception):
    """Data nested past DEEP: compared again, tracking pairs (data that refers to itself never ends)."""


def same_data(a: Any, b: Any) -> bool:
    """Deep equality (mapping order aside) that treats NaN as equal to itself and keeps bool apart from int.
    Self-referencing data (`x: &x [*x]`) ends too: a pair already being compared further up counts as equal
    (tracked only past DEEP levels, so the common case pays nothing; a depth of its own, not Python's
    RecursionError, which the compiled build does not raise: it would overflow the C stack)."""
    try:
        return _same(a, b, None, 0)
    except _Deep:
        return _same(a, b, frozenset(), 0)


def _same(a: Any, b: Any, comparing: frozenset[tuple[int, int]] | None, depth: int) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b) and (isinstance(a, bool) or isinstance(b, bool)):
        return False
    if isinstance(a, (dict, list)) and isinstance(b, (dict, list)):
        if comparing is not None:
            pair = (id(a), id(b))
            if pair in comparing:
                return True
            comparing = comparing | {pair}
        elif depth > DEEP:
            raise _Deep
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], comparing, depth + 1) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, comparing, depth + 1) for x, y in zip(a, b))
    return bool(a == b)


Edit = BodyEdit | FrontMatterEdit


@dataclass(frozen=True)
class Report:
    """What an action says about a card; `fixable` when the action also returned the edit that fixes it."""

    message: str
    line: int | None = None
    fixable: bool = False


@dataclass(frozen=True)
class Outcome:
    edits: tuple[Edit, ...] = ()
    reports: tuple[Report, ...] = ()


NOTHING = Outcome()


def fix(message: str, line: int | None, *edits: Edit) -> Outcome:
    return Outcome(tuple(edits), (Report(message, line, fixable=True),))


def report(*reports: Report) -> Outcome:
    return Outcome((), tuple(reports))


@mypyc_attr(native_class=False)  # copied and pickled by users: mypyc's frozen classes do not unpickle
@dataclass(frozen=True)
class Finding:
    """A report tied to the rule that made it, as users see it."""

    code: str
    name: str
    message: str
    line: int | None
    fixable: bool
    severity: str = "warning"  # error | warning | info, from the rule's file

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "message": self.message, "line": self.line,
                "fixable": self.fixable, "severity": self.severity}


SEVERITIES = ("info", "warning", "error")  # from least to most severe


def fails(finding: Finding, fail_on: str = "error") -> bool:
    """Whether a finding makes `check` exit 1: a fix to make, or a severity at `fail_on` or above."""
    return finding.fixable or severity_fails(finding.severity, fail_on)


def severity_fails(severity: str, fail_on: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(fail_on)


def apply_body_edits(body: str, edits: Sequence[BodyEdit]) -> str:
    """Apply body edits (in the offsets of `body`); overlapping edits are a conflict. The new body is joined
    once from its pieces: a table realigned row by row makes thousands of edits."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    for first, second in zip(ordered, ordered[1:]):
        if second.start < first.end:
            raise EditConflict(f"overlapping body edits at offsets {first.start}-{first.end} and {second.start}")
    pieces, position = [], 0
    for edit in ordered:
        pieces += [body[position : edit.start], edit.text]
        position = edit.end
    pieces.append(body[position:])
    return "".join(pieces)


@dataclass(frozen=True)
class Origin:
    """The card as read, and the body edits made since: line numbers in findings are the input's.

    Each batch is one application of body edits, as (start, end, length of the new text) sorted by
    position, in the offsets of the body it was applied to.
    """

    card: Card
    batches: tuple[tuple[tuple[int, int, int], ...], ...] = ()

    def after(self, edits: Sequence[BodyEdit]) -> Origin:
        """This origin once `edits` are applied together (as `engine.apply_body_edits` does)."""
        batch = tuple(sorted((e.start, e.end, len(e.text)) for e in edits))
        return Origin(self.card, (*self.batches, batch)) if batch else self

    def body_offset(self, index: int) -> int:
        """An offset into the current body as one into the input's (text a fix wrote: where it was written)."""
        for batch in reversed(self.batches):
            shift = 0  # how far the edits before `index` moved it
            for start, end, length in batch:
                if index < start + shift:
                    break
                if index < start + shift + length:
                    index, shift = start, 0
                    break
                shift += length - (end - start)
            index -= shift
        return index

    def line_number(self, body_index: int) -> int:
        return self.card.body_first_line + self.card.body_lines_before(self.body_offset(body_index))
