"""The command line as a user meets it: exit codes, streams, bad input, in-place writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import invoke
from tests.conftest import ROOT

CARD = (
    "---\nlicense: mit\ntags:\n- generated_from_trainer\n---\n\n# m\n\n"
    "This model is a fine-tuned version of [bert-base-uncased](https://huggingface.co/bert-base-uncased)"
    " on an unknown dataset.\n"
)
CLEAN = "---\nlicense: mit\n---\n# a card with nothing to fix\n"


@pytest.fixture
def card(tmp_path: Path) -> Path:
    path = tmp_path / "m" / "README.md"
    path.parent.mkdir()
    path.write_text(CARD)
    return path


def test_diff_prints_a_git_style_diff_and_exits_1(card: Path) -> None:
    code, out, err = invoke("diff", "--select", "CF101", str(card))
    assert code == 1
    text = out.decode()
    name = str(card).lstrip("/")  # an absolute path is written as git does: a/tmp/..., not a//tmp/...
    assert text.startswith(f"--- a/{name}\n+++ b/{name}\n@@ ")
    assert "+base_model: bert-base-uncased\n" in text
    assert "1 changed" in err and "CF101=1" in err
    assert card.read_text() == CARD


def test_clean_card_exits_0_with_no_output(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(CLEAN)
    assert invoke("diff", str(path))[:2] == (0, b"")
    assert invoke("check", str(path))[:2] == (0, b"")
    assert invoke("apply", "--in-place", str(path))[:2] == (0, b"")


def test_directory_means_every_readme_below_it_hidden_skipped(card: Path) -> None:
    hidden = card.parent.parent / ".git" / "README.md"
    hidden.parent.mkdir()
    hidden.write_text(CARD)
    (card.parent / "notes.md").write_text(CARD)
    code, out, _ = invoke("diff", "--select", "CF101", str(card.parent.parent))
    assert code == 1
    assert out.decode().count("+++ ") == 1


def test_apply_in_place_rewrites_atomically_and_keeps_mode(card: Path) -> None:
    card.chmod(0o640)
    code, out, err = invoke("apply", "--in-place", "--select", "CF101", str(card))
    assert (code, out) == (1, b"")
    assert f"fixed {card}" in err
    assert "base_model: bert-base-uncased" in card.read_text()
    assert oct(card.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in card.parent.iterdir()] == ["README.md"]
    assert invoke("apply", "--in-place", "--select", "CF101", str(card))[0] == 0


def test_apply_stdin_to_stdout_keeps_crlf_and_bom() -> None:
    data = ("\ufeff" + CARD).replace("\n", "\r\n").encode()
    code, out, _ = invoke("apply", "--select", "CF101", "-", stdin=data)
    assert code == 1
    assert out.startswith(b"\xef\xbb\xbf---\r\nlicense: mit\r\nbase_model: bert-base-uncased\r\n")
    assert b"\n" not in out.replace(b"\r\n", b"")


def test_check_json_and_github_formats(card: Path) -> None:
    code, out, _ = invoke("check", "--format", "json", "--select", "CF101", str(card))
    assert code == 1
    rows = json.loads(out)
    assert rows == [{"path": str(card), "code": "CF101", "name": "base-model-from-link",
                     "message": rows[0]["message"], "line": 9, "fixable": True, "severity": "warning"}]
    code, out, _ = invoke("check", "--format", "github", "--select", "CF101", str(card))
    assert out.decode().startswith(f"::warning file={card},line=9,title=CF101 base-model-from-link::")


@pytest.mark.parametrize("selector", ["CF999", "no-such-rule"])
def test_unknown_rule_is_a_usage_error(card: Path, selector: str) -> None:
    code, out, err = invoke("diff", "--select", selector, str(card))
    assert (code, out) == (2, b"")
    assert "unknown rule" in err and selector in err


def test_select_by_name_and_ignore(card: Path) -> None:
    assert invoke("diff", "--select", "base-model-from-link", str(card))[0] == 1
    assert invoke("diff", "--select", "CF101", "--ignore", "CF101", str(card))[:2] == (0, b"")


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    cases = {
        "missing": (tmp / "nope.md", "no such file"),
        "not-utf8": (tmp / "latin1.md", "not UTF-8"),
        "binary": (tmp / "bin.md", "binary"),
        "bad-yaml": (tmp / "yaml.md", "not valid YAML"),
        "not-mapping": (tmp / "list.md", "not a mapping"),
        "huge": (tmp / "huge.md", "over the"),
        "loop": (tmp / "loop.md", "symbolic links"),
        "empty-dir": (tmp / "empty", "no README.md"),
    }
    cases["not-utf8"][0].write_bytes(b"---\nlicense: caf\xe9\n---\n")
    cases["binary"][0].write_bytes(b"\x89PNG\x00\x00")
    cases["bad-yaml"][0].write_text(
        "---\nlicense: [mit\n---\nThis model is a fine-tuned version of [a](https://huggingface.co/a) on x.\n")
    cases["not-mapping"][0].write_text("---\n- a\n---\n")
    cases["huge"][0].write_text(CLEAN + "x" * 400)
    os.symlink(tmp / "loop.md", tmp / "loop.md")
    (tmp / "empty").mkdir()
    return cases


def test_bad_input_is_one_line_each_other_files_still_processed(tmp_path: Path, card: Path) -> None:
    cases = _bad_inputs(tmp_path)
    before = {p: p.read_bytes() for p, _ in cases.values() if p.is_file()}
    args = [str(p) for p, _ in cases.values()]
    code, _, err = invoke("apply", "--in-place", "--max-size", "300", *args, str(card))
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    for path, message in cases.values():
        assert any(line.startswith(f"{path}: ") and message in line for line in lines), (path, err)
    assert {p: p.read_bytes() for p in before} == before
    assert "base_model" in card.read_text()


def test_permission_denied_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "README.md"
    path.write_text(CARD)

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # root (as in CI) reads every file, so simulate it
    code, _, err = invoke("check", str(path))
    assert code == 2 and f"{path}: permission denied" in err


def test_python_m_cardfix_and_version_run_as_processes(card: Path) -> None:
    version = subprocess.run([sys.executable, "-m", "cardfix", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("cardfix ")
    proc = subprocess.run([sys.executable, "-m", "cardfix", "diff", str(card), str(card.parent / "gone.md")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "+base_model" in proc.stdout
    assert "Traceback" not in proc.stderr and f"{card.parent / 'gone.md'}: " in proc.stderr


def _cardfix(*args: str, **how: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cardfix", *args], stderr=subprocess.PIPE, text=True,
                          **how)  # type: ignore[call-overload]


# Outputs that cannot be written, and closed standard streams: each said "internal error", or gave a traceback.
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_full_disk_under_stdout_is_one_line(card: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = _cardfix("diff", str(card), stdout=full)
    assert (proc.returncode, proc.stderr) == (2, "cardfix: no space left on device\n")


def test_closed_standard_streams_are_one_line(card: Path) -> None:
    closed_out = _cardfix("diff", str(card), stdout=subprocess.PIPE, preexec_fn=lambda: os.close(1))
    assert (closed_out.returncode, closed_out.stderr) == (2, "cardfix: standard output is closed\n")
    closed_in = _cardfix("check", "-", stdout=subprocess.PIPE, preexec_fn=lambda: os.close(0))
    assert closed_in.returncode == 2 and closed_in.stderr.startswith("-: standard input is closed\n")


def test_a_chart_that_cannot_be_written_is_one_line_and_nothing_replaces_a_special_file(
        card: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.svg"
    os.mkfifo(fifo)
    for chart, reason in ((tmp_path / "gone" / "c.svg", "no such file or directory"), (fifo, "not a regular file")):
        code, _, err = invoke("stats", "--chart", str(chart), str(card))
        assert code == 2 and err.strip().splitlines()[-1] == f"cardfix: {chart}: cannot be written: {reason}"
    assert fifo.is_fifo() and not (tmp_path / "gone").exists() and not list(tmp_path.rglob(".*.cardfix"))


def test_rules_lists_codes_names_summaries() -> None:
    code, out, _ = invoke("rules")
    assert code == 0
    assert out.decode().startswith("CF101  base-model-from-link")


def test_rules_shows_the_section_templates() -> None:
    out = invoke("rules")[1].decode()
    assert "- `{model_name}` is a fine-tuned version of" in out
    assert "(no facts) The card does not describe this model." in out
    assert "{model_name}" not in invoke("rules", "--no-templates")[1].decode()


def test_check_json_streams_exactly_what_one_dump_would_print(tmp_path: Path) -> None:
    for i, text in enumerate([CARD, CLEAN, CARD.replace("bert-base-uncased", "roberta-base")]):
        (tmp_path / f"r{i}").mkdir()
        (tmp_path / f"r{i}" / "README.md").write_text(text)
    code, out, _ = invoke("check", "--format", "json", "--jobs", "1", str(tmp_path))
    rows = json.loads(out)
    assert code == 1 and len({row["path"] for row in rows}) == 2 and len(rows) > 2
    assert out.decode() == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    code, out, _ = invoke("check", "--format", "json", str(tmp_path / "r1"))
    assert (code, out) == (0, b"[]\n")


def test_a_closed_output_pipe_stops_quietly_with_141() -> None:
    cards = [str(p) for p in sorted((ROOT / "golden").glob("*.in.md"))] * 5  # far more than a pipe holds
    proc = subprocess.Popen([sys.executable, "-m", "cardfix", "apply", "-q", *cards], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in proc.stderr.read().decode()


@pytest.mark.parametrize(("args", "message"), [
    (["--task", "text classification"], "--task: 'text classification' is not a Hub task id"),
    # Any word in the form of an id was taken (and written into the model-index): a misspelt task, too.
    (["--task", "text-clasification"], "--task: 'text-clasification' is not a Hub task id (such as "
                                       "text-classification); did you mean text-classification?"),
    (["--task", "foo"], "--task: 'foo' is not a Hub task id (such as text-classification)\n"),
    (["--task", "a\nb"], "--task: must be one line of printable text, not 'a\\nb'"),
    (["--base-model", "not a/hub id!"], "--base-model: 'not a/hub id!' is not a Hub model id (org/name)"),
    (["--repo-id", "a//b"], "--repo-id: 'a//b' is not a Hub model id (org/name)"),
    (["--model-name", "a\nb"], "--model-name: must be one line of printable text"),
    (["--dataset", "x\ny"], "--dataset: must be one line of printable text"),
    (["--select", ""], "--select/--ignore: an empty value names no rule"),
])
def test_values_no_card_could_hold_are_refused(card: Path, args: list[str], message: str) -> None:
    # Each was written into the card as given (a task with a line break, a base_model that is no Hub id).
    before = card.read_bytes()
    code, out, err = invoke("apply", "--in-place", *args, str(card))
    assert (code, out) == (2, b"") and err.startswith(f"cardfix: {message}") and len(err.splitlines()) == 1
    assert card.read_bytes() == before


def test_every_task_the_rules_name_or_the_trainer_writes_is_a_hub_task_id() -> None:
    from cardfix.api import settings
    from cardfix.options import hub_task_ids

    fill = next(rule for rule in settings().rules if rule.code == "CF201")
    named = {*fill.params["task_names"], *(t for clue in fill.params["task_inference"].clues for t in clue.tasks)}
    assert named - {"{match}"} <= hub_task_ids()
    assert "text2text-generation" in hub_task_ids()  # (retired from the Hub's list; the Trainer writes it)


@pytest.mark.parametrize("layout", ["file", "card in a folder", "dump"])
def test_a_report_that_is_one_of_the_inputs_is_refused_and_the_input_kept(tmp_path: Path, layout: str) -> None:
    # `check --report v.md v.md` emptied the card to write the report, then read the report as the card.
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "cards"
    folder.mkdir()
    if layout == "dump":
        target = folder / "v.parquet"
        pq.write_table(pa.table({"modelId": ["org/a"], "card": [CARD]}), target)
    else:
        target = folder / ("README.md" if layout == "card in a folder" else "v.md")
        target.write_text(CARD)
    before = target.read_bytes()
    given = str(folder) if layout == "card in a folder" else str(target)
    code, out, err = invoke("check", "--report", str(tmp_path / "cards" / ".." / "cards" / target.name), given)
    assert (code, out) == (2, b"")
    assert err == f"cardfix: --report {tmp_path}/cards/../cards/{target.name} is one of the files this run reads " \
                  f"({target}); name another file\n"
    assert target.read_bytes() == before


@pytest.mark.parametrize("link", ["hard link", "symlinked card"])
def test_a_report_that_is_a_card_through_a_link_is_refused(tmp_path: Path, link: str) -> None:
    # Paths were compared, not files: a hard link, or a README.md linked out of its folder (as in Hugging Face
    # cache snapshots), let --report empty the card before it was read, and the run then exited 0.
    data = tmp_path / "data"
    data.mkdir()
    card = data / "card.md"
    card.write_text(CARD)
    if link == "hard link":
        report, given = tmp_path / "hard.md", str(card)
        os.link(card, report)
    else:
        folder = tmp_path / "cards"
        folder.mkdir()
        (folder / "README.md").symlink_to(card)
        report, given = card, str(folder)
    code, out, err = invoke("check", "--report", str(report), given)
    assert (code, out) == (2, b"") and "is one of the files this run reads" in err and card.read_text() == CARD


def test_a_folder_that_cannot_be_listed_is_one_error_and_the_other_cards_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Asking whether a folder held parquet files listed it outside the walk's error handling: a folder that
    # could not be listed stopped the whole run before the cards named before it were read.
    card = tmp_path / "README.md"
    card.write_text(CARD)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir, real_listdir = os.scandir, os.listdir

    def refused(real: Any) -> Any:
        def listing(path: Any = ".") -> Any:
            if os.path.realpath(path) == str(locked):
                raise PermissionError(13, "Permission denied", path)
            return real(path)
        return listing

    monkeypatch.setattr(os, "scandir", refused(real_scandir))
    monkeypatch.setattr(os, "listdir", refused(real_listdir))
    for command in ("apply", "check"):  # (apply asks first whether to print headers)
        code, out, err = invoke(command, str(card), str(locked))
        assert code == 2 and str(card).encode() in out
        assert err.splitlines()[0] == f"{locked}: permission denied" and err.count("\n") == 2  # then the summary


def test_apply_to_stdout_starts_each_header_on_a_line_of_its_own(tmp_path: Path) -> None:
    # After a card without a final newline, the next header was glued to its last line
    # ("# a==> b.md <=="), so the output could not be split back into its cards.
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text("---\nlicense: mit\n---\n# a")
    second.write_text(CLEAN)
    code, out, _ = invoke("apply", "-q", str(first), str(second))
    assert code == 0
    assert out.decode() == f"==> {first} <==\n---\nlicense: mit\n---\n# a\n==> {second} <==\n{CLEAN}"
