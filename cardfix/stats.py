"""`cardfix stats`: how many cards of each generator, and how many need each rule; a chart of the latter.

The kind of table people who study model cards publish, made from cardfix's own `check` of every card.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from cardfix.card import parse_text
from cardfix.core import Result
from cardfix.facts.generators import generators_of
from cardfix.yaml_read import FrontMatterError, parse_front_matter

NONE = "no known generator"


def generator_of(text: str) -> str:
    """The first generator whose tag, library_name, key or body mark the card has."""
    card = parse_text(text)
    try:
        meta = parse_front_matter(card.front_matter).data
    except FrontMatterError:
        meta = {}
    found = generators_of(meta, card.body)
    return found[0].name if found else NONE


@dataclass
class Stats:
    cards: int = 0
    errors: int = 0
    skipped: int = 0
    by_generator: Counter[str] = field(default_factory=Counter)
    changed_by_generator: Counter[str] = field(default_factory=Counter)
    needing: Counter[str] = field(default_factory=Counter)  # cards a rule would change
    reporting: Counter[str] = field(default_factory=Counter)  # cards a rule reports on without a fix
    names: dict[str, str] = field(default_factory=dict)

    def add(self, result: Result, generator: str) -> None:
        self.cards += 1
        if result.error is not None:
            self.errors += 1
            return
        if result.skipped:
            self.skipped += 1
            return
        self.by_generator[generator] += 1
        self.changed_by_generator[generator] += result.changed
        for code in {f.code for f in result.findings if f.fixable}:
            self.needing[code] += 1
        for code in {f.code for f in result.findings if not f.fixable}:
            self.reporting[code] += 1
        self.names.update({f.code: f.name for f in result.findings})


def collect(pairs: Iterable[tuple[Result, str]]) -> Stats:
    stats = Stats()
    for result, generator in pairs:
        stats.add(result, generator)
    return stats


def markdown(stats: Stats) -> str:
    rows = [f"{stats.cards} cards: {stats.cards - stats.errors - stats.skipped} model cards, "
            f"{stats.skipped} skipped (not model cards), {stats.errors} unreadable.", "",
            "| generator | cards | cardfix would change |", "|---|---:|---:|"]
    rows += [f"| {g} | {n} | {stats.changed_by_generator[g]} |" for g, n in stats.by_generator.most_common()]
    rows += ["", "| rule | cards it would fix | cards it reports on |", "|---|---:|---:|"]
    for code in sorted(set(stats.needing) | set(stats.reporting)):
        rows.append(f"| {code} {stats.names.get(code, '')} | {stats.needing[code]} | {stats.reporting[code]} |")
    return "\n".join(rows) + "\n"


def as_json(stats: Stats) -> str:
    return json.dumps({"cards": stats.cards, "errors": stats.errors, "skipped": stats.skipped,
                       "generators": dict(stats.by_generator.most_common()),
                       "changed_by_generator": dict(stats.changed_by_generator),
                       "rules": {c: {"name": stats.names.get(c, ""), "fix": stats.needing[c],
                                     "report": stats.reporting[c]}
                                 for c in sorted(set(stats.needing) | set(stats.reporting))}}, indent=2) + "\n"


def svg_chart(stats: Stats, title: str = "Cards each cardfix rule would fix or reports on") -> str:
    """A horizontal bar chart, two bars a rule (would fix, reports on), as a standalone SVG."""
    codes = sorted(set(stats.needing) | set(stats.reporting))
    top = max([*stats.needing.values(), *stats.reporting.values(), 1])
    left, width, bar, gap = 230, 420, 11, 8
    height = 60 + len(codes) * (2 * bar + gap) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
             'font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
             f'<text x="10" y="40" fill="#555">{stats.by_generator.total()} model cards; '
             '<tspan fill="#1f77b4">&#9632; would fix</tspan> <tspan fill="#ff7f0e">&#9632; reports on</tspan></text>']
    for i, code in enumerate(codes):
        y = 55 + i * (2 * bar + gap)
        label = escape(f"{code} {stats.names.get(code, '')}")
        parts.append(f'<text x="{left - 6}" y="{y + bar + 4}" text-anchor="end">{label}</text>')
        for j, (count, colour) in enumerate(((stats.needing[code], "#1f77b4"), (stats.reporting[code], "#ff7f0e"))):
            length = round(width * count / top)
            parts.append(f'<rect x="{left}" y="{y + j * bar}" width="{length}" height="{bar - 1}" fill="{colour}"/>')
            parts.append(f'<text x="{left + length + 4}" y="{y + j * bar + bar - 2}" font-size="10">{count}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
