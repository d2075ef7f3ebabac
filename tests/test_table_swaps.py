"""CF301/CF302 against the defect reproduced on real tables: precision 100%, recall >= 95%."""

from __future__ import annotations

import dataclasses

from cardfix import repair, swaps
from cardfix.facts.table import metric_columns
from cardfix.ruleset import load_rules
from tests import swapgen
from tests.conftest import CORPUS, corpus_files, needs_corpus

CF301 = next(r for r in load_rules() if r.code == "CF301")
BOUNDED = ("accuracy", "f1", "precision", "recall", "matthews correlation")


@needs_corpus
def test_generated_swaps_on_real_tables() -> None:
    """Precision 100%: over every case the generator makes from real tables, CF301 moves no value wrongly
    (recall is benchmark output: `python bench/swaps.py`)."""
    counts, wrong = swapgen.run_cases(BOUNDED, CF301)
    assert counts["recalled"] and counts["left-alone"] is not None
    assert wrong == [], "precision must be 100%: no value moved wrongly"


@needs_corpus
def test_generated_swaps_on_tables_of_every_metric() -> None:
    """The same over every source table, whatever its metrics (wer, rouge, bleu, ...): tables the evidence
    was not tuned on. Precision must hold there too."""
    metrics = set()
    for path in corpus_files("bulk"):
        try:
            table = swapgen.facts_of(path.read_bytes().decode("utf-8")).table
        except ValueError:
            continue
        columns = metric_columns(table) if table is not None else None
        metrics |= {c.lower() for c in columns or ()}
    counts, wrong = swapgen.run_cases(tuple(sorted(metrics)), CF301)
    assert counts["recalled"] and counts["consistent-tables"]
    assert wrong == [], "precision must be 100%: no value moved wrongly"


@needs_corpus
def test_only_swapped_corpus_tables_change() -> None:
    """Every bulk table CF301 does not realign comes out byte-identical, whatever else the rules do."""
    manifest = (CORPUS / "bulk" / "MANIFEST.tsv").read_text().splitlines()
    tagged = {line.split("\t")[0] for line in manifest[1:] if "swapped-cols" in line.split("\t")[-1]}
    tables = changed = 0
    for path in corpus_files("bulk"):
        text = path.read_bytes().decode("utf-8")
        before = swapgen.facts_of(text).table
        if before is None:
            continue
        tables += 1
        result = repair(text)
        after = swapgen.facts_of(result.text).table
        assert after is not None
        realigned = any(f.code == "CF301" and f.fixable for f in result.findings)
        if realigned:
            changed += 1
        old = text[len(text) - len(swapgen.facts_of(text).card.body):][before.start:before.end]
        new_card = swapgen.facts_of(result.text).card
        new = new_card.body[after.start:after.end]
        assert (old != new) == realigned, path.name
        assert path.name not in tagged or realigned, f"{path.name} is tagged swapped-cols"
    print(f"\ncorpus tables: {tables}, realigned: {changed}, byte-identical: {tables - changed}")
    assert tables and changed


def _decided_by(text: str, boundary: int, basis: str, base: dict[str, object] | None = None,
                **switched_off: object) -> None:
    """With the rule's settings (updated by `base`) the rows from `boundary` on are realigned, and the
    evidence named `basis` decided it; with that evidence switched off the table is left undecided."""
    decided = _analyse(text, **(base or {}))
    assert decided is not None and decided.boundary == boundary
    assert basis in decided.basis
    undecided = _analyse(text, **(base or {}), **switched_off)
    assert undecided is not None and undecided.boundary is None
    assert "not decisive" in undecided.reason


def _analyse(text: str, **settings: object) -> swaps.Analysis | None:
    facts = swapgen.facts_of(text)
    assert facts.table is not None
    evidence = dataclasses.replace(CF301.params["evidence"], **settings)
    return swaps.analyse(facts.table, facts.summary, evidence)


def _card(summary: tuple[str, str], rows: list[str]) -> str:
    return (f"It achieves the following results on the evaluation set:\n- Loss: {summary[0]}\n"
            f"- Accuracy: {summary[1]}\n\n### Training results\n\n"
            "| Training Loss | Epoch | Step | Accuracy | Validation Loss |\n"
            "|:-------------:|:-----:|:----:|:--------:|:---------------:|\n" + "\n".join(rows) + "\n")


# Accuracy on 90 examples: 0.6667 = 60/90, 0.8556 = 77/90, 0.8889 = 80/90, 0.9111 = 82/90. Row 2 reads
# either way about as smoothly; only as a live row (loss 0.8802, accuracy 0.8556) do its numbers fit N = 90.
COUNTED = _card(("0.4632", "0.9111"), [
    "| No log        | 1.0   | 90   | 0.6667   | 2.0273          |",
    "| No log        | 2.0   | 180  | 0.8802   | 0.8556          |",
    "| No log        | 3.0   | 270  | 0.5908   | 0.8889          |",
    "| No log        | 4.0   | 360  | 0.4632   | 0.9111          |",
    "| No log        | 5.0   | 450  | 0.4294   | 0.9111          |",
])


def test_count_evidence_decides_readings_almost_as_smooth() -> None:
    _decided_by(COUNTED, 1, "", counts=None)


def test_eval_sizes() -> None:
    assert 90 in swaps.eval_sizes(frozenset({0.6667, 0.8556, 0.8889, 0.9111}), 0.01)
    assert 50 in swaps.eval_sizes(frozenset({0.58, 0.68, 0.64, 0.72}), 0.01)
    # losses (or an accuracy over a large set) establish no size; two values are never enough
    assert swaps.eval_sizes(frozenset({0.8802, 0.6581, 0.7941, 0.7115, 0.3507}), 0.01) == ()
    assert swaps.eval_sizes(frozenset({0.6667, 0.8556}), 0.01) == ()


# Accuracy on 277 examples (0.4874 = 135/277, 0.7020, 0.6570, 0.6895). Row 2 is restored (0.6751 = 187/277
# under Accuracy), though reading it as live (accuracy 0.6289) is smoother: 0.6289 fits no size the others
# establish, so count evidence rules out even the smoothest reading.
ROUGHER_TRUTH = _card(("1.0656", "0.6895"), [
    "| No log        | 1.0   | 156  | 0.4874   | 0.7007          |",
    "| No log        | 2.0   | 312  | 0.6751   | 0.6289          |",
    "| No log        | 3.0   | 468  | 0.7020   | 0.6606          |",
    "| 0.6146        | 4.0   | 624  | 1.0573   | 0.6570          |",
    "| 0.6146        | 5.0   | 780  | 1.0656   | 0.6895          |",
])


def test_count_evidence_can_rule_out_the_smoothest_reading() -> None:
    decided = _analyse(ROUGHER_TRUTH)
    assert decided is not None and decided.boundary == 2
    assert "smoothest reading left" in decided.basis
    without = _analyse(ROUGHER_TRUTH, counts=None)
    assert without is not None and without.boundary != 2


# Rows 4-5 carry 1.0761 and 1.5530 under Accuracy (out of range): live for sure. Row 3 could be either; read
# as restored its accuracy stays within the table's usual small steps, read as live it jumps.
SMOOTH = _card(("1.5530", "0.716"), [
    "| 0.7022        | 1.0   | 1426 | 0.7105   | 0.6581          |",
    "| 0.5199        | 2.0   | 2852 | 0.706    | 0.6835          |",
    "| 0.2923        | 3.0   | 4278 | 0.7075   | 0.7941          |",
    "| 0.1366        | 4.0   | 5704 | 1.0761   | 0.7115          |",
    "| 0.0645        | 5.0   | 7130 | 1.5530   | 0.716           |",
])


def test_a_reading_many_typical_steps_rougher_is_ruled_out() -> None:
    _decided_by(SMOOTH, 3, "typical steps", {"counts": None}, noise_steps=1e9, shape_rows=10**6)


def test_each_column_in_its_own_typical_steps() -> None:
    """Row 3 as live moves the accuracy by 0.09 where it moves by 0.002: a spike in its own units, though
    small beside the loss column's rise. Measured column by column, the other reading is far rougher."""
    _decided_by(SMOOTH, 3, "own typical step", {"counts": None, "noise_steps": 1e9}, shape_rows=10**6)


# bulk/2138's values with rows 4-5 live (the summary matches row 5 as live only). Read as live, row 4 keeps
# both columns running one way; read as restored, the accuracy dips (0.8968, 0.8618, 0.9174): two turns. By
# roughness the two readings are within 4%: the loss column's curve swamps the dip.
SPIKE = _card(("0.7773", "0.9174"), [
    "| 4.2923        | 1.0   | 318  | 0.7423   | 3.2893          |",
    "| 2.6307        | 2.0   | 636  | 0.8281   | 1.8837          |",
    "| 1.5483        | 3.0   | 954  | 0.8968   | 1.1583          |",
    "| 1.0153        | 4.0   | 1272 | 0.8618   | 0.9094          |",
    "| 0.7958        | 5.0   | 1590 | 0.7773   | 0.9174          |",
])


def test_a_reading_that_makes_a_spike_is_ruled_out() -> None:
    _decided_by(SPIKE, 3, "spikes", spike_turns=10**6)
    _decided_by(SPIKE, 3, "spikes", shape_rows=6)  # tables shorter than shape_rows give no shape evidence


# bulk/1516's values with the last row live: as written, every metric column jumps there (accuracy 0.8848 to
# 0.7093, loss 0.7250 to 0.9072), about 75 of the table's typical steps, and 30% rougher overall (within the
# margin). Past the first evaluation a jump that size is not a learning curve's: the table as written is
# ruled out. (At the first evaluation it is not: test_the_table_as_written_is_only_overturned_by_the_margin.)
LATE_JUMP_ROWS = [
    ("1.0", "230", "0.8922", "0.9078", "0.9233", "0.2787"), ("2.0", "460", "0.875", "0.8944", "0.9137", "0.3651"),
    ("3.0", "690", "0.8799", "0.8989", "0.9179", "0.5238"), ("4.0", "920", "0.8946", "0.9084", "0.9222", "0.4712"),
    ("5.0", "1150", "0.8946", "0.9104", "0.9262", "0.5704"), ("6.0", "1380", "0.8995", "0.9140", "0.9284", "0.5697"),
    ("7.0", "1610", "0.8922", "0.9068", "0.9214", "0.6651"), ("8.0", "1840", "0.8946", "0.9093", "0.9239", "0.6726"),
    ("9.0", "2070", "0.8848", "0.9012", "0.9177", "0.7250"), ("10.0", "2300", "0.7093", "0.8922", "0.9223", "0.9072"),
]


def test_the_table_as_written_is_ruled_out_by_a_jump_past_the_first_row() -> None:
    text = ("It achieves the following results on the evaluation set:\n- Loss: 0.2787\n- Accuracy: 0.8922\n"
            "- F1: 0.9233\n- Combined Score: 0.9078\n\n### Training results\n\n"
            "| Training Loss | Epoch | Step | Accuracy | Combined Score | F1 | Validation Loss |\n"
            "|:---:|:---:|:---:|:---:|:---:|:---:|:---:|\n"
            + "".join(f"| No log | {' | '.join(row)} |\n" for row in LATE_JUMP_ROWS))
    _decided_by(text, 9, "typical steps", noise_steps=1e9)


# A consistent table in checkpoint order (bulk/0811's values): accuracy jumps from 0.4975 to 0.8591 after the
# first evaluation, then moves in steps of ~0.005. Read with rows 2.. swapped it is smoother, though not by the
# margin; the summary (0.3222, 0.9516) matches no row, so nothing else pins it.
LEARNING_CURVE = [
    ("0.4975", "0.8241"), ("0.8591", "0.3507"), ("0.9139", "0.3750"), ("0.9016", "0.5520"), ("0.9304", "0.3803"),
    ("0.9337", "0.4168"), ("0.9170", "0.5042"), ("0.9268", "0.4806"), ("0.9261", "0.4227"), ("0.9418", "0.3360"),
    ("0.9407", "0.3255"), ("0.9404", "0.3283"), ("0.9430", "0.3489"), ("0.9464", "0.3302"), ("0.9375", "0.3853"),
    ("0.9454", "0.2992"), ("0.9464", "0.3484"), ("0.9455", "0.3529"), ("0.9420", "0.3052"), ("0.9466", "0.3323"),
    ("0.9532", "0.3133"), ("0.9414", "0.3826"), ("0.9484", "0.3059"), ("0.9475", "0.3089"), ("0.9486", "0.3611"),
    ("0.9445", "0.3227"), ("0.9489", "0.3130"), ("0.9368", "0.3827"), ("0.9504", "0.3080"), ("0.9471", "0.3252"),
    ("0.9343", "0.4250"),
]


def test_the_table_as_written_is_only_overturned_by_the_margin() -> None:
    """Noise and count evidence rule out alternative swaps, never the reading that leaves the table as it is:
    a learning curve's first jump is many typical steps, and a consistent table must not change."""
    rows = [f"| No log        | {i + 1}.0   | {2000 * (i + 1)} | {acc} | {loss} |"
            for i, (acc, loss) in enumerate(LEARNING_CURVE)]
    analysis = _analyse(_card(("0.3222", "0.9516"), rows))
    assert analysis is not None and analysis.boundary in (None, len(rows))


def test_values_that_fit_every_size_establish_none() -> None:
    assert swaps.eval_sizes(frozenset({0.0, 1.0, 0.5}), 0.01) == ()
    assert swaps.eval_sizes(frozenset({0.0, 1.0, 0.25, 0.5, 0.75}), 0.01) != ()
