"""What huggingface_hub's model-card template (`templates/modelcard_template.md`) writes in a card's body: its
`- **Finetuned from model [optional]:** X` field, the body's statement of `base_model`.

The template renders that field from the card data's `base_model` (0.17 and older: `finetuned_from`), or
`[More Information Needed]` when it had none; PEFT sets `base_model` only after rendering, so its cards keep
the placeholder. An author who fills the field by hand writes a plain id, an id in backticks, or a Markdown
link to the model's page. Readers never raise: odd text yields None.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from cardfix.facts.trainer import is_repo_id

PLACEHOLDER = "[More Information Needed]"
# huggingface_hub's ModelCardData field order: how its to_yaml (PEFT's cards too) orders the keys it writes.
KEY_ORDER = ("base_model", "datasets", "language", "library_name", "license", "license_name", "license_link",
             "metrics", "model_name", "pipeline_tag", "tags", "model-index")
FIELD_LITERAL = "**Finetuned from model"
# The template's line; authors drop the "[optional]" when they fill it in. The value is the rest of the line
# less its trailing blanks (stripped after the match: a lazy value before `[ \t]*` and a line end costs ~10 us).
FIELD_RE = regex.compile(r"[ \t]*[-*+][ \t]+\*\*Finetuned from model(?: \[optional\])?:\*\*[ \t]*(?P<value>[^\r\n]*)")
HUB_LINK_RE = regex.compile(
    r"\[(?P<text>[^\]\r\n]*)\]\(<?https?://(?:www\.)?huggingface\.co/(?P<id>[^)\s?#>]*?)/*(?:[?#][^)\s>]*)?>?\)"
)
OTHER_LINK_RE = regex.compile(r"\[(?P<text>[^\]\r\n]*)\]\([^)\r\n]*\)")
# What authors write for "no base model": states nothing, as the placeholder does.
NOTHING_WORDS = frozenset({"", "none", "null", "n/a", "na", "-", "--", "—", "no", "nothing", "not applicable"})


@dataclass(frozen=True)
class FinetunedFrom:
    """The field's value as written (`value`, at body[start:end]) and what it names.

    `repo_id` is the id it names: the value itself (backticks aside) or the id in the URL of a link to a
    huggingface.co page (without a trailing `/`, query or fragment); None for a link elsewhere. `text` is
    the link's text, or the value. `valid` when `repo_id` has a Hub repo id's form.
    """

    value: str
    start: int
    end: int
    repo_id: str | None
    text: str

    @property
    def states_nothing(self) -> bool:
        """The template's placeholder, or a word for "none": no model is named."""
        return self.value == PLACEHOLDER or self.value.strip("`*_ ").casefold() in NOTHING_WORDS

    @property
    def valid(self) -> bool:
        return self.repo_id is not None and is_repo_id(self.repo_id)


def finetuned_from(body: str) -> FinetunedFrom | None:
    """The first "Finetuned from model" field of the body, or None."""
    position = body.find(FIELD_LITERAL)
    while position != -1:
        line_start = max(body.rfind("\n", 0, position), body.rfind("\r", 0, position)) + 1
        match = FIELD_RE.match(body, line_start)
        if match is not None:
            value = match.group("value").rstrip(" \t")
            return _named(value, match.start("value"), match.start("value") + len(value))
        position = body.find(FIELD_LITERAL, position + 1)
    return None


def _named(value: str, start: int, end: int) -> FinetunedFrom:
    bare = value[1:-1].strip() if len(value) > 1 and value.startswith("`") and value.endswith("`") else value
    link = HUB_LINK_RE.fullmatch(bare)
    if link is not None:
        return FinetunedFrom(value, start, end, link.group("id"), link.group("text").strip("` "))
    if OTHER_LINK_RE.fullmatch(bare) is not None:  # a link, but not to a Hub model page
        return FinetunedFrom(value, start, end, None, bare)
    return FinetunedFrom(value, start, end, bare, bare)
