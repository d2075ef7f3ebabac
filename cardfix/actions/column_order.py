"""CF302: put a realigned training-results table in the Trainer's live column order, and redraw it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cardfix.actions import Param, action
from cardfix.edits import NOTHING, BodyEdit, Outcome, fix
from cardfix.facts import Facts, TrainingTable
from cardfix.facts.table import is_sorted_order, live_order, metric_columns, render_align, render_row
from cardfix.options import Options
from cardfix.swaps import swap_analysis


@action("canonical_column_order", params={
    "only_after": Param("list", ["CF301"]), "evidence_of": Param("rule", "CF301")})
def canonical_column_order(facts: Facts, params: Mapping[str, Any], options: Options) -> Outcome:
    if (params["only_after"] and not facts.fixed & set(params["only_after"])) or not facts.is_trainer_card:
        return NOTHING
    table = facts.table
    if table is None:
        return NOTHING
    columns = metric_columns(table)
    if columns is None or not is_sorted_order(columns):
        return NOTHING
    live = live_order(columns, facts.summary)
    if live is None or live == columns or any(len(r.cells) != len(table.header.cells) for r in table.rows):
        return NOTHING
    if not params["only_after"]:  # reordering any table: only one whose rows all agree with its header
        analysis = swap_analysis(facts, params["evidence_of"]["evidence"])
        if analysis is not None and analysis.boundary != len(table.rows):
            return NOTHING
    header_end, next_line = table.span(table.header)[1], table.offset + table.header.line.stop
    newline = facts.card.body[header_end:next_line] or facts.card.newline  # the table's own line ending
    text = _render_table(table, (*table.header.cells[:3], *live), newline)
    return fix(f"training-results columns put in the Trainer's live order: {', '.join(live)}",
               facts.line_number(table.start), BodyEdit(table.start, table.end, text))

def _render_table(table: TrainingTable, order: tuple[str, ...], newline: str) -> str:
    index = [table.header.cells.index(name) for name in order]
    rows = [[row.cells[i] for i in index] for row in (table.header, *table.rows)]
    widths = [max(len(row[j]) for row in rows) for j in range(len(order))]
    lines = [render_row(rows[0], widths), render_align(widths), *(render_row(r, widths) for r in rows[1:])]
    return newline.join(lines)
