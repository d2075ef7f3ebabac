"""CF301's recall on the swap generator over the corpus's real tables (precision is a test: 100%).

Run: python bench/swaps.py   (needs ../shared/corpus beside the repository)
Prints, for the bounded metrics the evidence was tuned on and for every metric: cases, how many a card's
evidence could decide (detectable), how many were realigned right (recalled), and how many left alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cardfix.facts.table import metric_columns
from cardfix.ruleset import load_rules
from tests import swapgen
from tests.conftest import corpus_files
from tests.test_table_swaps import BOUNDED


def report(name: str, bounded: tuple[str, ...]) -> None:
    cf301 = next(r for r in load_rules() if r.code == "CF301")
    counts, wrong = swapgen.run_cases(bounded, cf301)
    detectable, smoothest = max(counts["detectable"], 1), max(counts["truth-smoothest"], 1)
    print(f"{name}: {counts['cases']} cases, {counts['detectable']} detectable; recall "
          f"{counts['recalled'] / detectable:.1%} ({counts['recalled']}), "
          f"{counts['recalled-of-smoothest'] / smoothest:.1%} of the {counts['truth-smoothest']} whose true "
          f"reading is the smoothest the evidence allows; left alone {counts['left-alone']}; "
          f"consistent tables kept {counts['consistent-tables']}; wrong {len(wrong)}")


def every_metric() -> tuple[str, ...]:
    metrics: set[str] = set()
    for path in corpus_files("bulk"):
        table = swapgen.facts_of(path.read_bytes().decode("utf-8")).table
        if table is not None:
            metrics |= {c.lower() for c in metric_columns(table) or ()}
    return tuple(sorted(metrics))


if __name__ == "__main__":
    report("bounded metrics", BOUNDED)
    report("every metric", every_metric())
