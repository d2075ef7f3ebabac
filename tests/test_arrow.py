"""Cards in Arrow: the added columns, their schema, and the engines people would run them in."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from cardfix import Options, repair
from cardfix.arrow import COLUMNS, repair_batch, repair_dict, repair_pandas
from tests.conftest import ROOT

CARDS = sorted((ROOT / "golden").glob("*.in.md"))


def dump_table(paths: list[Path]) -> pa.Table:
    """The schema of librarian-bots/model_cards_with_metadata, built from cards on disk."""
    n = len(paths)
    return pa.table({
        "modelId": [f"org/{p.name.removesuffix('.in.md')}" for p in paths],
        "author": ["org"] * n, "last_modified": ["2023-01-01"] * n, "downloads": list(range(n)),
        "likes": [0] * n, "library_name": [None] * n, "tags": [["x"]] * n, "pipeline_tag": [None] * n,
        "createdAt": ["2022-01-01"] * n, "card": [p.read_bytes().decode("utf-8") for p in paths],
    })


def test_columns_are_added_with_the_documented_schema_and_the_input_passes_through() -> None:
    table = dump_table(CARDS)
    out = repair_batch(table)
    assert out.schema == pa.schema([*table.schema, *COLUMNS])
    assert out.select(table.schema.names).equals(table)
    batch = table.to_batches()[0]
    assert repair_batch(batch).schema == out.schema


def test_each_row_is_what_repair_gives_for_that_card() -> None:
    out = repair_batch(dump_table(CARDS)).to_pylist()
    for row in out:
        result = repair(row["card"], options=Options(repo_id=row["modelId"]))  # the dump's modelId is --repo-id
        if result.error:
            assert (row["repaired"], row["error"]) == (None, result.error)
            continue
        assert row["repaired"] == result.text and row["changed"] == result.changed
        assert [f["code"] for f in row["findings"]] == [f.code for f in result.findings]


def test_the_model_id_is_the_card_s_own_repository() -> None:
    card = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\nThis model is a fine-tuned version of "
            "[acme/m](https://huggingface.co/acme/m) on an unknown dataset.\n")
    out = repair_batch(pa.table({"modelId": ["acme/m", "acme/other"], "card": [card, card]})).to_pylist()
    assert "base_model" not in out[0]["repaired"] and "base_model: acme/m" in out[1]["repaired"]
    assert any("the card's own repository" in f["message"] for f in out[0]["findings"])


def test_check_keeps_no_text_and_null_cards_are_errors() -> None:
    out = repair_batch(pa.table({"card": [CARDS[0].read_text(), None]}), check=True).to_pylist()
    assert out[0]["repaired"] is None and out[0]["findings"]
    assert out[1]["error"] == "no card (null)"


def test_options_and_rule_choice_pass_through() -> None:
    out = repair_batch(dump_table(CARDS[:5]), select=["CF101"]).to_pylist()
    assert {f["code"] for row in out for f in row["findings"]} <= {"CF101"}
    with pytest.raises(ValueError, match="results-from"):
        repair_batch(dump_table(CARDS[:1]), results_from="best")


def test_datasets_style_dict_of_lists() -> None:
    cards = [p.read_text() for p in CARDS[:3]]
    out = repair_dict({"card": cards})
    assert set(out) == set(COLUMNS.names) and out["repaired"][0] == repair(cards[0]).text


def test_polars_and_duckdb_read_the_result_without_copies_of_ours() -> None:
    import duckdb
    import polars as pl

    out = repair_batch(dump_table(CARDS))
    frame = pl.from_arrow(out)
    assert frame.filter(pl.col("changed")).height == sum(out.column("changed").to_pylist())
    [(changed,)] = duckdb.sql("SELECT count(*) FROM out WHERE changed").fetchall()
    assert changed == frame.filter(pl.col("changed")).height


def test_dask_on_a_local_cluster_equals_one_process_row_for_row() -> None:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    frame = dump_table(CARDS).to_pandas()
    expected = repair_pandas(frame)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        ddf = dd.from_pandas(frame, npartitions=4)
        got = ddf.map_partitions(repair_pandas, meta=expected.iloc[:0]).compute()
    got = got.reset_index(drop=True)
    for name in ("modelId", "repaired", "changed", "error", "findings"):
        assert [_plain(v) for v in got[name]] == [_plain(v) for v in expected[name]], name


def _plain(value: object) -> object:
    """A cell as plain Python (pandas may hand back None as NaN, lists as arrays)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return list(value) if isinstance(value, (list, tuple)) else value


def test_repair_pandas_adds_arrow_backed_columns_of_the_documented_types() -> None:
    import pandas as pd

    frame = dump_table(CARDS[:3]).to_pandas()
    out = repair_pandas(frame)
    assert [out[name].dtype for name in COLUMNS.names] == [pd.ArrowDtype(field.type) for field in COLUMNS]
    assert list(out.columns[: len(frame.columns)]) == list(frame.columns)
    with pytest.raises(KeyError, match="no column 'text' \\(columns: modelId"):
        repair_pandas(frame, "text")


def test_options_for_a_row_s_repository_are_the_options_with_that_repo_id() -> None:
    options = Options(task="text-classification", dataset="imdb", unsafe_fixes=True)
    for_repo = options.for_repo("org/m")
    assert for_repo == Options(task="text-classification", dataset="imdb", unsafe_fixes=True, repo_id="org/m")
    assert hash(for_repo) == hash(Options(task="text-classification", dataset="imdb", unsafe_fixes=True,
                                          repo_id="org/m"))
    assert options.repo_id is None  # (a new object: the settings' options are unchanged)
    assert repr(for_repo) == repr(replace(options, repo_id="org/m"))
    assert pickle.loads(pickle.dumps(for_repo)) == for_repo == copy.deepcopy(for_repo)
    for bad in (" ", "  org/padded  ", "a\tb", "line1\nline2: x", "\u202eevil", "a//b"):
        with pytest.raises(ValueError, match="is not a Hub model id"):  # as --repo-id refuses them
            options.for_repo(bad)

    class Mine(Options):
        pass

    assert type(Mine().for_repo("org/m")) is Mine
