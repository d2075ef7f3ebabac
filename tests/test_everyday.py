"""Issue 16's defects a new user hits, each pinned: model cards only, severities, suppression, options and
configuration validated, front-matter shapes that must be filled or refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardfix import repair
from cardfix.api import settings
from cardfix.card import parse_text
from cardfix.suppress import read_suppressions
from tests.clirun import invoke
from tests.conftest import ROOT

GENERATED = "tags:\n- generated_from_trainer\n"
SUMMARY = ("# m\n\nThis model is a fine-tuned version of [bert-base-uncased](https://huggingface.co/bert-base-uncased)"
           " on the imdb dataset.\nIt achieves the following results on the evaluation set:\n- Loss: 0.3\n"
           "- Accuracy: 0.9\n")


def test_duplicate_keys_are_an_error_and_the_card_is_left_alone() -> None:
    card = "---\nlicense: mit\nlicense: apache-2.0\n---\n# m\n"
    code, out, err = invoke("apply", "-", stdin=card.encode())
    assert (code, out) == (2, b"")
    assert err.splitlines()[0] == ("-: front matter has the key 'license' twice (front-matter line 2); the Hub "
                                   "and ruamel.yaml reject that")


@pytest.mark.parametrize("empty", ["", " null", " ''", " []"])
def test_empty_values_count_as_absent(empty: str) -> None:
    card = (f"---\nbase_model:{empty}\n{GENERATED}---\n# m\n\nThis model is a fine-tuned version of "
            "[gpt2](https://huggingface.co/gpt2) on an unknown dataset.\n")
    assert "base_model: gpt2\n" in repair(card, select=["CF101"]).text


@pytest.mark.parametrize("model_index", ["model-index: [{name: m, results: []}]\n",
                                         "empty: &e []\nmodel-index:\n- name: m\n  results: *e\n"])
def test_flow_style_and_aliased_results_are_filled(model_index: str) -> None:
    card = f"---\n{GENERATED}{model_index}---\n{SUMMARY}"
    result = repair(card, select=["CF201"])
    assert "      type: text-classification\n" in result.text
    assert [f.fixable for f in result.findings] == [True]
    assert repair(result.text, select=["CF201"]).text == result.text


def test_a_comment_after_empty_results_stays_on_the_key_s_line() -> None:
    card = f"---\n{GENERATED}model-index:\n- name: m\n  results: []   # filled later\n---\n{SUMMARY}"
    text = repair(card, select=["CF201"]).text
    assert "  results:   # filled later\n  - task:\n" in text
    assert text.count("# filled later") == 1


def test_a_project_readme_is_no_model_card_and_is_never_edited(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_bytes()
    code, out, err = invoke("diff", "-", stdin=readme)
    assert (code, out) == (0, b"")
    assert "1 skipped (not a model card)" in err
    docs = tmp_path / "docs" / "README.md"
    docs.parent.mkdir()
    docs.write_text("# Docs\n\nThis model is a fine-tuned version of [gpt2](https://huggingface.co/gpt2) on x.\n")
    assert invoke("apply", "--in-place", str(tmp_path))[0] == 0
    assert docs.read_text().startswith("# Docs")


def test_a_card_without_front_matter_but_with_the_trainer_s_comment_is_a_card() -> None:
    card = ("<!-- This model card has been generated automatically according to the information the Trainer had "
            "access to. You\nshould probably proofread and complete it, then remove this comment. -->\n\n# m\n\n"
            "This model is a fine-tuned version of [gpt2](https://huggingface.co/gpt2) on x.\n")
    assert repair(card, select=["CF101"]).text.startswith("---\nbase_model: gpt2\n---\n")


INFO_ONLY = ("---\nlibrary_name: transformers\ntags:\n- generated_from_trainer\n---\n# m\n\n### Training results\n\n"
             "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n"
             "|:-------------:|:-----:|:----:|:---------------:|:--------:|\n"
             "| No log        | 1.0   | 10   | 0.5             | 0.8      |\n"
             "| 0.4           | 2.0   | 20   | 0.4             | 0.85     |\n")


def test_check_passes_on_informational_findings_and_fail_on_tightens() -> None:
    code, out, _ = invoke("check", "-q", "--select", "CF303", "-", stdin=INFO_ONLY.encode())
    assert code == 0 and b"CF303" in out  # reported, not failing
    assert invoke("check", "-q", "--select", "CF303", "--fail-on", "info", "-", stdin=INFO_ONLY.encode())[0] == 1
    assert invoke("check", "-q", "--select", "CF303", "--fail-on", "warning", "-", stdin=INFO_ONLY.encode())[0] == 0
    # CF201's undecided task is a warning: passing by default, failing with --fail-on warning
    assert invoke("check", "-q", "-", stdin=INFO_ONLY.encode())[0] == 0
    assert invoke("check", "-q", "--fail-on", "warning", "-", stdin=INFO_ONLY.encode())[0] == 1


def test_findings_carry_severities_and_come_in_line_order() -> None:
    code, out, _ = invoke("check", "-q", "--format", "json", "-", stdin=(ROOT / "golden" / "swapped-columns.in.md")
                          .read_bytes())
    rows = json.loads(out)
    assert code == 1
    assert [r["line"] or 0 for r in rows] == sorted(r["line"] or 0 for r in rows)
    assert {(r["code"], r["severity"]) for r in rows if not r["fixable"]} == {("CF201", "warning")}


def test_model_index_consistency_is_checked_on_generated_cards_only() -> None:
    hand_made = ("---\ntags: [reinforcement-learning]\nmodel-index:\n- name: ppo\n  results:\n  - task: {type: rl}\n"
                 "    dataset: {name: CartPole-v1, type: CartPole-v1}\n    metrics: [{type: mean_reward, value: 500}]\n"
                 "---\n# PPO agent\n")
    assert repair(hand_made, select=["CF202"]).findings == ()
    generated = hand_made.replace("tags: [reinforcement-learning]", "tags: [generated_from_trainer]")
    assert "never mentioned" in repair(generated, select=["CF202"]).findings[0].message


SECTIONS_CARD = """---
tags:
- generated_from_trainer
---
{preamble}
# m

This model is a fine-tuned version of [gpt2](https://huggingface.co/gpt2) on an unknown dataset.

{before_description}## Model description

More information needed

## Intended uses & limitations

More information needed
"""


def _sections_card(preamble: str = "", before_description: str = "") -> str:
    return SECTIONS_CARD.format(preamble=preamble, before_description=before_description)


@pytest.mark.parametrize("comment", ["<!-- cardfix: ignore CF101 -->", "<!-- cardfix: ignore CF1 -->",
                                     "<!-- cardfix: ignore base-model-from-link, CF401 -->",
                                     # A stray comma made an empty code, which matched every rule.
                                     "<!-- cardfix: ignore CF101, -->", "<!-- cardfix: ignore CF101,, CF401 -->"])
def test_a_comment_before_the_first_heading_silences_a_rule_on_the_whole_card(comment: str) -> None:
    result = repair(_sections_card(preamble=comment))
    assert "base_model" not in result.text and not any(f.code == "CF101" for f in result.findings)
    assert any(f.code == "CF402" for f in result.findings)  # other rules still run


def test_a_comment_elsewhere_silences_the_next_block_only() -> None:
    card = _sections_card(before_description="<!-- cardfix: ignore CF401 -->\n")
    result = repair(card)
    assert "## Model description\n\nMore information needed\n" in result.text  # the section below it
    assert "## Intended uses & limitations\n\nMore information needed" not in result.text  # the next one: fixed
    assert not any(f.code == "CF401" for f in result.findings)
    assert repair(card, select=["CF401"]).text == card


def test_a_comment_naming_no_rule_is_reported_by_a_rule_of_its_own(tmp_path: Path) -> None:
    # A typo (`ignore CF999`) silenced nothing, and nothing said so. The finding is CF407's, so it is selected,
    # ignored and configured as any rule is (a first try reported it as the engine's CF000, which no option
    # could ignore).
    comment = "<!-- cardfix: ignore CF101, CF99, nope, CF99, fill-model-description -->"
    card = _sections_card(preamble=comment)
    line = card.splitlines().index(comment) + 1
    assert not any(f.code == "CF407" for f in repair(card).findings)  # off unless selected (ruff's RUF100 too)
    every = [rule.code for rule in settings().rules] + ["CF407"]
    said = [f for f in repair(card, select=every).findings if f.code == "CF407"]
    assert [(f.line, f.message) for f in said] == [
        (line, f"the suppression comment names no rule: {s!r} (see `cardfix rules`); it silences nothing")
        for s in ("CF99", "nope")]  # (CF99 twice in one comment: once)
    assert not any(f.code in ("CF101", "CF401") for f in repair(card, select=every).findings)  # known: silence
    assert not any(f.code == "CF407" for f in repair(card, select=every, ignore=["CF407"]).findings)
    assert [f.code for f in repair(card, select=["CF407"]).findings] == ["CF407", "CF407"]
    path = tmp_path / "README.md"
    path.write_text(card)
    (tmp_path / ".cardfix.toml").write_text('per-file-ignores = {"README.md" = ["CF407"]}\n')
    code, out, _ = invoke("check", "--select", "CF407", str(path))
    assert (code, out) == (0, b"")
    quiet = _sections_card(preamble="<!-- cardfix: ignore CF4, CF999 -->")  # (CF4 silences CF407 itself)
    assert not any(f.code == "CF407" for f in repair(quiet, select=every).findings)


def test_an_ignore_comment_without_codes_silences_every_rule_there() -> None:
    card = _sections_card(before_description="<!-- cardfix: ignore -->\n")
    assert "## Model description\n\nMore information needed\n" in repair(card).text


IGNORE = "<!-- cardfix: ignore -->"


@pytest.mark.parametrize("example", [f"Use `{IGNORE}` to silence every rule.\n",
                                     f"```md\n{IGNORE}\n```\n", f"~~~\n{IGNORE}\n~~~\n",
                                     f"For example:\n\n    {IGNORE}\n"],
                         ids=["code-span", "backtick-fence", "tilde-fence", "indented-code"])
def test_a_comment_in_code_is_an_example_not_a_directive(example: str) -> None:
    result = repair(_sections_card(preamble=example))
    assert "base_model: gpt2" in result.text and any(f.code == "CF101" for f in result.findings)
    before_description = example.replace(IGNORE, "<!-- cardfix: ignore CF401 -->") + "\n"
    assert "## Model description\n\nMore information needed\n" not in repair(
        _sections_card(before_description=before_description)).text


@pytest.mark.parametrize("body", [f"# m\n\n```\n{IGNORE}\n\nx\n", f"```\n{IGNORE}\n# m\n\nx\n",
                                  f"# m\n\nUse `a\nand {IGNORE}` there.\n\nx\n", f"# m\n\nUse ``a ` {IGNORE}``.\n\nx\n",
                                  f"# m\n\n- item\n\n      {IGNORE}\n\n  x\n",
                                  # a shorter run of backticks does not close a longer fence (CommonMark)
                                  f"Usage:\n\n````md\n```\n{IGNORE}\n```\n````\n# m\n\nx\n"],
                         ids=["fence-never-closed", "fence-never-closed-before-heading", "span-over-two-lines",
                              "double-backtick-span", "indented-code-in-list-item", "fence-in-a-longer-fence"])
def test_no_directive_in_code(body: str) -> None:
    assert not read_suppressions(parse_text(body))


@pytest.mark.parametrize("body", [f"# m\n\n```\ncode\n```\n{IGNORE}\nx\n", f"# m\n\nSee `code`. {IGNORE}\nx\n",
                                  f"# m\n\nA \\` is no span {IGNORE} `\nx\n", f"# m\n\nUse `a\n\n{IGNORE}\nx`\n",
                                  f"# m\n\n- item\n\n    {IGNORE}\n    x\n"],
                         ids=["after-a-closed-fence", "after-a-code-span", "escaped-backtick",
                              "span-cut-by-a-blank-line", "in-a-list-item"])
def test_a_real_comment_near_code_is_a_directive(body: str) -> None:
    assert read_suppressions(parse_text(body)).blocks[0].selectors == ()


def test_a_real_comment_right_after_a_closed_fence_silences_the_next_block() -> None:
    comment = "<!-- cardfix: ignore CF401 -->\n"
    text = repair(_sections_card(before_description=f"```\n{comment}```\n{comment}")).text
    assert "## Model description\n\nMore information needed\n" in text
    assert "## Intended uses & limitations\n\nMore information needed" not in text


def test_per_file_ignores_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / ".cardfix.toml").write_text('[per-file-ignores]\n"legacy/*" = ["CF4"]\n')
    for folder in ("legacy/a", "new/b"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "README.md").write_text(_sections_card())
    code, out, _ = invoke("check", "-q", str(tmp_path))
    lines = out.decode().splitlines()
    assert code == 1
    assert any("new/b/README.md" in line and "CF401" in line for line in lines)
    assert not any("legacy/a/README.md" in line and "CF40" in line for line in lines)
    assert any("legacy/a/README.md" in line and "CF101" in line for line in lines)


@pytest.mark.parametrize(("config", "message"), [
    ('results-from = "best"', "key 'results-from' must be one of summary, final-row, not 'best'"),
    ('placeholders = "bogus"', "key 'placeholders' must be one of fill, remove, not 'bogus'"),
    ("jobs = 0", "key 'jobs' must be 1 or more, not 0"),
    ("jobs = -3", "key 'jobs' must be 1 or more, not -3"),
    ("max-size = 0", "key 'max-size' must be 1 or more, not 0"),
    ('[per-file-ignores]\n"a/*" = ["CF999"]', "per-file-ignores: unknown rule code or name 'CF999'"),
    # These two did not name the file (nor the key): "cardfix: unknown rule code or name 'CF999'".
    ('select = ["CF999"]', "select: unknown rule code or name 'CF999'"),
    ('ignore = ["CF1", "nope"]', "ignore: unknown rule code or name 'nope'"),
])
def test_the_configuration_is_validated_like_the_command_line(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / ".cardfix.toml").write_text(config + "\n")
    card = tmp_path / "README.md"
    card.write_text(_sections_card())
    code, out, err = invoke("check", str(card))
    assert (code, out) == (2, b"")
    assert err.startswith(f"cardfix: {tmp_path / '.cardfix.toml'}: ") and message in err
    assert err[-1] == "\n" and err.count("\n") == 1


def test_option_values_no_rule_can_use_are_usage_errors() -> None:
    for args, message in [(("--dataset", "a:b:c:d"), "cardfix: --dataset: 'a:b:c:d' is not type[:config[:split]]\n"),
                          (("--max-size", "0"), None), (("--max-size", "-5"), None), (("--jobs", "0"), None)]:
        code, out, err = invoke("check", *args, "-", stdin=_sections_card().encode())
        assert (code, out) == (2, b""), args
        assert message is None or err == message


def test_options_are_validated_in_the_api_too() -> None:
    from cardfix import Options

    with pytest.raises(ValueError, match="results-from: must be one of summary, final-row, not 'bogus'"):
        Options(results_from="bogus")
    with pytest.raises(ValueError, match="placeholders"):
        Options(placeholders="bogus")


def test_repair_many_takes_one_string_as_one_path() -> None:
    import cardfix

    results = list(cardfix.repair_many(str(ROOT / "examples")))
    assert len(results) == 4 and all(r.path and r.path.endswith("README.md") for r in results)


def test_unreadable_cards_appear_in_every_output_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad" / "README.md"
    bad.parent.mkdir()
    bad.write_text("---\nkey: [broken\n---\n")
    code, out, _ = invoke("check", "--format", "json", str(bad))
    assert code == 2 and json.loads(out)[0]["code"] == "CF000" and json.loads(out)[0]["severity"] == "error"
    code, out, _ = invoke("check", "--format", "github", str(bad))
    assert out.decode().startswith("::error file=") and "front matter is not valid YAML" in out.decode()
    code, out, _ = invoke("check", "--format", "sarif", str(bad))
    assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "CF000"
    code, out, _ = invoke("check", "--format", "junit", str(bad))
    assert b'failures="1"' in out and b"CF000" in out


def test_github_annotations_escape_the_path() -> None:
    from cardfix.formats import github_line

    row = {"path": "a,b:c/README.md", "code": "CF101", "name": "n", "message": "50%\nnext", "line": 3,
           "fixable": False, "severity": "warning"}
    assert github_line(row) == "::warning file=a%2Cb%3Ac/README.md,line=3,title=CF101 n::50%25%0Anext"


def test_sarif_and_junit_carry_every_finding(tmp_path: Path) -> None:
    card = ROOT / "golden" / "swapped-columns.in.md"
    _, text, _ = invoke("check", "--format", "json", str(card))
    rows = json.loads(text)
    _, sarif, _ = invoke("check", "--format", "sarif", str(card))
    results = json.loads(sarif)["runs"][0]["results"]
    assert [(r["ruleId"], r["message"]["text"]) for r in results] == [(r["code"], r["message"]) for r in rows]
    assert {r["level"] for r in results} <= {"error", "warning", "note"}
    _, junit, _ = invoke("check", "--format", "junit", str(card))
    assert junit.count(b"<failure ") == sum(1 for r in rows if r["fixable"] or r["severity"] == "error")


def test_statistics_count_by_rule(tmp_path: Path) -> None:
    _code, out, _ = invoke("check", "--statistics", *(str(p) for p in sorted((ROOT / "golden").glob("trust-*.in.md"))))
    lines = out.decode().splitlines()
    counts = [int(line.split()[0]) for line in lines]
    assert counts == sorted(counts, reverse=True) and any(" CF101 " in line for line in lines)
    # --format was ignored: the text table came out for json, sarif, github and junit alike.
    cards = [str(p) for p in sorted((ROOT / "golden").glob("trust-*.in.md"))]
    _code, out, _ = invoke("check", "--statistics", "--format", "json", *cards)
    counted = json.loads(out)
    assert [(c["count"], c["code"]) for c in counted] == [(int(line.split()[0]), line.split()[1]) for line in lines]
    assert [c["fixable"] for c in counted] == ["[*]" in line for line in lines]
    code, out, err = invoke("check", "--statistics", "--format", "sarif", *cards)
    assert (code, out, err) == (2, b"", "cardfix: --statistics prints counts by rule as text or JSON, not sarif\n")


def test_stdin_filename_names_the_card_and_report_dash_is_stdout() -> None:
    card = _sections_card().encode()
    _, out, _ = invoke("check", "--stdin-filename", "org/model/README.md", "-", stdin=card)
    assert out.decode().startswith("org/model/README.md:")
    _, out, _ = invoke("diff", "-q", "--report", "-", "-", stdin=card)
    reports = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert reports and reports[0]["path"] == "-" and reports[0]["changed"] is True


def test_short_help_and_exit_codes_in_the_help() -> None:
    code, out, _ = invoke("check", "-h")
    assert code == 0 and b"Exit codes: 0 nothing to change" in out and b"--select CODES" in out


def _tree(root: Path, folders: list[str]) -> None:
    for folder in folders:
        (root / folder).mkdir(parents=True)
        (root / folder / "README.md").write_text(_sections_card())


def _checked(*args: str) -> set[str]:
    _, out, _ = invoke("check", "-q", *args)
    return {line.split(":")[0] for line in out.decode().splitlines()}


def test_exclude_globs_match_paths_relative_to_the_configuration(tmp_path: Path) -> None:
    project = tmp_path / "archive" / "proj"  # an excluded name above the configuration must not matter
    _tree(project, ["x/drafts/d", "kept", "archive/old"])
    (project / ".cardfix.toml").write_text('exclude = ["*/drafts/*", "archive"]\n')
    assert _checked(str(project)) == {str(project / "kept" / "README.md")}


def test_a_file_named_on_the_command_line_is_processed_even_if_excluded_unless_forced(tmp_path: Path) -> None:
    _tree(tmp_path, ["drafts/a"])
    (tmp_path / ".cardfix.toml").write_text('exclude = ["drafts"]\n')
    card = str(tmp_path / "drafts" / "a" / "README.md")
    assert _checked(card) == {card}
    assert _checked("--force-exclude", card) == set()
    assert _checked(str(tmp_path)) == set()


def test_jobs_are_capped_by_the_cpus_and_the_cards(tmp_path: Path) -> None:
    import os

    from cardfix.api import Flags, settings_from

    assert settings_from([str(tmp_path)], Flags(jobs=10_000)).jobs == 4 * (os.cpu_count() or 1)
    _tree(tmp_path, ["a", "b"])
    code, _, err = invoke("check", "-q", "--jobs", "64", str(tmp_path))  # two cards: one process suffices
    assert code == 1 and "Traceback" not in err



COMMENTED_CARD = """<!-- This model card has been generated automatically according to the information \
the Trainer had access to. You
should probably proofread and complete it, then remove this comment. -->

# m

## Model description

Written.

## Intended uses & limitations

Written.

## Training and evaluation data

Written.
"""


@pytest.mark.parametrize("how", ["flag", "config"])
def test_unsafe_fixes_apply_only_when_asked_on_the_command_line_or_in_the_configuration(tmp_path: Path,
                                                                                         how: str) -> None:
    card = tmp_path / "README.md"
    card.write_text(COMMENTED_CARD)
    assert "generated automatically" in card.read_text()
    _, out, _ = invoke("check", "--select", "CF405", str(card))
    assert b"an unsafe fix: --unsafe-fixes applies it" in out
    invoke("apply", "--in-place", "-q", "--select", "CF405", str(card))
    assert "generated automatically" in card.read_text()  # reported, not applied
    if how == "config":
        (tmp_path / ".cardfix.toml").write_text("unsafe-fixes = true\n")
    invoke("apply", "--in-place", "-q", "--select", "CF405", *(["--unsafe-fixes"] * (how == "flag")), str(card))
    assert "generated automatically" not in card.read_text()


def test_a_rule_parameter_configured_for_another_generator_reaches_its_cards(tmp_path: Path) -> None:
    """CF406 `applies_to: [any]`: a configuration may name a generator its rule file does not (here PEFT)."""
    (tmp_path / ".cardfix.toml").write_text(
        '[rules.CF406]\nleftovers = [{generator = "peft", pattern = "(?P<name>\\\\{ADAPTER\\\\})", '
        'template = "this team\'s template leaves it"}]\n')
    card = tmp_path / "README.md"
    card.write_text("---\nlibrary_name: peft\n---\n# {ADAPTER}\n\n- PEFT 0.7.1\n")
    code, out, _ = invoke("check", "-q", "--select", "CF406", str(card))
    assert code == 0 and "CF406 template placeholder '{ADAPTER}' left unreplaced" in out.decode()


def test_check_text_is_the_check_result_without_its_texts() -> None:
    from dataclasses import replace

    from cardfix.api import check_text, settings
    from cardfix.core import repair as core_repair

    chosen = settings()
    for path in sorted((ROOT / "golden").glob("*.in.md")):
        text = path.read_bytes().decode("utf-8")
        expected = replace(core_repair(text, chosen, str(path), verify=False), text="", original="")
        assert check_text(text, chosen, str(path)) == expected
