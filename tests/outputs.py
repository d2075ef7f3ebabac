"""Every output cardfix gives for a set of cards, as JSON: the same script runs in the test process (the
source tree) and in a virtualenv holding another build (the compiled wheel), and the two are compared.

    python tests/outputs.py CARD...   prints one JSON list
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from typing import Any

OPTION_SETS: tuple[dict[str, Any], ...] = (
    {},
    {"unsafe_fixes": True, "repo_id": "org/x"},
    {"task": "text-classification", "dataset": "imdb", "base_model": "bert-base-uncased", "model_name": "m"},
)


def outputs(paths: Sequence[str]) -> list[list[Any]]:
    """For each option set and card: the repaired text's digest, findings and error of `repair`, and the
    findings of `check_text`."""
    from cardfix.api import check_text, repair, settings
    from cardfix.options import Options

    found: list[list[Any]] = []
    for chosen in OPTION_SETS:
        options = Options(**chosen)
        rules = settings(options=options)
        for path in paths:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
            fixed, checked = repair(text, options=options), check_text(text, rules)
            found.append([path, hashlib.sha256(fixed.text.encode()).hexdigest(), fixed.changed,
                          [repr(f) for f in fixed.findings], fixed.error, checked.changed,
                          [repr(f) for f in checked.findings], checked.error])
    return found


if __name__ == "__main__":
    json.dump(outputs(sys.argv[1:]), sys.stdout)
