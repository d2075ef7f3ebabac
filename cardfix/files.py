"""The file side: which files a PATH names, reading a card (size limit, encoding), atomic writes.

Everything here does I/O and turns each failure into a one-line reason; the repair itself is `core`'s.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from cardfix.card import CardError, card_text, too_big
from cardfix.config import NOT_REGULAR, describe_os_error
from cardfix.core import Result, error, repair
from cardfix.settings import Settings, path_matches, relative_to

CARD_NAME = "README.md"
PARQUET = ".parquet"  # a dump's file
STDIN = "-"
EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report it


@dataclass(frozen=True)
class Target:
    """A card to process, or a path that could not be used (`error` set)."""

    path: str
    error: str | None = None
    dump: str | None = None  # a parquet file of a dump (discover(dumps=True)): the PATH given, whose rows it holds


def repair_target(target: Target, settings: Settings, *, keep_text: bool = True) -> Result:
    """Read and repair one card; every failure is the result's one-line `error`, never an exception.
    Without `keep_text` (`check`), nothing is written, so the splices are not read back either."""
    if target.error is not None:
        return error(target.error, target.path)
    try:
        if target.path == STDIN and sys.stdin is None:  # started with its standard input closed (`<&-`)
            return error("standard input is closed", target.path)
        data = sys.stdin.buffer.read() if target.path == STDIN else _read(target.path, settings.max_bytes)
        text = card_text(data, settings.max_bytes)
    except OSError as exc:
        return error(describe_os_error(exc), target.path)
    except CardError as exc:
        return error(str(exc), target.path)
    result = repair(text, settings, target.path, verify=keep_text)
    return result if keep_text else replace(result, text="", original="")


def _read(path: str, max_bytes: int | None) -> bytes:
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):  # a card that became a FIFO since discovery: opening it would block
        raise CardError(NOT_REGULAR)
    if max_bytes is not None and info.st_size > max_bytes:
        raise CardError(too_big(info.st_size, max_bytes))
    return Path(path).read_bytes()


def write_in_place(result: Result) -> Result:
    """Rewrite a changed card's file atomically; a failed write becomes the result's error."""
    if not (result.ok and result.changed and result.path) or result.path == STDIN:
        return result
    try:
        write_atomic(result.path, result.text.encode("utf-8"))
    except OSError as exc:
        return Result(result.original, False, result.findings, f"cannot write: {describe_os_error(exc)}",
                      result.original, result.path)
    return result


def discover(paths: Iterable[str], exclude: Iterable[str] = (), root: str | None = None,
             force_exclude: bool = False, dumps: bool = False, cards: bool = True) -> Iterator[Target]:
    """Expand PATHs to their README.md files, lazily: memory does not grow with the number of cards.

    PATHs come in the order given; below a directory, cards come in sorted path order (hidden
    directories skipped, symlinked ones not followed). A card named twice comes once: a directory's
    walk leaves out the files and directories that are PATHs of their own. `exclude` patterns match
    paths relative to `root` (the configuration's folder); a file named as a PATH is processed even if
    they match, unless `force_exclude` (as ruff does). With `dumps`, parquet files are found too: a PATH
    ending in `.parquet`, and the `*.parquet` files directly in a directory given (a folder of a dump's
    files), each a Target whose `dump` is that PATH, under the same rules. Without `cards` (dumps only), a
    directory's README.md files are not looked for: only its own listing is read.
    """
    paths = list(paths)
    patterns = tuple(exclude)
    kinds = {raw: _kind(raw) for raw in paths}
    named = {_key(raw) for raw, kind in kinds.items() if kind[0] in ("file", "dir", "other")}
    done: set[str] = set()
    for raw in paths:
        kind, error = kinds[raw]
        key = raw if raw == STDIN else _key(raw)
        if key in done:
            continue
        done.add(key)
        if kind == "dir":
            targets: Iterable[Target] = _walk(raw, named - {key}, dumps, cards)
        else:
            targets = [Target(raw, error, raw if dumps and raw.endswith(PARQUET) and raw != STDIN else None)]
        checked = kind == "dir" or force_exclude
        for target in targets:
            if target.error or not checked or not _excluded(target.path, patterns, root):
                yield target


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _kind(raw: str) -> tuple[str, str | None]:
    if raw == STDIN:
        return "stdin", None
    try:
        mode = os.stat(raw).st_mode
    except OSError as exc:
        return "missing", describe_os_error(exc)
    if stat.S_ISDIR(mode):
        return "dir", None
    if stat.S_ISREG(mode):
        return "file", None
    return "other", NOT_REGULAR


def _excluded(path: str, patterns: tuple[str, ...], root: str | None) -> bool:
    if not patterns:
        return False
    relative = relative_to(path, root)
    return any(path_matches(relative, pattern) for pattern in patterns)


def _walk(top: str, skip: set[str], dumps: bool = False, cards: bool = True) -> Iterator[Target]:
    """README.md files below `top` in sorted path order (a directory's entries are sorted as the paths
    they start: `name/`), leaving out the paths in `skip`; errors in place. Depth-first with one sorted
    listing per open directory: memory follows the tree's depth and width, not its number of cards.
    With `dumps`, also the parquet files directly in `top` (Targets whose `dump` is `top`)."""
    found = False
    stack = [iter([(top, "dir")])]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path, kind = entry
        if kind != "dir" or (skip and path != top and _key(path) in skip):
            found = True
            if kind in ("file", "other"):
                yield Target(path, NOT_REGULAR if kind == "other" else None)
            elif kind == "dump":
                yield Target(path, None, top)
            continue  # "named", or a directory that is a PATH of its own: processed in its turn
        try:
            children = _listing(path, skip, dumps and path == top, cards)
        except OSError as exc:
            found = True
            yield Target(path, describe_os_error(exc))
            continue
        stack.append(iter(children))
    if not found:
        yield Target(top, f"no {CARD_NAME} found in this directory" if cards else "no parquet file in this directory")


def _listing(folder: str, skip: set[str], parquet: bool = False, cards: bool = True) -> list[tuple[str, str]]:
    """The directory's README.md ("file", "other" when it is not a regular file, or "named" when it is a
    PATH of its own) and subdirectories ("dir"), in the order their paths sort; with `parquet`, its
    `*.parquet` files too ("dump", or "named"), as a dump's folder is read (not hidden ones); without
    `cards`, only those."""
    entries: list[tuple[str, str, str]] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if cards and not entry.name.startswith(".") and not entry.is_symlink():
                    entries.append((entry.name + "/", os.path.join(folder, entry.name), "dir"))
            elif entry.name == CARD_NAME and cards:
                path = os.path.join(folder, entry.name)
                entries.append((entry.name, path, "named" if skip and _key(path) in skip else _card_kind(entry)))
            elif parquet and entry.name.endswith(PARQUET) and not entry.name.startswith("."):
                path = os.path.join(folder, entry.name)
                kind = _card_kind(entry)  # (a FIFO is never opened: it would block the run)
                entries.append((entry.name, path, "named" if skip and _key(path) in skip else
                                "dump" if kind == "file" else kind))
    entries.sort()
    return [(path, kind) for _, path, kind in entries]


def _card_kind(entry: os.DirEntry[str]) -> str:
    """"file" for a regular file or a link to one (Hub cache snapshots link to blobs); "other" for a FIFO,
    socket or device, which is never opened (a FIFO would block the run until something writes to it).
    A link that leads nowhere stays "file": reading it then says why (missing, a loop)."""
    try:
        return "file" if stat.S_ISREG(entry.stat().st_mode) else "other"
    except OSError:
        return "file"


class Terminated(SystemExit):
    """SIGTERM, as an exit: `finally` blocks run (the pool's workers are ended) and nothing that catches
    `Exception` swallows it."""

    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)


class _Signals:
    """Whether a card is being written, and the exit a signal asked for meanwhile (see `_whole`)."""

    writing = False
    pending: type[BaseException] | None = None


def exit_on_signals() -> None:
    """SIGTERM (`kill`, `timeout`, a cancelled CI job) ends the run as `Terminated`, Ctrl-C as
    KeyboardInterrupt, as usual, but never in the middle of writing a card."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def _on_signal(signum: int, frame: object) -> None:
    exit_as = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    if _Signals.writing:
        _Signals.pending = exit_as
        return
    raise exit_as


@contextmanager
def _whole() -> Iterator[None]:
    """A write, once begun, finishes or is undone before a signal ends the run. `finally` alone cannot
    promise that: the exit could land after a temporary file is made but before its name is known."""
    _Signals.writing = True
    try:
        yield
    finally:
        _Signals.writing = False
        exit_as, _Signals.pending = _Signals.pending, None
        if exit_as is not None:
            raise exit_as


def write_atomic(path: str, data: bytes) -> None:
    """Rewrite a card without damaging anything around it. A symlink is written through to its target and
    stays a link (Hub cache snapshots are links to blobs); the file keeps its mode, owner and group, and
    its hard links. A reader sees the old card or the new one, except where only an in-place write keeps
    the file's links or owner (`_write_into`)."""
    with _whole():
        _write_safely(path, data)


def _write_safely(path: str, data: bytes) -> None:
    target = os.path.realpath(path, strict=True)
    info = os.stat(target)
    if info.st_nlink > 1:  # os.replace would give this name a new inode, splitting it from its other links
        _write_into(target, data, path)
        return
    try:
        _replace(target, data, info, path)
    except _OwnerNotKept:
        _write_into(target, data, path)  # the same inode keeps its owner


class _OwnerNotKept(Exception):
    """The temporary file cannot be given the card's owner or group (only root may give files away)."""


def _replace(target: str, data: bytes, info: os.stat_result, card: str) -> None:
    """Atomic: a temporary file beside `target` with its owner, group and mode, renamed over it."""
    tmp = _temporary_copy(target, data, card)
    try:
        _keep_owner(tmp, info)
        os.chmod(tmp, stat.S_IMODE(info.st_mode))  # after chown, which clears set-id bits
        os.replace(tmp, target)
    except BaseException:  # SIGTERM (an exit) included: no temporary file is left behind
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def output_file(path: str) -> Iterator[str]:
    """A temporary file beside `path` to write an output to (a parquet file, written as it streams); renamed
    over `path` when the block ends without an error, removed otherwise: the output appears whole or not at
    all. An existing file keeps its mode (and owner and group where that is allowed), and a symlink stays a
    link. OSError if the folder cannot be written."""
    target = os.path.realpath(path)
    existing = os.stat(target) if os.path.exists(target) else None
    if existing is not None and not stat.S_ISREG(existing.st_mode):  # a device would be replaced by a file
        raise OSError(errno.EINVAL, NOT_REGULAR)
    folder, name = os.path.split(target)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".cardfix", dir=folder)
        os.close(fd)
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        if existing is not None:
            with contextlib.suppress(_OwnerNotKept):
                _keep_owner(tmp, existing)
        os.chmod(tmp, stat.S_IMODE(existing.st_mode) if existing is not None else _new_file_mode())
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _new_file_mode() -> int:
    """The mode `open()` gives a new file (mkstemp's is 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _keep_owner(tmp: str, info: os.stat_result) -> None:
    """Without this the rename would hand the card to whoever ran cardfix (or to the directory's group)."""
    made = os.stat(tmp)
    if (made.st_uid, made.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.chown(tmp, info.st_uid, info.st_gid)
    except PermissionError as exc:
        raise _OwnerNotKept from exc


def _write_into(target: str, data: bytes, card: str) -> None:
    """Write into the card's own inode, which keeps its hard links and owner. That is not atomic, so the
    old content is first copied beside it: a failed write puts it back and removes the copy; only a crash
    mid-write leaves the copy (`.README.md.*.cardfix`) for a person to restore from."""
    fd = os.open(target, os.O_RDWR)
    try:
        old = Path(target).read_bytes()
        backup = _temporary_copy(target, old, card)
        try:
            _overwrite(fd, data)
        except BaseException:
            _overwrite(fd, old)  # should this fail too, the copy stays: the old content's last one
            os.unlink(backup)
            raise
        os.unlink(backup)
    finally:
        os.close(fd)


def _overwrite(fd: int, data: bytes) -> None:
    """The file's content made `data`, unbuffered: a write that fails (a full disk) leaves nothing pending
    that putting the old content back would write after it."""
    view = memoryview(data)
    done = 0
    while done < len(data):
        done += os.pwrite(fd, view[done:], done)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def _temporary_copy(target: str, data: bytes, card: str) -> str:
    """A new file holding `data`, on disk before anything relies on it, beside `target`: the same file
    system, so os.replace is atomic. Its hidden name never is README.md, so a walk never takes one that a
    killed run left for a card."""
    folder, name = os.path.split(target)
    tmp = None
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".cardfix", dir=folder)
        except PermissionError as exc:
            where = f"{folder} " if os.path.islink(card) else ""  # a link's target lives elsewhere: name it
            raise PermissionError(exc.errno, f"the directory {where}is not writable "
                                  "(cardfix writes a temporary file beside the card)") from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return tmp
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
