"""What sentence-transformers' and SetFit's templates write that the card's metadata or text may have lost:
the sentence that shows which template (and so which `pipeline_tag`) wrote the card, and the placeholders a
template leaves where the model's Hub id goes (the patterns are rule data: CF109, CF406).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from cardfix.facts.lines import split_lines

NAME_GROUP = "name"


@dataclass(frozen=True)
class TaskSentence:
    """A line only one template writes, and the `pipeline_tag` that template always writes with it."""

    generator: str  # an id of rules/data/generators.yaml: the line is read only on that tool's cards
    pattern: regex.Pattern[str]  # matched against a whole line
    pipeline_tag: str
    key_order: tuple[str, ...]  # the template's order of the metadata keys, where a new key goes
    evidence: str


@dataclass(frozen=True)
class Placeholder:
    """Text a template leaves where the model's name goes; `pattern`'s `name` group is that text.

    `local_name`: the group is a name the template filled in (SetFit 0.x: the folder it saved to), left only
    where it cannot be a Hub model id; otherwise the group is a literal placeholder such as `{MODEL_NAME}`.
    """

    generator: str
    pattern: regex.Pattern[str]  # searched in the body; it does not span lines
    template: str  # which template leaves it, and when
    mark: str = ""  # text the card must also have (the template's own sentence), if any
    local_name: bool = False


@dataclass(frozen=True)
class Leftover:
    """Where a placeholder is: the body spans of its `name` group (a title line the name fills, first)."""

    placeholder: Placeholder
    text: str
    spans: tuple[tuple[int, int], ...]


def task_sentence(body: str, sentences: Sequence[TaskSentence]) -> tuple[TaskSentence, int] | None:
    """The first line that is one of the sentences, and its offset."""
    for line in split_lines(body):
        end = line.end
        while end > line.start and body[end - 1] in " \t":
            end -= 1
        for sentence in sentences:
            if sentence.pattern.fullmatch(body, line.start, end) is not None:
                return sentence, line.start
    return None


def leftovers(body: str, placeholders: Sequence[Placeholder], title: tuple[str, int] | None) -> tuple[Leftover, ...]:
    """Each placeholder the body has, with every place it is (`title`: the first `# ` heading and its offset,
    which a local name also fills)."""
    found = []
    for placeholder in placeholders:
        if placeholder.mark and placeholder.mark not in body:
            continue
        matches = list(placeholder.pattern.finditer(body))
        for text in dict.fromkeys(m.group(NAME_GROUP) for m in matches):  # each distinct text once, in order
            spans = tuple(m.span(NAME_GROUP) for m in matches if m.group(NAME_GROUP) == text)
            if placeholder.local_name and title is not None and title[0] == text:
                spans = ((title[1], title[1] + len(text)), *spans)
            found.append(Leftover(placeholder, text, spans))
    return tuple(found)
