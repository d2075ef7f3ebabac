"""Hub dumps: parquet files of cards through check, diff, apply --output and stats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cardfix import dumps, repair
from cardfix.arrow import COLUMNS
from tests.clirun import invoke
from tests.conftest import CORPUS, ROOT, corpus_files
from tests.test_arrow import dump_table


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dump's schema, built from the corpus (or the golden cards where it is absent); small row groups."""
    golden = [p for p in sorted((ROOT / "golden").glob("*.in.md"))  # without the cards that are errors (.exit)
              if not p.with_name(p.name.replace(".in.md", ".exit")).exists()]
    cards = corpus_files("bulk")[:400] if CORPUS.is_dir() else golden
    path = tmp_path_factory.mktemp("dump") / "train-00000.parquet"
    pq.write_table(dump_table(cards), path, row_group_size=64)
    return path


def test_check_names_each_card_by_its_model_id(dump: Path) -> None:
    code, out, err = invoke("check", "--format", "json", str(dump))
    rows = json.loads(out)
    table = pq.read_table(dump)
    expected = {f"{model_id}": len(repair(card).findings)
                for model_id, card in zip(table.column("modelId").to_pylist(), table.column("card").to_pylist())}
    assert {r["path"] for r in rows} == {k for k, n in expected.items() if n}
    assert code in (1, 2) and f"{table.num_rows} cards" in err


def test_apply_output_writes_the_input_columns_plus_cardfix_s(dump: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    code, _, _ = invoke("apply", "-q", "--output", str(out), str(dump))
    written = pq.read_table(out)
    original = pq.read_table(dump)
    assert written.select(original.schema.names).equals(original)
    assert written.schema.names[-4:] == ["repaired", "changed", "findings", "error"]
    first = written.slice(0, 1).to_pylist()[0]
    assert first["repaired"] == repair(first["card"]).text or first["error"]
    assert code == 1


def test_a_folder_of_parquet_files_is_one_dump(dump: Path) -> None:
    code_file, out_file, _ = invoke("check", "-q", str(dump))
    code_dir, out_dir, _ = invoke("check", "-q", str(dump.parent))
    assert (code_dir, out_dir) == (code_file, out_file)


def test_stats_counts_generators_and_rules_and_draws_them(dump: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    code, out, _ = invoke("stats", "--format", "json", "--chart", str(chart), str(dump))
    counted = json.loads(out)
    assert code == 0 and counted["cards"] == pq.read_table(dump).num_rows
    assert sum(counted["generators"].values()) == counted["cards"] - counted["skipped"] - counted["errors"]
    assert counted["rules"]["CF101"]["fix"] > 0
    svg = ET.parse(chart).getroot()
    assert svg.tag.endswith("svg") and any("CF101" in (t.text or "") for t in svg.iter() if t.tag.endswith("text"))
    code, out, _ = invoke("stats", str(dump))
    assert out.decode().splitlines()[2] == "| generator | cards | cardfix would change |"


def test_check_reads_a_dump_batch_by_batch(dump: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cardfix import dumps

    sizes: list[int] = []
    columns: set[str] = set()
    real = dumps._file_batches

    def counting(file: Path, batch_rows: int, only_cards: bool = False):  # type: ignore[no-untyped-def]
        for batch in real(file, 50, only_cards):
            sizes.append(batch.num_rows)
            columns.update(batch.schema.names)
            yield batch

    monkeypatch.setattr(dumps, "_file_batches", counting)
    invoke("check", "-q", str(dump))
    assert sizes and max(sizes) <= 50 and sum(sizes) == pq.read_table(dump).num_rows
    assert len(pq.read_schema(dump).names) > 2 and columns == {"card", "modelId"}  # (the other columns not decoded)


def test_stats_of_a_dump_skip_what_stats_of_the_same_files_skip(dump: Path, tmp_path: Path) -> None:
    """Cards that are no model cards (a snapshot's error text) are skipped in a dump as on disk."""
    table = pq.read_table(dump)
    for i, card in enumerate(table.column("card").to_pylist()):
        (tmp_path / f"{i:04}").mkdir()
        (tmp_path / f"{i:04}" / "README.md").write_text(card, encoding="utf-8")
    from_dump = json.loads(invoke("stats", "--format", "json", str(dump))[1])
    from_files = json.loads(invoke("stats", "--format", "json", str(tmp_path))[1])
    assert (from_dump["skipped"], from_dump["generators"]) == (from_files["skipped"], from_files["generators"])


@pytest.mark.parametrize("check", [True, False])
def test_rows_without_a_model_id_are_named_by_their_row_in_the_whole_dump(tmp_path: Path, check: bool) -> None:
    path = tmp_path / "no-ids.parquet"
    pq.write_table(pa.table({"card": ["---\nlicense: mit\n---\n# m\n"] * 5}), path)
    names = [r.path for r in dumps.results(str(path), check=check, batch_rows=2)]
    assert names == [f"row {i}" for i in range(5)]  # counted on across batches, not from 0 in each


def test_a_null_or_blank_model_id_names_no_repository_and_the_run_goes_on(tmp_path: Path) -> None:
    # A blank id was passed on as --repo-id, which refuses it: the whole run stopped with an internal error.
    card = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\nThis model is a fine-tuned version of "
            "[acme/base](https://huggingface.co/acme/base) on an unknown dataset.\n")
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"modelId": ["acme/base", "", "  ", None, "acme/m"], "card": [card] * 5}), path)
    code, out, err = invoke("check", str(path))
    assert code == 1 and "internal error" not in err
    said = {line.split(":")[0]: line for line in out.decode().splitlines() if "CF101" in line}
    assert list(said) == ["acme/base", "row 1", "row 2", "row 3", "acme/m"]
    assert [("the card's own repository" in line) for line in said.values()] == [True, False, False, False, False]
    results = list(dumps.results(str(path)))
    assert [("base_model: acme/base" in r.text) for r in results] == [False, True, True, True, True]


def test_a_model_id_that_is_no_hub_id_names_its_row_but_is_never_written(tmp_path: Path) -> None:
    # A dump's modelId was taken as --repo-id without --repo-id's checks: an AutoNLP card got a model-index
    # named "line1\nline2: x" (or with padding, a tab, a bidi override), and a finding spanning two lines.
    card = (ROOT / "golden" / "autonlp-binary-classification.in.md").read_text(encoding="utf-8")
    ids = ["line1\nline2: x", "  org/padded  ", "a\tb", "\u202eevil", "acme/review-polarity"]
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"modelId": ids, "card": [card] * len(ids)}), path)
    results = list(dumps.results(str(path)))
    assert [r.path for r in results] == ids  # each row still named by its modelId
    assert [("name: review-polarity" in r.text) for r in results] == [False] * 4 + [True]
    assert not any(bad.strip() in r.text for r in results for bad in ids[:4])
    assert all("pass --model-name or --repo-id" in " ".join(f.message for f in r.findings) for r in results[:4])


BAD_DUMPS = {  # name: (table or raw bytes, the message after "PATH: ")
    "no-card-column": (pa.table({"modelId": ["a/b"], "text": ["---\na: 1\n---\n"]}),
                       "no column 'card' (columns: modelId, text)"),
    "int-cards": (pa.table({"modelId": ["a/b"], "card": [1]}), "the column 'card' holds int64, not text"),
    "int-ids": (pa.table({"modelId": [1], "card": ["---\na: 1\n---\n"]}),
                "the column 'modelId' holds int64, not strings"),
    "not-parquet": (b"PAR1 but not parquet", "cannot be read as parquet: "),
}


def _bad_dumps(folder: Path) -> list[Path]:
    paths = []
    for name, (content, _) in BAD_DUMPS.items():
        path = folder / f"{name}.parquet"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            pq.write_table(content, path)
        paths.append(path)
    return paths


def test_a_file_that_is_no_dump_of_cards_is_one_line_and_the_other_files_are_checked(tmp_path: Path) -> None:
    # Each of these stopped the whole run with "cardfix: internal error: ..." and no file named.
    good = _good_dump(tmp_path)
    bad = _bad_dumps(tmp_path)
    code, _, err = invoke("check", *map(str, bad), str(good))
    said = [line for line in err.splitlines() if not line.startswith("cardfix: ")]
    assert [line.split(": ", 1)[0] for line in said] == list(map(str, bad))
    assert all(line.split(": ", 1)[1].startswith(message) for line, (_, message) in zip(said, BAD_DUMPS.values()))
    assert code == 2 and "internal error" not in err and "5 cards" in err and "4 errors" in err


def _good_dump(folder: Path) -> Path:
    good = folder / "good.parquet"
    pq.write_table(pa.table({"modelId": ["acme/m"], "card": ["---\nlicense: mit\n---\n# m\n"]}), good)
    return good


def test_apply_output_checks_every_file_before_it_writes_anything(tmp_path: Path) -> None:
    good, bad = _good_dump(tmp_path), _bad_dumps(tmp_path)
    folder = tmp_path / "dump"  # a bad file inside a dump folder counts too
    folder.mkdir()
    _good_dump(folder)
    (folder / "broken.parquet").write_bytes(b"not parquet")
    out = tmp_path / "out" / "repaired.parquet"
    out.parent.mkdir()
    code, _, err = invoke("apply", "--output", str(out), str(good), *map(str, bad), str(folder))
    lines = err.strip().splitlines()
    assert [line.split(": ", 1)[0] for line in lines[:-1]] == [*map(str, bad), str(folder / "broken.parquet")]
    assert code == 2 and lines[-1] == f"cardfix: nothing written to {out}"
    assert list(out.parent.iterdir()) == []  # no partial output, no temporary file left


def test_apply_output_replaces_a_file_as_cards_are_replaced(tmp_path: Path) -> None:
    good = _good_dump(tmp_path)
    out = tmp_path / "new.parquet"
    assert invoke("apply", "-q", "--output", str(out), str(good))[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # a new file's usual mode (mkstemp's is 0600)
    kept = tmp_path / "kept.parquet"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    link = tmp_path / "link.parquet"
    link.symlink_to(kept.name)
    assert invoke("apply", "-q", "--output", str(link), str(good))[0] == 0
    assert link.is_symlink() and kept.stat().st_mode & 0o777 == 0o640  # written through the link, mode kept
    assert pq.read_table(kept).column("repaired").to_pylist() == pq.read_table(out).column("repaired").to_pylist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.parquet", "kept.parquet", "link.parquet",
                                                          "new.parquet"]


@pytest.mark.parametrize("where", ["missing/out.parquet", "."])
def test_apply_output_that_cannot_be_written_is_one_line(tmp_path: Path, where: str) -> None:
    good = _good_dump(tmp_path)
    out = tmp_path / where
    code, _, err = invoke("apply", "-q", "--output", str(out), str(good))
    [line] = err.strip().splitlines()
    assert code == 2 and line.startswith(f"cardfix: {out}: cannot be written: ") and ".cardfix" not in line


def test_dictionary_encoded_text_columns_are_read(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "categorical.parquet"  # pandas writes its categoricals dictionary-encoded
    frame = pd.DataFrame({"modelId": pd.Categorical(["a/m", "a/n"]), "card": ["---\nlicense: mit\n---\n# m\n"] * 2})
    frame.to_parquet(path)
    assert pa.types.is_dictionary(pq.read_schema(path).field("modelId").type)
    assert [(r.path, r.error) for r in dumps.results(str(path))] == [("a/m", None), ("a/n", None)]


def test_a_binary_card_column_is_read_as_card_files_are(tmp_path: Path) -> None:
    path = tmp_path / "binary.parquet"
    cards = [b"---\nlicense: mit\n---\n# m\n", b"\xff\xfe not utf-8", None]
    pq.write_table(pa.table({"modelId": ["a/m", "a/bad", "a/none"], "card": pa.array(cards, pa.binary())}), path)
    found = {r.path: r.error for r in dumps.results(str(path))}
    assert found == {"a/m": None, "a/bad": "not UTF-8 (invalid byte at offset 0)", "a/none": "no card (null)"}


def test_a_row_over_max_size_is_an_error_as_a_file_is(tmp_path: Path) -> None:
    path = tmp_path / "sizes.parquet"
    small, big = "---\nlicense: mit\n---\n# m\n", "---\nlicense: mit\n---\n# m\n" + "é" * 60  # 145 bytes, 85 chars
    table = {"modelId": ["a/small", "a/big", "a/raw"], "card": [small, big, big]}
    pq.write_table(pa.table(table), path)
    pq.write_table(pa.table({**table, "card": pa.array([c.encode() for c in table["card"]], pa.binary())}),
                   tmp_path / "binary.parquet")
    for dump in (path, tmp_path / "binary.parquet"):
        code, _, err = invoke("check", "--max-size", "100", str(dump))
        assert code == 2 and [line for line in err.splitlines() if "over the" in line] == [
            f"{name}: the card is 145 bytes, over the 100-byte limit (see --max-size)" for name in ("a/big", "a/raw")]


def test_in_place_never_writes_the_paths_of_a_dump_s_model_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A modelId is no file of the user's: `apply -i DUMP` rewrote whatever path a row's modelId named.
    card = (ROOT / "examples" / "missing-base-model" / "README.md").read_text()
    victim = tmp_path / "victim.md"
    victim.write_text(card)
    path = tmp_path / "evil.parquet"
    pq.write_table(pa.table({"modelId": ["victim.md", str(victim)], "card": [card, card]}), path)
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("apply", "--in-place", str(path))
    assert code == 2 and out == b"" and err.strip() == (
        "cardfix: --in-place rewrites card files; a parquet dump's repaired rows go to --output OUT.parquet")
    assert victim.read_text() == card


def test_apply_output_never_replaces_a_special_file_and_says_when_there_is_no_row(tmp_path: Path) -> None:
    good = _good_dump(tmp_path)
    fifo = tmp_path / "fifo.parquet"  # (as /dev/full was: a device renamed over with a regular file)
    os.mkfifo(fifo)
    code, _, err = invoke("apply", "-q", "--output", str(fifo), str(good))
    assert (code, err.strip()) == (2, f"cardfix: {fifo}: cannot be written: not a regular file") and fifo.is_fifo()
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"modelId": pa.array([], pa.string()), "card": pa.array([], pa.string())}), empty)
    out = tmp_path / "out.parquet"
    pq.write_table(pa.table({"modelId": ["a/stale"], "card": ["---\nlicense: mit\n---\n# m\n"]}), out)
    code, _, err = invoke("apply", "--output", str(out), str(empty))
    # An output written before was left as it was ("no rows: nothing written"), as if it were this run's.
    assert code == 0 and f"wrote 0 rows to {out}" in err
    written = pq.read_table(out)
    assert written.num_rows == 0 and written.schema.names == ["modelId", "card", *COLUMNS.names]


def test_apply_output_refuses_files_one_output_cannot_hold(tmp_path: Path) -> None:
    # Each stopped the run with a multi-line "internal error" (a schema mismatch, a column already there).
    good = _good_dump(tmp_path)
    card = "---\nlicense: mit\n---\n# m\n"
    other = tmp_path / "large.parquet"
    pq.write_table(pa.table({"modelId": ["a/l"], "card": pa.array([card], pa.large_string())}), other)
    no_ids = tmp_path / "no-ids.parquet"
    pq.write_table(pa.table({"card": [card]}), no_ids)
    written = tmp_path / "written.parquet"
    assert invoke("apply", "-q", "--output", str(written), str(good))[0] == 0
    out = tmp_path / "out.parquet"
    code, _, err = invoke("apply", "--output", str(out), str(good), str(other), str(no_ids), str(written))
    assert code == 2 and err.strip().splitlines() == [
        f"{other}: its columns differ from those of {good} ('card' holds large_string, not string; one output, "
        "one schema)",
        f"{no_ids}: its columns differ from those of {good} (other names; one output, one schema)",
        f"{written}: it already has cardfix's column 'repaired' (a file apply --output wrote?)",
        f"cardfix: nothing written to {out}"] and not out.exists()
    assert invoke("check", "-q", str(good), str(other), str(no_ids), str(written))[0] == 0  # each reads alone


def test_apply_output_names_each_row_s_error_and_writes_the_report(tmp_path: Path) -> None:
    # --output dropped --report (no file, nothing said) and never named a row that could not be read,
    # where check, diff and apply to stdout do.
    card = "---\nlicense: mit\n---\n# m\n"
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"modelId": ["a/1", None, "a/3"], "card": [card, card, None]}), path)
    report, out = tmp_path / "r.jsonl", tmp_path / "o.parquet"
    code, _, err = invoke("apply", "--report", str(report), "--output", str(out), str(path))
    assert code == 2 and err.splitlines()[0] == "a/3: no card (null)"
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(r["path"], r["error"]) for r in lines] == [("a/1", None), ("row 1", None), ("a/3", "no card (null)")]
    assert pq.read_table(out).column("modelId").to_pylist() == ["a/1", None, "a/3"]  # (the input's own column)


def test_a_file_pyarrow_cannot_read_is_one_line_with_the_system_s_reason(tmp_path: Path) -> None:
    # A corrupt page header gave pyarrow's three lines; a missing file its "[Errno 2] Failed to open local file".
    good = tmp_path / "rg.parquet"
    cards = [f"---\nlicense: mit\n---\n# m{i}\n" + "x" * 200 for i in range(12)]
    pq.write_table(pa.table({"modelId": [f"a/{i}" for i in range(12)], "card": cards}), good, row_group_size=4)
    corrupt = tmp_path / "corrupt.parquet"
    data = bytearray(good.read_bytes())
    page = pq.ParquetFile(good).metadata.row_group(2).column(1).data_page_offset
    data[page : page + 8] = b"\xff" * 8
    corrupt.write_bytes(bytes(data))
    missing = tmp_path / "missing.parquet"
    code, out, err = invoke("check", "-q", str(corrupt), str(missing))
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2
    assert lines[0].startswith(f"{corrupt}: cannot be read as parquet: ") and "\n" not in lines[0]
    assert lines[1] == f"{missing}: no such file or directory"
    assert len(out.decode().splitlines()) == 2  # (the CF000 rows, one line each)


def test_an_output_that_cannot_be_written_fails_before_the_dump_is_read(tmp_path: Path) -> None:
    # --output and --chart in a missing folder failed only after the whole dump was read (minutes on a Hub
    # dump); --chart c.png wrote an SVG image under a PNG name.
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"modelId": ["a/1", "a/2"], "card": ["---\nlicense: mit\n---\n# m\n", None]}), path)
    out = tmp_path / "nodir" / "o.parquet"
    code, _, err = invoke("apply", "-q", "--output", str(out), str(path))
    assert (code, err) == (2, f"cardfix: {out}: cannot be written: no such file or directory\n")  # (no row read)
    chart = tmp_path / "nodir" / "c.svg"
    code, stdout, err = invoke("stats", "-q", "--chart", str(chart), str(path))
    assert (code, stdout, err) == (2, b"", f"cardfix: {chart}: cannot be written: no such file or directory\n")
    png = tmp_path / "c.png"
    code, stdout, err = invoke("stats", "-q", "--chart", str(png), str(path))
    assert (code, stdout) == (2, b"") and err == f"cardfix: --chart {png}: the chart is an SVG image; name a FILE.svg\n"
    assert not png.exists()


def test_files_one_output_cannot_hold_say_how_their_columns_differ(tmp_path: Path) -> None:
    card = "---\nlicense: mit\n---\n# m\n"
    good = _good_dump(tmp_path)
    swapped = tmp_path / "swapped.parquet"
    pq.write_table(pa.table({"card": [card], "modelId": ["a/s"]}), swapped)
    twice = tmp_path / "twice.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["a/t"]), pa.array([card]), pa.array([card])],
                                        names=["modelId", "card", "card"]), twice)
    out = tmp_path / "out.parquet"
    code, _, err = invoke("apply", "--output", str(out), str(good), str(swapped), str(twice))
    # Before: the same words for another order as for other names, and pyarrow's "Column card does not exist
    # in schema" for a file with two card columns.
    assert code == 2 and err.splitlines()[:2] == [
        f"{swapped}: its columns differ from those of {good} (another order; one output, one schema)",
        f"{twice}: 2 columns named 'card'"]
    code, _, err = invoke("apply", "--in-place", "--output", str(out), str(good))
    assert (code, err) == (2, "cardfix: --in-place rewrites card files and --output writes a dump's rows to a "
                              "parquet file: choose one\n") and not out.exists()
    code, _, err = invoke("check", "--report", "", str(good))
    assert (code, err) == (2, "cardfix: --report: an empty value names no file (- is stdout)\n")


TRAINER_CARD = ("---\ntags:\n- generated_from_trainer\n---\n# m\n\nThis model is a fine-tuned version of "
                "[acme/base](https://huggingface.co/acme/base) on an unknown dataset.\n")


def _paths_checked(*args: str) -> list[str]:
    code, out, err = invoke("check", "--select", "CF101", *args)
    assert code in (0, 1) and "Traceback" not in err
    return [line.split(":")[0] for line in out.decode().splitlines()]


def test_dumps_are_found_as_cards_are_de_duplicated_and_excluded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    # A folder holding a parquet file was read as a dump only (its README.md cards silently left out); a
    # configuration's `exclude` did not apply to dumps; a dump named twice was read twice; and a card named
    # both inside a folder and on its own came twice when a dump was named in between.
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "README.md").write_text(TRAINER_CARD)
    (project / "sub" / "README.md").write_text(TRAINER_CARD)
    for name, model in (("a.parquet", "org/a"), ("new.parquet", "org/new")):
        pq.write_table(pa.table({"modelId": [model], "card": [TRAINER_CARD]}), project / name)
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"modelId": [None, None], "card": [TRAINER_CARD] * 2}), other)
    monkeypatch.chdir(tmp_path)
    assert _paths_checked("proj") == ["proj/README.md", "org/a", "org/new", "proj/sub/README.md"]
    assert _paths_checked("other.parquet", "other.parquet") == ["row 0", "row 1"]
    assert _paths_checked("proj/sub", "other.parquet", "proj") == [
        "proj/sub/README.md", "row 0", "row 1", "proj/README.md", "org/a", "org/new"]
    (tmp_path / ".cardfix.toml").write_text('exclude = ["proj/new.parquet", "proj/sub"]\n')
    assert _paths_checked("proj") == ["proj/README.md", "org/a"]
    assert _paths_checked("proj/new.parquet") == ["org/new"]  # named: read, unless --force-exclude (as ruff)
    assert _paths_checked("--force-exclude", "proj/new.parquet") == []
    code, out, _ = invoke("stats", "-q", "--format", "json", "other.parquet", "other.parquet")
    assert code == 0 and json.loads(out)["cards"] == 2


def test_rows_without_a_model_id_are_counted_over_a_folder_s_files(tmp_path: Path) -> None:
    folder = tmp_path / "dump"
    folder.mkdir()
    for name in ("part-0.parquet", "part-1.parquet"):
        pq.write_table(pa.table({"card": [TRAINER_CARD] * 2}), folder / name)
    assert _paths_checked(str(folder)) == ["row 0", "row 1", "row 2", "row 3"]


def test_a_fifo_named_like_a_dump_in_a_folder_is_one_error_and_never_opened(tmp_path: Path) -> None:
    # Marked a dump without the regular-file check cards get: opening it blocked the run for good.
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "README.md").write_text(TRAINER_CARD)
    os.mkfifo(folder / "x.parquet")
    run = subprocess.run([sys.executable, "-m", "cardfix", "check", "-q", str(folder)], capture_output=True,
                         timeout=60, check=False)
    assert run.returncode == 2 and run.stderr.decode() == f"{folder / 'x.parquet'}: not a regular file\n"
    assert f"{folder / 'README.md'}:" in run.stdout.decode()


def test_apply_output_takes_the_dump_files_check_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --output globbed each folder itself: a hidden file was read, a dump named twice written twice, `exclude`
    # ignored, a folder's README.md cards silently left out; it could replace the dump it read, or the report.
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "p"
    folder.mkdir()
    for name, model in (("a.parquet", "org/a"), (".hidden.parquet", "org/hidden"), ("b.parquet", "org/b")):
        pq.write_table(pa.table({"modelId": [model], "card": [TRAINER_CARD]}), folder / name)
    (tmp_path / ".cardfix.toml").write_text('exclude = ["p/b.parquet"]\n')

    def written(*args: str) -> list[str]:
        code, _, err = invoke("apply", "-q", "--output", "out.parquet", *args)
        assert code == 1, err
        return list(pq.read_table("out.parquet").column("modelId").to_pylist())

    assert written("p") == ["org/a"]
    assert written("p/a.parquet", "p/a.parquet") == ["org/a"]
    assert written("p/b.parquet") == ["org/b"]  # named: read (unless --force-exclude)
    (folder / "README.md").write_text(TRAINER_CARD)
    (folder / "sub").mkdir()
    (folder / "sub" / "README.md").write_text(TRAINER_CARD)
    assert written("p") == ["org/a"]  # a folder's own dump files: its cards are apply's, without --output
    code, _, err = invoke("apply", "-q", "--output", "out2.parquet", "p/README.md", "p")
    assert (code, err) == (2, "cardfix: --output takes parquet dumps only (a .parquet file or a folder of them); "
                              "p/README.md is a card (apply it without --output)\n")
    assert not Path("out2.parquet").exists()
    code, _, err = invoke("apply", "-q", "--force-exclude", "--output", "out2.parquet", "p/b.parquet")
    assert (code, err) == (2, "cardfix: --output: nothing to read (every dump given is excluded; see "
                              "--force-exclude)\n")
    before = (folder / "a.parquet").read_bytes()
    code, _, err = invoke("apply", "-q", "--output", "p/a.parquet", "p/a.parquet")
    assert code == 2 and "is one of the files this run reads (p/a.parquet)" in err
    assert (folder / "a.parquet").read_bytes() == before
    code, _, err = invoke("apply", "-q", "--output", "o.parquet", "--report", "o.parquet", "p/a.parquet")
    assert (code, err) == (2, "cardfix: --report and --output name the same file (o.parquet); name another file "
                              "for one of them\n")


def test_apply_output_reads_only_a_folder_s_own_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The walk for --output went below the folder: a subfolder that could not be listed (a root-only
    # lost+found on a mounted volume) stopped the output, though no dump file can be there.
    (tmp_path / "mnt" / "lost+found").mkdir(parents=True)
    pq.write_table(pa.table({"modelId": ["org/a"], "card": [TRAINER_CARD]}), tmp_path / "mnt" / "a.parquet")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("lost+found"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("apply", "-q", "--output", "o.parquet", "mnt")
    assert (code, err) == (1, "wrote 1 row to o.parquet\n") and pq.read_table("o.parquet").num_rows == 1
    code, _, err = invoke("apply", "-q", "--output", "o.parquet", "--output", "", "mnt")
    assert (code, err) == (2, "cardfix: --output: an empty value names no file\n")


def test_apply_in_place_rewrites_a_folder_s_cards_beside_a_dump(tmp_path: Path) -> None:
    # --in-place refused a whole folder that held a dump file, and --output then refused its card: no way on.
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "README.md").write_text(TRAINER_CARD)
    pq.write_table(pa.table({"modelId": ["org/a"], "card": [TRAINER_CARD]}), folder / "eval.parquet")
    before = (folder / "eval.parquet").read_bytes()
    code, _, err = invoke("apply", "--in-place", str(folder))
    assert code == 1 and err.startswith(f"fixed {folder / 'README.md'}\n")
    assert "base_model: acme/base" in (folder / "README.md").read_text()
    assert (folder / "eval.parquet").read_bytes() == before
    code, _, err = invoke("apply", "--in-place", str(folder / "eval.parquet"))
    assert code == 2 and "--in-place rewrites card files" in err


def test_files_a_run_writes_are_none_it_reads_nor_each_other(tmp_path: Path) -> None:
    # `check - --report c.md < c.md` replaced the card read from stdin; --report and --chart as one file gave
    # the chart alone.
    card = tmp_path / "c.md"
    card.write_text(TRAINER_CARD)
    with card.open("rb") as stdin:
        run = subprocess.run([sys.executable, "-m", "cardfix", "check", "-", "--report", str(card)], stdin=stdin,
                             capture_output=True, timeout=60, check=False)
    assert run.returncode == 2 and card.read_text() == TRAINER_CARD
    assert run.stderr.decode() == f"cardfix: --report {card} is one of the files this run reads (-); name another " \
                                  "file\n"
    good = _good_dump(tmp_path)
    chart = tmp_path / "c.svg"
    code, out, err = invoke("stats", "--chart", str(chart), "--report", str(chart), str(good))
    assert (code, out) == (2, b"") and not chart.exists()
    assert err == f"cardfix: --report and --chart name the same file ({chart}); name another file for one of them\n"


def test_the_progress_bar_counts_a_dump_s_rows(tmp_path: Path) -> None:
    # A dump counted as one card while the bar advanced once a row: it ran past its end at once.
    from cardfix.api import Flags, Options
    from cardfix.cli import Common, Run

    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "README.md").write_text(TRAINER_CARD)
    pq.write_table(pa.table({"modelId": [f"a/{i}" for i in range(7)], "card": [TRAINER_CARD] * 7}),
                   folder / "x.parquet")
    (folder / "broken.parquet").write_bytes(b"not parquet")
    run = Run([str(folder)], Common(Flags(Options())), keep_text=False)
    assert run._count_cards() == 1 + 7 + 1  # the card, the rows, the unreadable file's one error
