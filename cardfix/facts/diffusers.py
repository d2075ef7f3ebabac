"""Values a DreamBooth LoRA card states in its body, in the fixed sentences its template writes (the patterns are
rule data, CF108): the base model and the instance prompt (autotrain-advanced 0.7.x
`trainers/dreambooth/utils.py`, `save_model_card` and `save_model_card_xl`).

A sentence is a whole line of the body (trailing spaces aside): the templates write each on a line of its own,
so a sentence quoted inside an author's paragraph is not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from cardfix.facts.lines import split_lines

VALUE_GROUP = "value"


@dataclass(frozen=True)
class TemplateSentence:
    """A line a generator's template writes, stating the value of the metadata `key` in its `value` group."""

    generator: str  # an id of rules/data/generators.yaml: the sentence is read only on that tool's cards
    key: str
    pattern: regex.Pattern[str]  # matched against a whole line
    evidence: str  # which template writes it, for findings


@dataclass(frozen=True)
class StatedValue:
    """A value one of the sentences states; `start` is its offset in the body."""

    key: str
    value: str
    start: int
    evidence: str


def stated_values(body: str, sentences: Sequence[TemplateSentence]) -> tuple[StatedValue, ...]:
    """Every value the sentences state, in body order (a line that is none of them states nothing)."""
    found = []
    for line in split_lines(body):
        end = line.end
        while end > line.start and body[end - 1] in " \t":
            end -= 1
        for sentence in sentences:
            match = sentence.pattern.fullmatch(body, line.start, end)
            if match is not None and match.group(VALUE_GROUP):
                found.append(StatedValue(sentence.key, match.group(VALUE_GROUP), match.start(VALUE_GROUP),
                                         sentence.evidence))
    return tuple(found)
