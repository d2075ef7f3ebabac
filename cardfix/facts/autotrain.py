"""What AutoTrain / AutoNLP write in a card's body: the `- Problem type:` line and the `## Validation Metrics`.

Two layouts of the metrics (REPORT section 1): AutoNLP's server-side cards list Title-Case bullets
(`- Loss: 0.31`, `- Macro F1: 0.9`); autotrain-advanced joins `f"{key}: {value}"` lines with blank lines
(`loss: 0.31`, keys with `eval_` stripped since 0.7, kept in 0.6's text classification). Reading never raises:
an odd card yields fewer facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import regex

from cardfix.facts import Facts, Item
from cardfix.facts.lines import split_lines
from cardfix.facts.metrics import Metric, metric_key, snake, title_case, to_number
from cardfix.facts.sections import Section

METRICS_TITLE = "Validation Metrics"
PROBLEM_TYPE = "- Problem type: "
PROBLEM_TYPE_RE = regex.compile(r"- Problem type: [ \t]*(?P<value>[^\r\n]*)")  # (less its trailing blanks)
# One metric line of either layout; the key as the card shows it (`Macro F1`, `f1_macro`, `eval_loss`).
METRIC_LINE_RE = regex.compile(r"(?:- )?(?P<key>[A-Za-z][\w .-]*?):[ \t]*(?P<value>[^\s:]+)[ \t]*")


@dataclass(frozen=True)
class ProblemType:
    text: str  # as the card writes it (`Binary Classification`)
    start: int  # offset of its line in the body


@dataclass(frozen=True)
class AutoTrainBody:
    problem_type: ProblemType | None
    metrics: tuple[Item, ...]  # the `## Validation Metrics` lines, in card order
    metrics_section: Section | None  # None: the card has no such section


def read_autotrain(body: str, section: Section | None) -> AutoTrainBody:
    """The problem type and validation metrics of a body (`section`: its `## Validation Metrics`)."""
    return AutoTrainBody(problem_type(body), validation_metrics(body, section), section)


def autotrain_body(facts: Facts) -> AutoTrainBody:
    """`read_autotrain` of the card's body, read once per body text."""
    return facts.body.derived("autotrain", lambda: read_autotrain(facts.card.body, facts.section(METRICS_TITLE)))


def problem_type(body: str) -> ProblemType | None:
    """The first `- Problem type: X` line (AutoTrain writes one, under its `# Model Trained Using` heading)."""
    pos = body.find(PROBLEM_TYPE)
    while pos != -1:
        match = PROBLEM_TYPE_RE.match(body, pos)
        value = match.group("value").rstrip(" \t") if match is not None else ""
        if value and (pos == 0 or body[pos - 1] in "\r\n"):
            return ProblemType(value, pos)
        pos = body.find(PROBLEM_TYPE, pos + 1)
    return None


def validation_metrics(body: str, section: Section | None) -> tuple[Item, ...]:
    """The `key: value` lines of the section, bullets or paragraphs; other lines (AutoTrain's "No validation
    metrics available", an author's prose) are not metrics."""
    if section is None:
        return ()
    items = []
    for line in split_lines(body, section.content_start, section.content_end):
        match = METRIC_LINE_RE.fullmatch(body, line.start, line.end)
        if match is not None:
            items.append(Item(match.group("key").strip(), match.group("value"), line.start, match.end("value")))
    return tuple(items)


def metrics_of(items: Iterable[Item], types: Iterable[str], type_map: Mapping[str, str]) -> list[Metric]:
    """The validation metrics a Hub model-index takes (`types`, as CF201 gives them: never loss, runtime, speeds
    or epoch), named as the card shows them (an `eval_` key by its title, as CF201 names it)."""
    wanted = set(types)
    found = []
    for item in items:
        key = metric_key(item.key)
        metric_type = type_map.get(key, key)
        value = to_number(item.value)
        if metric_type in wanted and value is not None:
            shown = title_case(key) if snake(item.key) != key else item.key
            found.append(Metric(shown, metric_type, item.value, value))
    return found
