"""How `cardfix check` prints findings: text, JSON, GitHub annotations, SARIF, JUnit, statistics.

Every format takes the same rows (one per finding, and one per card that could not be read, under the
code CF000), so an unreadable card shows in each of them, not only on stderr.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from cardfix.core import Result
from cardfix.version import __version__

Row = dict[str, object]
UNREADABLE_CODE, UNREADABLE_NAME = "CF000", "unreadable"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
# RFC 3986 pchar beyond the unreserved characters that quote() always keeps, and `/`: everything else
# (space, `#`, `%`, `?`, non-ASCII...) is percent-encoded.
URI_PATH_SAFE = "/!$&'()*+,;=:@"


def rows_of(result: Result) -> list[Row]:
    """A card's findings as rows, or one error row when it could not be read."""
    if result.error is not None:
        return [{"path": result.path, "code": UNREADABLE_CODE, "name": UNREADABLE_NAME, "message": result.error,
                 "line": None, "fixable": False, "severity": "error"}]
    return [{"path": result.path, **finding.as_dict()} for finding in result.findings]


def text_line(row: Row) -> str:
    where = f"{row['path']}:{row['line']}:" if row["line"] else f"{row['path']}:"
    mark = " [*]" if row["fixable"] else ""
    return f"{where} {row['code']}{mark} {row['message']} ({row['name']})"


def github_line(row: Row) -> str:
    """A workflow command (`::warning file=...::message`); properties and message escaped as GitHub requires."""
    properties = [f"file={_github_property(str(row['path']))}"]
    if row["line"]:
        properties.append(f"line={row['line']}")
    title = f"{row['code']} {row['name']}"
    properties.append(f"title={_github_property(title)}")
    message = str(row["message"]).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{GITHUB_LEVEL[str(row['severity'])]} {','.join(properties)}::{message}"


def _github_property(value: str) -> str:
    return (value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A")
            .replace(",", "%2C"))


def json_element(row: Row) -> str:
    """A row as json.dumps(indent=2) prints it inside a list: every line indented one level."""
    return textwrap.indent(json.dumps(row, indent=2, ensure_ascii=False), "  ")


def sarif(rows: Sequence[Row], rules: Mapping[str, tuple[str, str]]) -> str:
    """A SARIF 2.1.0 log (GitHub code scanning); `rules` maps code -> (name, summary)."""
    used = sorted({str(r["code"]) for r in rows})
    driver = {"name": "cardfix", "version": __version__, "informationUri": "https://huggingface.co/docs/hub/model-cards",
              "rules": [{"id": code, "name": rules.get(code, (UNREADABLE_NAME, ""))[0],
                         "shortDescription": {"text": rules.get(code, ("", "a card that could not be read"))[1]}}
                        for code in used]}
    results = [{"ruleId": r["code"], "level": SARIF_LEVEL[str(r["severity"])], "message": {"text": r["message"]},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(str(r["path"]))},
                                                   **({"region": {"startLine": r["line"]}} if r["line"] else {})}}]}
               for r in rows]
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": driver}, "results": results}]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def artifact_uri(path: str, flavour: type[PurePath] = PurePath) -> str:
    """A card's path (or a dump row's name) as the URI reference SARIF requires: absolute paths as `file:` URIs,
    the rest relative, so that code scanning resolves them against the checkout as it does a plain path.

    `flavour` is the platform's path syntax (a parameter so that Windows paths can be tested anywhere). No
    `uriBaseId`: a relative path is relative to where cardfix ran, which need not be the source root.
    """
    pure = flavour(path)
    # surrogateescape: a POSIX file name that is not UTF-8 keeps its own bytes, as os.fsencode gives them.
    encoded = quote(pure.as_posix(), safe=URI_PATH_SAFE, encoding="utf-8", errors="surrogateescape")
    if pure.is_absolute():
        if pure.drive and pure.drive[1:2] != ":":  # a UNC path (//server/share/...): the server is the authority
            return "file:" + encoded
        return "file://" + ("/" if pure.drive else "") + encoded  # file:///C:/... on Windows
    # A colon in the first segment would read as a scheme (`c:x/y`); RFC 3986 section 4.2 prescribes `./`.
    return "./" + encoded if ":" in encoded.split("/", 1)[0] else encoded


def junit(cards: Iterable[tuple[str, Sequence[Row]]], fails: Callable[[Row], bool]) -> str:
    """A JUnit XML report: a test case per card; each failing finding a failure, the others in system-out."""
    cases, failures = [], 0
    for path, rows in cards:
        bad = [r for r in rows if fails(r)]
        failures += bool(bad)
        body = "".join(f"<failure message={quoteattr(text_line(r))} type={quoteattr(str(r['code']))}/>" for r in bad)
        rest = [text_line(r) for r in rows if not fails(r)]
        body += f"<system-out>{escape(chr(10).join(rest))}</system-out>" if rest else ""
        cases.append(f"  <testcase classname=\"cardfix\" name={quoteattr(path)}>{body}</testcase>\n")
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="cardfix" tests="{len(cases)}" '
            f'failures="{failures}">\n{"".join(cases)}</testsuite>\n')


def statistics(rows: Iterable[Row], as_json: bool = False) -> str:
    """Counts by rule, most frequent first, as `ruff --statistics` prints them (`[*]`: every finding fixable);
    `as_json`: as `ruff --statistics --output-format json`, an array of code, name, count, fixable."""
    counts: Counter[tuple[str, str]] = Counter()
    fixable: Counter[str] = Counter()
    for row in rows:
        counts[(str(row["code"]), str(row["name"]))] += 1
        fixable[str(row["code"])] += bool(row["fixable"])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if as_json:
        return json.dumps([{"code": code, "name": name, "count": n, "fixable": fixable[code] == n}
                           for (code, name), n in ranked], indent=2) + "\n"
    lines = [f"{n:>6}  {code}  {'[*]' if fixable[code] == n else '   '}  {name}" for (code, name), n in ranked]
    return "".join(line + "\n" for line in lines)
