"""Training-results table repair: swapped columns after a resume, canonical order, anomalies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Action, Param
from cardfix.edits import NOTHING, BodyEdit, Outcome, Report, fix, report
from cardfix.facts import Facts, TableRow, TrainingTable
from cardfix.facts.table import (
    column_widths,
    is_sorted_order,
    live_order,
    metric_columns,
    number,
    progress_breaks,
    render_align,
    render_row,
    same_as_shown,
    table_name,
)
from cardfix.settings import Options
from cardfix.swaps import Analysis, Evidence, analyse, bounds_from


def _check_bounds(value: Any) -> None:
    bounds_from(value)


BOUNDS = Param("list", [], check=_check_bounds)
MARGIN = Param("float", 0.4)


def evidence_from(params: Mapping[str, Any]) -> Evidence:
    """The swap analysis' settings from a rule's parameters (built once per parameter set)."""
    cached = _EVIDENCE.get(id(params))
    if cached is not None and cached[0] is params:
        return cached[1]
    evidence = Evidence(bounds_from(params["bounds"]), float(params["margin"]), float(params["resume_jump"]),
                        float(params["noise_steps"]), params["counts"], float(params["count_alpha"]),
                        int(params["spike_turns"]), int(params["shape_rows"]))
    _EVIDENCE[id(params)] = (params, evidence)
    return evidence


_EVIDENCE: dict[int, tuple[Mapping[str, Any], Evidence]] = {}


def _analysis(facts: Facts, params: Mapping[str, Any]) -> Analysis | None:
    """The swap analysis of this body's table (memoised per body: the fix loop asks again)."""
    table = facts.table
    if table is None:
        return None
    evidence = evidence_from(params)
    return facts.body.derived(("swap-analysis", evidence), lambda: analyse(table, facts.summary, evidence))


def align_swapped_columns(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    analysis = _analysis(facts, params)
    table = facts.table
    if analysis is None or table is None:
        return NOTHING
    line = facts.line_number(table.start)
    if analysis.boundary is None:
        return report(Report(f"training-results table not realigned: {analysis.reason}", line))
    rows = analysis.live_rows(table)
    if not rows:
        return NOTHING
    widths = column_widths(table)
    position = {name: 3 + j for j, name in enumerate(analysis.header)}
    edits = []
    for i in rows:
        row = table.rows[i]
        cells = list(row.cells)
        for j, name in enumerate(analysis.live):
            cells[position[name]] = row.cells[3 + j]
        start, end = table.span(row)
        edits.append(BodyEdit(start, end, render_row(cells, widths)))
    first = table.rows[rows[0]].cells[1]
    return fix(f"{len(rows)} training-results rows (epoch {first} on) were logged after a resume in live key "
               f"order ({', '.join(analysis.live)}) under a checkpoint-order header; values moved under "
               f"their own columns (evidence: {analysis.basis})",
               _row_line(facts, table, table.rows[rows[0]]), *edits)


def _row_line(facts: Facts, table: TrainingTable, row: TableRow) -> int:
    return facts.line_number(table.span(row)[0])


def canonical_column_order(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    table = facts.table
    if table is None or (params["only_after"] and not facts.fixed & set(params["only_after"])):
        return NOTHING
    columns = metric_columns(table)
    if columns is None or not is_sorted_order(columns):
        return NOTHING
    live = live_order(columns, facts.summary)
    if live is None or live == columns or any(len(r.cells) != len(table.header.cells) for r in table.rows):
        return NOTHING
    if not params["only_after"]:  # reordering any table: only one whose rows all agree with its header
        analysis = _analysis(facts, params)
        if analysis is not None and analysis.boundary != len(table.rows):
            return NOTHING
    text = _render_table(table, (*table.header.cells[:3], *live), facts.card.newline)
    return fix(f"training-results columns put in the Trainer's live order: {', '.join(live)}",
               facts.line_number(table.start), BodyEdit(table.start, table.end, text))


def _render_table(table: TrainingTable, order: tuple[str, ...], newline: str) -> str:
    index = [table.header.cells.index(name) for name in order]
    rows = [[row.cells[i] for i in index] for row in (table.header, *table.rows)]
    widths = [max(len(row[j]) for row in rows) for j in range(len(order))]
    lines = [render_row(rows[0], widths), render_align(widths), *(render_row(r, widths) for r in rows[1:])]
    return newline.join(lines)


def report_table_anomalies(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    table = facts.table
    if table is None or not table.rows:
        return NOTHING
    # Steps are checked for going backwards only: steps per epoch legitimately change on a resume with
    # another batch size or device count (seed 004), so a step "jump" says nothing the epochs do not.
    found = [*_cell_counts(facts, table), *_progress(facts, table, "Epoch", params["jump_factor"]),
             *_progress(facts, table, "Step", None), *_no_log(facts, table),
             *_summary_row(facts, table, params)]
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


def _summary_row(facts: Facts, table: TrainingTable, params: Mapping[str, Any]) -> list[Report]:
    columns = metric_columns(table)
    if columns is None or not facts.summary:
        return []
    wanted = {table_name(i.key): number(i.value) for i in facts.summary}
    shared = [(3 + j, wanted[c]) for j, c in enumerate(columns) if wanted.get(c) is not None]
    if not shared:
        return []
    width = len(table.header.cells)
    matching = [i for i, row in enumerate(table.rows)
                if len(row.cells) == width and all(same_as_shown(number(row.cells[k]), v) for k, v in shared)]
    line = facts.line_number(facts.summary[0].start)
    if not matching:
        return [Report("the evaluation summary matches no training-results row: expected when the best "
                       "checkpoint was loaded at the end or the final evaluation used other data", line)]
    if len(table.rows) - 1 not in matching:
        epoch = table.rows[matching[-1]].cells[1] if len(table.rows[matching[-1]].cells) > 1 else "?"
        return [Report(f"the evaluation summary matches the row of epoch {epoch}, not the final row "
                       "(best checkpoint loaded at the end?)", line)]
    return []


TABLE_PARAMS = {"bounds": BOUNDS, "margin": MARGIN, "resume_jump": Param("float", 1.5),
                "noise_steps": Param("float", 30.0), "counts": Param("regex", "(?i)accuracy"),
                "count_alpha": Param("float", 0.01), "spike_turns": Param("int", 2), "shape_rows": Param("int", 4)}
ACTIONS = [
    Action("align_swapped_columns", align_swapped_columns, stage=1, params=TABLE_PARAMS),
    Action("canonical_column_order", canonical_column_order, stage=2,
           params={**TABLE_PARAMS, "only_after": Param("list", ["CF301"])}),
    Action("report_table_anomalies", report_table_anomalies, stage=5,
           params={"jump_factor": Param("float", 1.5)}),
]
