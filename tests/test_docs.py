"""What users read: the README's rule table, `cardfix explain`, `cardfix rules` formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import invoke
from tests.conftest import ROOT


def test_the_readme_rule_table_is_the_rule_files() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    code, table, _ = invoke("rules", "--format", "markdown")
    assert code == 0
    assert shown == table.decode(), "README is stale: paste `cardfix rules --format markdown` between the markers"


@pytest.mark.parametrize("name", ["CF201", "cf201", "fill-model-index"])
def test_explain_shows_a_rule_whole(name: str) -> None:
    code, out, _ = invoke("explain", name)
    text = out.decode()
    assert code == 0
    assert text.startswith("CF201 fill-model-index: Fill an absent or empty `model-index`")
    assert "runs after CF101, CF102, CF104, CF107, CF109, CF203, CF302" in text
    assert "Only on cards the Trainer or its Keras callback wrote" in text  # the description
    assert "\nparameters:\n  results_from: \"summary\"\n" in text
    assert "example (fixes):\n  | ---\n" in text and "becomes:\n" in text and "example (flags):" in text


def test_explain_shows_templates_and_an_unknown_code_is_exit_2() -> None:
    code, out, _ = invoke("explain", "CF401")
    assert code == 0 and "\ntemplates:\n   - `{model_name}` is a fine-tuned version of" in out.decode()
    code, out, err = invoke("explain", "CF999")
    assert (code, out) == (2, b"") and err == "cardfix: unknown rule code or name 'CF999' (see `cardfix rules`)\n"


def test_rules_json_carries_the_file_s_own_values() -> None:
    code, out, _ = invoke("rules", "--format", "json")
    rows = {r["code"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["CF102"]["after"] == ["CF404"] and rows["CF102"]["params"]["dataset_ids"] == (
        "data/canonical-dataset-ids.yaml")
    assert rows["CF301"]["params"]["counts"] == "(?i)accuracy" and "evidence" not in rows["CF301"]["params"]


@pytest.mark.parametrize("bad", ["github", "yaml"])
def test_rules_rejects_formats_it_does_not_print(bad: str) -> None:
    code, out, _ = invoke("rules", "--format", bad)
    assert code == 2 and out == b""


def test_the_pre_commit_hooks_run_serially_on_readme_files_only() -> None:
    import re

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"cardfix", "cardfix-check"}
    for hook in hooks:
        assert hook["require_serial"] is True
        files = re.compile(hook["files"])
        assert all(files.search(p) for p in ("README.md", "docs/README.md", "a/b/README.md"))
        assert not any(files.search(p) for p in ("README.md.orig", "notREADME.md", "readme.md"))
    readme = (ROOT / "README.md").read_text()
    assert "rev: REV" in readme and "require_serial: true" in readme


def test_the_readme_statistics_and_chart_are_the_bundled_sample_s(tmp_path: Path) -> None:
    chart = tmp_path / "chart.svg"
    sample = ROOT / "examples" / "hub-dump"
    code, out, _ = invoke("stats", str(sample / "hub-sample.parquet"), "--chart", str(chart))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- stats:start -->\n", 1)[1].split("<!-- stats:end -->", 1)[0]
    assert code == 0 and shown == out.decode()
    assert chart.read_text(encoding="utf-8") == (sample / "stats.svg").read_text(encoding="utf-8")
