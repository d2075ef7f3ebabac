"""CF406: a template placeholder a generator left where the model's Hub id goes (sentence-transformers 2.x's
`{MODEL_NAME}`, 3+'s and SetFit 1.x's default ids, SetFit 0.x's local folder name), reported with where it
first is and how often; a literal placeholder is filled from --repo-id, the value the template would have
written, as the template fills it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import regex

from cardfix.actions import Param, action
from cardfix.edits import NOTHING, BodyEdit, Outcome, Report
from cardfix.facts import Facts, is_repo_id
from cardfix.facts.generators import check_known
from cardfix.facts.sentence_transformers import NAME_GROUP, Leftover, Placeholder, leftovers
from cardfix.options import Options

ENTRY_KEYS = {"generator", "pattern", "template", "mark", "local_name"}


def check_placeholders(value: Any) -> None:
    """Each entry names a known generator, a regex with a `name` group, and the template that leaves it;
    optionally a `mark` the card must have and `local_name: true`."""
    for entry in value:
        if not isinstance(entry, dict) or not {"generator", "pattern", "template"} <= set(entry) <= ENTRY_KEYS \
                or not isinstance(entry.get("local_name", False), bool) \
                or not all(isinstance(entry[k], str) for k in set(entry) - {"local_name"}):
            raise ValueError(f"each entry takes {', '.join(sorted(ENTRY_KEYS))} (generator, pattern and template "
                             "required; local_name a boolean, the others strings)")
        check_known(entry["generator"])
        if NAME_GROUP not in regex.compile(entry["pattern"]).groupindex:
            raise ValueError(f"pattern {entry['pattern']!r} has no `(?P<{NAME_GROUP}>...)` group")


def to_placeholders(value: list[dict[str, Any]]) -> tuple[Placeholder, ...]:
    return tuple(Placeholder(e["generator"], regex.compile(e["pattern"]), e["template"], e.get("mark", ""),
                             e.get("local_name", False)) for e in value)


@action("report_unreplaced_placeholder", params={
    "leftovers": Param("list", required=True, check=check_placeholders, convert=to_placeholders)})
def report_unreplaced_placeholder(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    placeholders = [p for p in params["leftovers"] if facts.made_by(p.generator)]
    if not placeholders:
        return NOTHING
    cache_key = ("CF406", tuple((p.pattern.pattern, p.mark, p.local_name) for p in placeholders))
    found = facts.body.derived(cache_key, lambda: leftovers(facts.card.body, placeholders, _title(facts)))
    edits: list[BodyEdit] = []
    reports: list[Report] = []
    for leftover in found:
        if leftover.placeholder.local_name and _hub_id(leftover.text):
            continue  # a name that can be the model's Hub id is no leftover
        fill = _fill(leftover, options.repo_id)
        edits += [BodyEdit(start, end, fill) for start, end in leftover.spans] if fill else []
        reports.append(Report(_message(leftover, options.repo_id, fill), facts.line_number(leftover.spans[0][0]),
                              fixable=fill is not None))
    return Outcome(tuple(edits), tuple(reports))


def _title(facts: Facts) -> tuple[str, int] | None:
    """The first `# ` heading's text and its offset (a local name fills it, as it fills the usage code)."""
    first = next((s for s in facts.sections if s.level == 1), None)
    if first is None or not first.title:
        return None
    start = facts.card.body.find(first.title, first.heading.start, first.heading.end)
    return (first.title, start) if start != -1 else None


def _hub_id(text: str) -> bool:
    """A namespaced Hub model id: what the templates write where they know the repository."""
    return is_repo_id(text) and text.count("/") == 1


def _fill(leftover: Leftover, repo_id: str | None) -> str | None:
    """--repo-id, where it can be written as the template would: in a literal placeholder, a namespaced id."""
    if leftover.placeholder.local_name or repo_id is None or not _hub_id(repo_id):
        return None
    return repo_id


def _message(leftover: Leftover, repo_id: str | None, fill: str | None) -> str:
    count = len(leftover.spans)
    times = "once" if count == 1 else f"{count} times"
    what = leftover.placeholder.template
    if leftover.placeholder.local_name:
        said = f"{what}: {leftover.text!r} ({times}) is no Hub model id"
        return f"{said}; the card's own id would be {repo_id} (--repo-id), not written" if repo_id else \
            f"{said}; not replaced (no model id is guessed)"
    said = f"template placeholder {leftover.text!r} left unreplaced {times} ({what})"
    if fill:
        return f"{said}; filled from --repo-id: {fill}, as the template fills it"
    if repo_id:
        return f"{said}; --repo-id {repo_id!r} is no namespaced Hub model id, so it is not written"
    return f"{said}; it stands for the model's Hub id: pass --repo-id to fill it"
