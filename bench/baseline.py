"""The Hub issue's starting figures, measured again: this bench's card sets on another checkout of cardfix.

    git worktree add /tmp/cardfix-then 19a7a5c    # the code the Hub issue was filed against
    python bench/baseline.py /tmp/cardfix-then    # then the same for this checkout: python bench/baseline.py .

Prints, for the checkout given, what bench/speed.py prints for its card sets: cards/s of `check` and `apply`
and their ratio to huggingface_hub's ModelCard round trip (one process, CPU time, best of --repeat). Run
against the code of that day, it tells which set the issue's "today" figures were measured on.
Figures only: nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent


def checker(root: Path) -> tuple[Callable[[str], object], Callable[[str], object]]:
    """check_text and repair of the checkout at `root` (its API as it was: settings, or rules and options)."""
    sys.path.insert(0, str(root))
    from cardfix import api

    print(f"cardfix from {Path(api.__file__).parent}")
    if hasattr(api, "settings"):
        chosen = api.settings()
        return (lambda t: api.check_text(t, chosen)), api.repair
    from cardfix.facts import Options  # type: ignore[attr-defined]  # (the layout before the re-layering)

    rules, options = api.choose_rules(), Options()
    return (lambda t: api.check_text(t, rules, options)), api.repair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    check, repair = checker(args.checkout.resolve())
    sys.path.insert(1, str(HERE))
    from speed import card_sets, report_set

    for name, texts in card_sets(lambda t: repair(t).text).items():  # type: ignore[attr-defined]
        report_set(name, texts, args.repeat, check, repair)


if __name__ == "__main__":
    main()
