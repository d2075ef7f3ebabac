"""CF102: `datasets` from the body's "on the X dataset" sentence, when X is a Hub dataset id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import KEY_ORDER, NOTHING, Outcome, Report, SetKey, fix, report
from cardfix.facts import Facts, is_dataset_id
from cardfix.options import Options
from cardfix.resources import id_list

DATASET_IDS = "data/canonical-dataset-ids.yaml"


@action("set_datasets_from_sentence", params={
    "reject_names": Param("list", ["None", "none"]), "dataset_ids": Param("str", DATASET_IDS, convert=id_list)},
        settles=True)
def set_datasets_from_sentence(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    sentence = facts.dataset_sentence
    if sentence is None or sentence.kind != "named" or facts.states("datasets"):
        return NOTHING
    line = facts.line_number(sentence.start)
    names = list(sentence.names)
    bad = [n for n in names if not is_dataset_id(n, params["dataset_ids"]) or n in params["reject_names"]]
    if bad:
        return report(Report(f"dataset sentence names {', '.join(map(repr, bad))}, not a Hub dataset id "
                             "(namespaced, or one of the canonical datasets); datasets not set", line))
    return fix(f"datasets missing; the body says trained on {', '.join(names)}", line,
               SetKey("datasets", names, KEY_ORDER))
