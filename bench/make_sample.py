"""Build examples/hub-dump/hub-sample.parquet: a few hundred corpus cards in the Hub card dump's schema.

    python bench/make_sample.py [--corpus ../shared/corpus] [--every 8]

Every `--every`-th card of the corpus's bulk folder (its MANIFEST order), with its real model id, in the
columns of `librarian-bots/model_cards_with_metadata` (metadata columns read from the card's own front
matter; dates and counts, which the corpus does not keep, left empty). Deterministic: the same corpus gives
the same file. The README's statistics and chart are `cardfix stats` of this file (tests/test_docs.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cardfix.card import parse_text
from cardfix.yaml_read import FrontMatterError, parse_front_matter

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "examples" / "hub-dump" / "hub-sample.parquet"


def metadata(text: str) -> dict[str, object]:
    try:
        return parse_front_matter(parse_text(text).front_matter).data
    except FrontMatterError:
        return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=HERE.parent.parent / "shared" / "corpus")
    parser.add_argument("--every", type=int, default=8)
    args = parser.parse_args()
    rows = (args.corpus / "bulk" / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    picked = [line.split("\t")[:2] for line in rows][:: args.every]
    cards = [(args.corpus / "bulk" / name).read_bytes().decode("utf-8") for name, _ in picked]
    meta = [metadata(card) for card in cards]

    def text(value: object) -> str | None:
        return value if isinstance(value, str) else None

    def tags(value: object) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else [value] if isinstance(value, str) else []

    table = pa.table({
        "modelId": [model for _, model in picked],
        "author": [model.split("/")[0] if "/" in model else None for _, model in picked],
        "last_modified": pa.nulls(len(cards), pa.string()),
        "downloads": pa.nulls(len(cards), pa.int64()),
        "likes": pa.nulls(len(cards), pa.int64()),
        "library_name": [text(m.get("library_name")) for m in meta],
        "tags": [tags(m.get("tags")) for m in meta],
        "pipeline_tag": [text(m.get("pipeline_tag")) for m in meta],
        "createdAt": pa.nulls(len(cards), pa.string()),
        "card": cards,
    })
    pq.write_table(table, OUT, compression="zstd")
    print(f"{OUT}: {len(cards)} cards")


if __name__ == "__main__":
    main()
