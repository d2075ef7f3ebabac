"""In-place writes damage nothing (issue 16): links, owners, hard links, read-only directories, signals,
files that are not regular files."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardfix import files
from cardfix.files import Target, discover
from tests.clirun import invoke
from tests.conftest import ROOT

CARD = (
    "---\nlicense: mit\ntags:\n- generated_from_trainer\n---\n\n# m\n\n"
    "This model is a fine-tuned version of [bert-base-uncased](https://huggingface.co/bert-base-uncased)"
    " on an unknown dataset.\n"
)
FIXED = "base_model: bert-base-uncased"
TIMEOUT = 120  # seconds: a run that hangs fails instead of hanging the suite


def _fix(*paths: Path) -> tuple[int, str]:
    code, _, err = invoke("apply", "--in-place", "--select", "CF101", *map(str, paths))
    return code, err


def _leftovers(root: Path) -> list[Path]:
    return sorted(root.rglob("*.cardfix"))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cardfix", *args]


# 1. A symlinked card (Hub cache snapshots link to blobs) is written through; the link stays a link.

@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A Hub-cache-like layout: snapshots/rev/README.md -> ../../blobs/abc (a relative link)."""
    blob = tmp_path / "blobs" / "abc"
    blob.parent.mkdir()
    blob.write_text(CARD)
    link = tmp_path / "snapshots" / "rev" / "README.md"
    link.parent.mkdir(parents=True)
    link.symlink_to(Path("..", "..", "blobs", "abc"))
    return link


def test_a_symlinked_card_is_written_through_and_stays_a_link(snapshot: Path) -> None:
    before = os.readlink(snapshot)
    code, err = _fix(snapshot)
    assert code == 1 and f"fixed {snapshot}" in err
    assert snapshot.is_symlink() and os.readlink(snapshot) == before
    assert FIXED in (snapshot.parent.parent.parent / "blobs" / "abc").read_text()
    assert _leftovers(snapshot.parent.parent.parent) == []


def test_a_symlink_chain_is_written_through_to_its_end(snapshot: Path) -> None:
    first = snapshot.parent / "first.md"
    first.symlink_to(snapshot.name)  # first.md -> README.md -> ../../blobs/abc
    code, _ = _fix(first)
    assert code == 1
    assert first.is_symlink() and snapshot.is_symlink()
    assert FIXED in snapshot.resolve().read_text()


def test_a_symlinked_card_found_by_walking_is_written_through(snapshot: Path) -> None:
    code, _ = _fix(snapshot.parent.parent)
    assert code == 1
    assert snapshot.is_symlink() and FIXED in snapshot.read_text()


# 2. Owner, group, mode and hard links are kept.

AS_ROOT = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")


@AS_ROOT
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text(CARD)
    os.chown(card, 1234, 5678)
    card.chmod(0o640)
    assert _fix(card)[0] == 1
    info = card.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (1234, 5678, 0o640)
    assert FIXED in card.read_text()


@AS_ROOT
def test_an_owner_that_cannot_be_kept_by_replacing_is_kept_by_writing_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chown refused (a user editing someone else's card): writing into the same inode keeps its owner."""
    card = tmp_path / "README.md"
    card.write_text(CARD)
    os.chown(card, 1234, 5678)
    inode = card.stat().st_ino

    def refuse(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", refuse)
    assert _fix(card)[0] == 1
    assert card.stat().st_ino == inode and FIXED in card.read_text()
    assert (card.stat().st_uid, card.stat().st_gid) == (1234, 5678)
    assert _leftovers(tmp_path) == []


def test_hard_links_keep_sharing_one_inode(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "README.md", tmp_path / "b" / "README.md"
    one.parent.mkdir()
    two.parent.mkdir()
    one.write_text(CARD)
    os.link(one, two)
    assert _fix(one)[0] == 1
    assert one.stat().st_ino == two.stat().st_ino and one.stat().st_nlink == 2
    assert FIXED in one.read_text() and two.read_text() == one.read_text()
    assert _leftovers(tmp_path) == []


def test_a_failed_write_into_a_hard_link_puts_the_old_content_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = tmp_path / "README.md", tmp_path / "other.md"
    one.write_text(CARD)
    os.link(one, two)
    pwrite = os.pwrite
    calls: list[bytes] = []

    def full_disk_at_first(fd: int, data: bytes, offset: int) -> int:
        calls.append(bytes(data))
        if len(calls) == 1:
            pwrite(fd, data[: len(data) // 2], offset)  # the disk filled half-way through the new card
            raise OSError(28, "No space left on device")
        return pwrite(fd, data, offset)

    monkeypatch.setattr(files.os, "pwrite", full_disk_at_first)
    code, err = _fix(one)
    assert code == 2 and f"{one}: cannot write: no space left on device" in err
    assert "1 card: 0 changed, 0 unchanged, 1 error" in err  # (it said 1 changed, though nothing was written)
    assert one.read_text() == CARD == two.read_text()
    assert _leftovers(tmp_path) == []


# 3. A read-only directory is named as the reason.

DIRECTORY = "cannot write: the directory is not writable (cardfix writes a temporary file beside the card)"


def test_a_directory_that_refuses_the_temporary_file_is_named(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    card = tmp_path / "README.md"
    card.write_text(CARD)

    def refuse(*_: object, **__: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, err = _fix(card)
    assert code == 2 and f"{card}: {DIRECTORY}\n" in err
    assert card.read_text() == CARD


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory_is_named(tmp_path: Path) -> None:
    card = tmp_path / "m" / "README.md"
    card.parent.mkdir()
    card.write_text(CARD)
    card.parent.chmod(0o555)
    try:
        code, err = _fix(card)
    finally:
        card.parent.chmod(0o755)
    assert code == 2 and f"{card}: {DIRECTORY}\n" in err


# 4. SIGTERM cleans up and exits 143 quietly; what SIGKILL leaves is ignored by the next run.

CARDS = 300


@pytest.fixture
def many(tmp_path: Path) -> Path:
    source = ROOT / "golden" / "trainer-crlf.in.md"
    for i in range(CARDS):
        repo = tmp_path / f"org{i % 4}" / f"model-{i:03d}"
        repo.mkdir(parents=True)
        shutil.copy(source, repo / "README.md")
    return tmp_path


def _signal_once_writing(root: Path, signum: int) -> subprocess.CompletedProcess[str]:
    """Start `apply --in-place --jobs 2` over `root`, send `signum` once the first card is written."""
    with subprocess.Popen(_cli("apply", "--in-place", "--jobs", "2", str(root)), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert first.startswith("fixed "), first
        proc.send_signal(signum)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            _end_group(proc.pid)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, first + err)


def _end_group(pid: int) -> None:
    """Whatever the run left behind (workers of a killed parent) is ended with it: its own session."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def test_sigterm_removes_temporary_files_and_exits_143_quietly(many: Path) -> None:
    run = _signal_once_writing(many, signal.SIGTERM)
    assert run.returncode == 143, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "Error" not in run.stderr, run.stderr[-2000:]
    assert _leftovers(many) == []
    assert 0 < run.stderr.count("fixed ") < CARDS  # stopped part-way, as the test means


def test_a_signal_during_a_write_ends_the_run_only_once_the_card_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic: SIGTERM lands between the temporary file and the rename (where a `finally` alone
    could leave the file behind, had it landed inside mkstemp)."""
    card = tmp_path / "README.md"
    card.write_text(CARD)
    rename = os.replace

    def signalled(src: str, dst: str) -> None:
        files._on_signal(signal.SIGTERM, None)
        rename(src, dst)

    monkeypatch.setattr(os, "replace", signalled)
    with pytest.raises(files.Terminated) as exit_:
        files.write_atomic(str(card), b"new card\n")
    assert exit_.value.code == 143
    assert card.read_bytes() == b"new card\n" and _leftovers(tmp_path) == []
    assert not files._Signals.writing and files._Signals.pending is None


def test_a_run_after_sigkill_ignores_leftover_temporaries(many: Path) -> None:
    _signal_once_writing(many, signal.SIGKILL)
    # what a kill during a write leaves, planted so the test does not depend on the moment it landed
    stale = many / "org0" / "model-000" / ".README.md.x1y2z3.cardfix"
    stale.write_bytes((ROOT / "golden" / "trainer-crlf.in.md").read_bytes())
    assert all(not t.path.endswith(".cardfix") for t in discover([str(many)]))
    again = subprocess.run(_cli("apply", "--in-place", "--jobs", "2", str(many)), capture_output=True, text=True,
                           timeout=TIMEOUT)
    assert again.returncode in (0, 1) and ".cardfix" not in again.stderr
    assert f"{CARDS} cards" in again.stderr
    check = subprocess.run(_cli("check", "-q", str(many)), capture_output=True, text=True, timeout=TIMEOUT)
    assert check.returncode == 0 and check.stderr == ""  # every card is fixed now
    assert stale.exists()  # not ours to judge: it may be the last copy of something


# 5. A FIFO (or any file that is not a regular file) named README.md is refused, never opened.

@pytest.fixture
def fifo_tree(tmp_path: Path) -> Iterator[Path]:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "README.md").write_text(CARD)
    (tmp_path / "b").mkdir()
    os.mkfifo(tmp_path / "b" / "README.md")
    yield tmp_path


def test_a_fifo_found_by_walking_is_refused_without_hanging(fifo_tree: Path) -> None:
    fifo = fifo_tree / "b" / "README.md"
    run = subprocess.run(_cli("check", "--select", "CF101", str(fifo_tree)), capture_output=True, text=True,
                         timeout=TIMEOUT)
    assert run.returncode == 2
    assert f"{fifo}: not a regular file\n" in run.stderr
    assert "CF101" in run.stdout  # the other card is still checked


def test_discovery_marks_a_fifo_without_opening_it(fifo_tree: Path) -> None:
    fifo = str(fifo_tree / "b" / "README.md")
    assert Target(fifo, "not a regular file") in list(discover([str(fifo_tree)]))
    assert list(discover([str(fifo_tree), fifo])).count(Target(fifo, "not a regular file")) == 1


def test_reading_a_card_that_became_a_fifo_does_not_block(fifo_tree: Path) -> None:
    """Between discovery and reading, a file may be replaced: the read itself refuses a FIFO too."""
    code = ("from cardfix.files import Target, repair_target; from cardfix.settings import Settings;"
            f"print(repair_target(Target({str(fifo_tree / 'b' / 'README.md')!r}), Settings(())).error)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert run.stdout == "not a regular file\n", run.stderr
