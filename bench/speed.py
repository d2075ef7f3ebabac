"""The speed figures of the Hub issue, against huggingface_hub's ModelCard round trip on the same cards.

    python bench/speed.py [--cards DIR] [--repeat N] [--no-dask]

One process, CPU time (best of --repeat), cards/s and the ratio to huggingface_hub for these sets:
  hub mix       the folder's cards no Trainer wrote (the corpus: 700 picked at random from the Hub, less
                the snapshot's 335 "README.md does not exist" texts, which no dump holds) and a third as
                many Trainer cards (a quarter of the mix), about the share the Trainer has on a Hub snapshot
  whole folder  every card of the folder (the corpus: 70% Trainer cards)
  trainer only  the cards the Trainer or its Keras callback wrote
  second run    the hub mix after one `apply` (cards with nothing left to fix)
  no trainer card  the hub mix's cards no Trainer wrote: the set on which the code the Hub issue was filed
                against measures the issue's "today" Hub-mix figures (bench/baseline.py)
  hub template  300 cards of huggingface_hub's own model-card template (ModelCard.from_template, as
                transformers' push_to_hub and PEFT write them), with varied metadata and nothing to fix: a
                kind of card common on today's Hub that the corpus (early 2022) predates; in no set above
Then the parquet path (a dump of the hub mix, `check` through cardfix.dumps) against the in-memory API on
the same cards, and Dask on a LocalCluster of 2 worker processes against one process (wall time, the whole
folder twice: a few seconds of work, so the cluster's fixed costs per compute do not decide the figure): the
README's pipeline (8 parquet files read, repaired and written by the workers) against the same files in one
process, and, for comparison, the repaired frame gathered into the client (whose unpickling then shares the
2 cores with the workers).
Needs: pip install -e '.[bench]'. Figures only: nothing here asserts anything. The first line says which
build runs: the Python sources, or the compiled build (mypyc; `bench/compiled.sh` builds it into a fresh
virtualenv and runs this script there).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CARDS = HERE.parent.parent / "shared" / "corpus" / "bulk"
GENERATED = ("generated_from_trainer", "generated_from_keras_callback")
SNAPSHOT_ERROR = "Error: the path 'README.md' does not exist"  # the snapshot's text for a repo without a card


def best_of(fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.process_time) -> float:
    """The least time of `repeat` runs: CPU time by default (one process), wall time for a cluster."""
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


Run = Callable[[str], object]


def contenders(texts: list[str], check: Run | None = None, apply: Run | None = None) -> dict[str, Callable[[], object]]:
    """huggingface_hub's round trip, cardfix's `check` and `apply` (this checkout's API unless given)."""
    from huggingface_hub import ModelCard

    if check is None or apply is None:
        from cardfix.api import check_text, repair, settings

        chosen = settings()
        check, apply = (lambda t: check_text(t, chosen)), (lambda t: repair(t).text)
    return {
        "huggingface_hub": lambda: [str(ModelCard(t, ignore_metadata_errors=True)) for t in texts],
        "cardfix check": lambda: [check(t) for t in texts],
        "cardfix apply": lambda: [apply(t) for t in texts],
    }


def report_set(name: str, texts: list[str], repeat: int, check: Run | None = None, apply: Run | None = None) -> None:
    seconds = {label: best_of(fn, repeat) for label, fn in contenders(texts, check, apply).items()}
    base = seconds["huggingface_hub"]
    figures = ", ".join(f"{label} {len(texts) / s:,.0f}/s ({base / s:.2f}x)" for label, s in seconds.items())
    print(f"{name} ({len(texts)} cards): {figures}")


def parquet_vs_memory(texts: list[str], repeat: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cardfix import dumps
    from cardfix.api import check_text, settings

    chosen = settings()
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "dump.parquet")
        pq.write_table(pa.table({"modelId": [f"org/m{i}" for i in range(len(texts))], "card": texts}), path)
        memory = best_of(lambda: [check_text(t, chosen) for t in texts], repeat)
        dump = best_of(lambda: sum(1 for _ in dumps.results(path, check=True)), repeat)
    print(f"parquet check {len(texts) / dump:,.0f}/s vs in-memory check {len(texts) / memory:,.0f}/s: "
          f"{memory / dump:.2f}x")


def dask_vs_one(texts: list[str], repeat: int) -> None:
    """The pipeline the README shows (parquet files -> repair_pandas -> parquet files), on a LocalCluster of 2
    worker processes and in one process; and the same with the repaired frame gathered into the client."""
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    from cardfix.arrow import repair_pandas

    files = 8
    frame = pd.DataFrame({"modelId": [f"org/m{i}" for i in range(len(texts))], "card": texts})
    meta = repair_pandas(frame.iloc[:1]).iloc[:0]
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "dump", Path(folder) / "out"
        source.mkdir()
        for i in range(files):
            part = frame.iloc[i * len(frame) // files : (i + 1) * len(frame) // files]
            pq.write_table(pa.Table.from_pandas(part, preserve_index=False), source / f"part-{i}.parquet")

        def one_process() -> None:
            out.mkdir(exist_ok=True)
            for path in sorted(source.glob("*.parquet")):
                repair_pandas(pd.read_parquet(path)).to_parquet(out / path.name, index=False)

        one = best_of(one_process, repeat, time.perf_counter)
        gathered_one = best_of(lambda: repair_pandas(frame), repeat, time.perf_counter)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster):
            pipeline = dd.read_parquet(str(source)).map_partitions(repair_pandas, meta=meta)
            pipeline.to_parquet(str(out / "warm"), write_index=False)  # warm the workers
            runs = iter(range(repeat))

            def on_the_cluster() -> None:  # a new folder each time: the same task keys twice can race in Dask
                pipeline.to_parquet(str(out / f"dask-{next(runs)}"), write_index=False)

            two = best_of(on_the_cluster, repeat, time.perf_counter)
            written = [pq.read_metadata(path).num_rows for path in out.glob("dask-*/*.parquet")]
            if sum(written) != len(texts) * repeat:
                raise SystemExit(f"the Dask runs wrote {sum(written)} rows, not {len(texts) * repeat}")
            ddf = dd.from_pandas(frame, npartitions=files).persist()
            gathered = best_of(lambda: ddf.map_partitions(repair_pandas, meta=meta).compute(), repeat,
                               time.perf_counter)
    print(f"dask, 2 workers, parquet -> parquet: {two:.2f}s vs one process {one:.2f}s: {one / two:.2f}x; "
          f"gathering the repaired frame into the client: {gathered:.2f}s vs {gathered_one:.2f}s: "
          f"{gathered_one / gathered:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=Path, default=DEFAULT_CARDS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # huggingface_hub warns once per card without front matter
    from cardfix import engine
    from cardfix.api import repair

    compiled = not engine.__file__.endswith(".py")
    print(f"cardfix build: {'compiled (mypyc)' if compiled else 'Python sources'} ({engine.__file__})")

    sets = card_sets(lambda t: repair(t).text, args.cards)
    for name, texts in sets.items():
        report_set(name, texts, args.repeat)
    parquet_vs_memory(sets["hub mix"], args.repeat)
    if not args.no_dask:
        dask_vs_one(sets["whole folder"] * 2, args.repeat)  # seconds of work: the cluster's fixed costs are noise


def card_sets(repaired: Callable[[str], str], folder: Path = DEFAULT_CARDS) -> dict[str, list[str]]:
    """The sets measured, by name (bench/baseline.py measures the same sets on another checkout)."""
    every = [p.read_bytes().decode("utf-8") for p in sorted(folder.glob("*.md"))]
    trainer = [t for t in every if any(tag in t for tag in GENERATED)]
    others = [t for t in every if not any(tag in t for tag in GENERATED) and not t.startswith(SNAPSHOT_ERROR)]
    mix = others + trainer[: len(others) // 3]  # trainer cards a quarter of the mix
    return {"hub mix": mix, "whole folder": every, "trainer only": trainer,
            "second run": [repaired(t) for t in mix], "no trainer card": others, "hub template": template_cards()}


def template_cards(count: int = 300) -> list[str]:
    """Cards of huggingface_hub's default template, rendered by huggingface_hub itself (each distinct)."""
    from huggingface_hub import ModelCard, ModelCardData

    return [str(ModelCard.from_template(ModelCardData(
        base_model=f"org{i % 7}/base-{i}", library_name=("transformers", "peft")[i % 2], license="apache-2.0",
        datasets=[f"org/data-{i % 5}"] if i % 3 else None, language="en"))) for i in range(count)]


if __name__ == "__main__":
    main()
