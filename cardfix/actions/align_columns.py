"""CF301: move values logged after a checkpoint resume back under their own columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import NOTHING, BodyEdit, Outcome, Report, fix, report
from cardfix.facts import Facts
from cardfix.facts.table import column_widths, render_row
from cardfix.options import Options
from cardfix.swaps import bounds_from, evidence_from, swap_analysis


def _check_bounds(value: Any) -> None:
    bounds_from(value)


EVIDENCE_PARAMS = {"bounds": Param("list", [], check=_check_bounds), "margin": Param("float", 0.4),
                   "resume_jump": Param("float", 1.5), "noise_steps": Param("float", 30.0),
                   "counts": Param("regex", "(?i)accuracy"), "count_alpha": Param("float", 0.01),
                   "spike_turns": Param("int", 2), "shape_rows": Param("int", 4)}


@action("align_swapped_columns", params=EVIDENCE_PARAMS,
        prepare=lambda params: {"evidence": evidence_from(params)})
def align_swapped_columns(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if not facts.is_trainer_card:
        return NOTHING  # the table layout is the Trainer's; another card's table is its author's
    analysis = swap_analysis(facts, params["evidence"])
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
               facts.line_number(table.span(table.rows[rows[0]])[0]), *edits)
