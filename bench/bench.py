"""Side-by-side speed of cardfix and huggingface_hub's ModelCard round trip, on the same cards.

    python bench/bench.py [--cards DIR] [--big N]

Prints cards/s for each contender in one process (best of --repeat passes), the ratios, peak RSS, the
speed-up of --jobs 2 over --jobs 1 through the CLI, and peak RSS of a CLI run over N cards vs 100 cards.
Needs the bench extra: pip install -e '.[bench]'. Figures only: nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CARDS = HERE.parent.parent / "shared" / "corpus" / "bulk"


def load(folder: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8") for p in sorted(folder.glob("*.md"))]


def hf_round_trip(texts: list[str]) -> None:
    from huggingface_hub import ModelCard

    for text in texts:
        # The peer raises on some cards (e.g. non-mapping YAML); the attempt still counts.
        with contextlib.suppress(Exception):
            str(ModelCard(text, ignore_metadata_errors=True))


def cardfix_check(texts: list[str]) -> None:
    from cardfix.api import check_text, choose_rules
    from cardfix.facts import Options

    rules, options = choose_rules(), Options()
    for text in texts:
        check_text(text, rules, options)


def cardfix_apply(texts: list[str]) -> None:
    from cardfix.api import choose_rules, repair
    from cardfix.facts import Options

    rules, options = choose_rules(), Options()
    for text in texts:
        assert isinstance(repair(text, rules=rules, options=options).text, str)


CONTENDERS = {"huggingface_hub": hf_round_trip, "cardfix check": cardfix_check, "cardfix apply": cardfix_apply}


def measure(name: str, folder: Path, repeat: int) -> None:
    """Run in a child process so each contender's peak RSS is its own."""
    logging.disable(logging.WARNING)  # huggingface_hub logs a warning per card without metadata
    texts = load(folder)
    CONTENDERS[name](texts[:50])  # warm up imports and caches
    best = min(_timed(CONTENDERS[name], texts) for _ in range(repeat))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(texts) / best:.0f} {rss:.1f}")


def _timed(fn: object, texts: list[str]) -> float:
    start = time.perf_counter()
    fn(texts)  # type: ignore[operator]
    return time.perf_counter() - start


def tree(folder: Path, count: int, into: Path) -> Path:
    """`count` repositories (cycling through the corpus) as org/name/README.md."""
    sources = sorted(folder.glob("*.md"))
    for i in range(count):
        repo = into / f"org{i // 1000}" / f"m{i}"
        repo.mkdir(parents=True)
        shutil.copyfile(sources[i % len(sources)], repo / "README.md")
    return into


def cli_run(paths: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the largest process) of `cardfix check` on a tree."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cardfix", "check", "-q", "--jobs", str(jobs), str(paths)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=Path, default=DEFAULT_CARDS)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--big", type=int, default=20_000, help="cards for the memory run (0 to skip)")
    parser.add_argument("--measure", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.cards, args.repeat)
        return
    count = len(list(args.cards.glob("*.md")))
    print(f"cards: {count} from {args.cards}; one process each, best of {args.repeat}")
    speeds = {}
    for name in CONTENDERS:
        out = subprocess.run([sys.executable, __file__, "--measure", name, "--cards", str(args.cards),
                              "--repeat", str(args.repeat)], capture_output=True, text=True, check=True).stdout
        rate, rss = (float(x) for x in out.split())
        speeds[name] = rate
        print(f"  {name:<16} {rate:8.0f} cards/s   peak RSS {rss:6.1f} MB")
    base = speeds["huggingface_hub"]
    for name in ("cardfix check", "cardfix apply"):
        print(f"  {name} / huggingface_hub = {speeds[name] / base:.2f}x")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = tree(args.cards, max(count, 8000), Path(tmp) / "jobs")
        runs = [(cli_run(corpus, 1)[0], cli_run(corpus, 2)[0]) for _ in range(args.repeat)]  # interleaved
        one, two = min(r[0] for r in runs), min(r[1] for r in runs)
        print(f"CLI check on {max(count, 8000)} cards, best of {args.repeat}: --jobs 1 {one:.2f}s, "
              f"--jobs 2 {two:.2f}s, speed-up {one / two:.2f}x (cores: {os.cpu_count()})")
        if args.big:
            small = tree(args.cards, 100, Path(tmp) / "small")
            big = tree(args.cards, args.big, Path(tmp) / "big")
            _, rss_small = cli_run(small, 1)
            _, rss_big = cli_run(big, 1)
            print(f"CLI check peak RSS: 100 cards {rss_small:.1f} MB, {args.big} cards {rss_big:.1f} MB "
                  f"(+{rss_big - rss_small:.1f} MB)")


if __name__ == "__main__":
    main()
