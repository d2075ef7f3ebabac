"""CF404: name the dataset in "on an unknown dataset" when --dataset gives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import action
from cardfix.edits import NOTHING, BodyEdit, Outcome, fix
from cardfix.facts import Facts
from cardfix.options import Options


@action("name_unknown_dataset")
def name_unknown_dataset(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    sentence = facts.dataset_sentence
    if sentence is None or sentence.kind != "unknown" or not options.dataset:
        return NOTHING
    name = options.dataset.split(":")[0]
    return fix(f"the card says {facts.card.body[sentence.start:sentence.end]!r}; named from --dataset: {name}",
               facts.line_number(sentence.start), BodyEdit(sentence.start, sentence.end, f"the {name} dataset"))
