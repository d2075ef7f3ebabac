"""CF303: epoch jumps, steps going backwards, `No log` rows, a summary matching no row (check only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import NOTHING, Outcome, Report, report
from cardfix.facts import Facts, TableRow, TrainingTable
from cardfix.facts.table import progress_breaks, rows_matching_summary
from cardfix.options import Options


@action("report_table_anomalies", params={"jump_factor": Param("float", 1.5)})
def report_table_anomalies(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if not facts.is_trainer_card:
        return NOTHING  # the anomalies are those of the Trainer's logging
    table = facts.table
    if table is None or not table.rows:
        return NOTHING
    # Steps are checked for going backwards only: steps per epoch legitimately change on a resume with
    # another batch size or device count (seed 004), so a step "jump" says nothing the epochs do not.
    found = [*_cell_counts(facts, table), *_progress(facts, table, "Epoch", params["jump_factor"]),
             *_progress(facts, table, "Step", None), *_no_log(facts, table),
             *_summary_row(facts, table)]
    return report(*found)

def _cell_counts(facts: Facts, table: TrainingTable) -> list[Report]:
    width = len(table.header.cells)
    odd = [r for r in table.rows if len(r.cells) != width]
    if not odd:
        return []
    return [Report(f"{len(odd)} training-results rows have a different number of cells than the header "
                   f"({width})", _row_line(facts, table, odd[0]))]

def _progress(facts: Facts, table: TrainingTable, column: str, jump_factor: float | None) -> list[Report]:
    found = []
    for b in progress_breaks(table, column, jump_factor):
        line = _row_line(facts, table, table.rows[b.row])
        if b.kind == "backwards":
            found.append(Report(f"{column} goes backwards from {_fmt(b.before)} to {_fmt(b.after)} (restarted or "
                                "resumed training?)", line))
        else:
            found.append(Report(f"{column} jumps from {_fmt(b.before)} to {_fmt(b.after)} (usual step "
                                f"{_fmt(b.typical)}): training was probably resumed from a checkpoint, or rows "
                                "are missing", line))
    return found

def _fmt(value: float) -> str:
    return f"{value:g}"

def _no_log(facts: Facts, table: TrainingTable) -> list[Report]:
    index = table.column("Training Loss")
    rows = [r for r in table.rows if index is not None and index < len(r.cells) and r.cells[index] == "No log"]
    if not rows:
        return []
    return [Report(f"{len(rows)} training-results rows say 'No log': no training loss had been logged yet "
                   "(logging_steps larger than the evaluation interval)", _row_line(facts, table, rows[0]))]

def _summary_row(facts: Facts, table: TrainingTable) -> list[Report]:
    matching = rows_matching_summary(table, facts.summary)
    if matching is None:
        return []
    line = facts.line_number(facts.summary[0].start)
    if not matching:
        return [Report("the evaluation summary matches no training-results row: expected when the best "
                       "checkpoint was loaded at the end or the final evaluation used other data", line)]
    if len(table.rows) - 1 not in matching:
        epoch = table.rows[matching[-1]].cells[1] if len(table.rows[matching[-1]].cells) > 1 else "?"
        return [Report(f"the evaluation summary matches the row of epoch {epoch}, not the final row "
                       "(best checkpoint loaded at the end?)", line)]
    return []

def _row_line(facts: Facts, table: TrainingTable, row: TableRow) -> int:
    return facts.line_number(table.span(row)[0])
