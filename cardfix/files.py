"""The file side: which files a PATH names, reading a card (size limit, encoding), atomic writes.

Everything here does I/O and turns each failure into a one-line reason; the repair itself is `core`'s.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from cardfix.card import CardError, decode
from cardfix.core import Result, error, repair
from cardfix.settings import Settings

CARD_NAME = "README.md"
STDIN = "-"


@dataclass(frozen=True)
class Target:
    """A card to process, or a path that could not be used (`error` set)."""

    path: str
    error: str | None = None


def describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or exc.__class__.__name__
    return reason[0].lower() + reason[1:] if reason else "cannot read"


def repair_target(target: Target, settings: Settings, *, keep_text: bool = True) -> Result:
    """Read and repair one card; every failure is the result's one-line `error`, never an exception.
    Without `keep_text` (`check`), nothing is written, so the splices are not read back either."""
    if target.error is not None:
        return error(target.error, target.path)
    try:
        data = sys.stdin.buffer.read() if target.path == STDIN else _read(target.path, settings.max_bytes)
        text = decode(_within(data, settings.max_bytes))
    except OSError as exc:
        return error(describe_os_error(exc), target.path)
    except CardError as exc:
        return error(str(exc), target.path)
    result = repair(text, settings, target.path, verify=keep_text)
    return result if keep_text else replace(result, text="", original="")


def _read(path: str, max_bytes: int | None) -> bytes:
    if max_bytes is not None and os.stat(path).st_size > max_bytes:
        raise CardError(_too_big(os.stat(path).st_size, max_bytes))
    return Path(path).read_bytes()


def _within(data: bytes, max_bytes: int | None) -> bytes:
    if max_bytes is not None and len(data) > max_bytes:
        raise CardError(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    return f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (see --max-size)"


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


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[Target]:
    """Expand PATHs to their README.md files, lazily: memory does not grow with the number of cards.

    PATHs come in the order given; below a directory, cards come in sorted path order (hidden
    directories skipped, symlinked ones not followed). A card named twice comes once: a directory's
    walk leaves out the files and directories that are PATHs of their own.
    """
    paths = list(paths)
    patterns = tuple(exclude)
    kinds = {raw: _kind(raw) for raw in paths}
    named = {_key(raw) for raw, kind in kinds.items() if kind[0] in ("file", "dir")}
    done: set[str] = set()
    for raw in paths:
        kind, error = kinds[raw]
        key = raw if raw == STDIN else _key(raw)
        if key in done:
            continue
        done.add(key)
        if kind == "dir":
            targets: Iterable[Target] = _walk(raw, named - {key})
        else:
            targets = [Target(raw, error)]
        for target in targets:
            if target.error or not _excluded(target.path, patterns):
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
    return "other", "not a regular file"


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    pure = Path(path)
    return any(pure.match(p) or any(part == p.strip("/") for part in pure.parts) for p in patterns)


def _walk(top: str, skip: set[str]) -> Iterator[Target]:
    """README.md files below `top` in sorted path order (a directory's entries are sorted as the paths
    they start: `name/`), leaving out the paths in `skip`; errors in place. Depth-first with one sorted
    listing per open directory: memory follows the tree's depth and width, not its number of cards."""
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
            if kind == "file":
                yield Target(path)
            continue  # "named", or a directory that is a PATH of its own: processed in its turn
        try:
            children = _listing(path, skip)
        except OSError as exc:
            found = True
            yield Target(path, describe_os_error(exc))
            continue
        stack.append(iter(children))
    if not found:
        yield Target(top, f"no {CARD_NAME} found in this directory")


def _listing(folder: str, skip: set[str]) -> list[tuple[str, str]]:
    """The directory's README.md ("file", or "named" when it is a PATH of its own) and subdirectories
    ("dir"), in the order their paths sort."""
    entries: list[tuple[str, str, str]] = []
    with os.scandir(folder) as scan:
        for entry in scan:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.name.startswith(".") and not entry.is_symlink():
                    entries.append((entry.name + "/", os.path.join(folder, entry.name), "dir"))
            elif entry.name == CARD_NAME:
                path = os.path.join(folder, entry.name)
                entries.append((entry.name, path, "named" if skip and _key(path) in skip else "file"))
    entries.sort()
    return [(path, kind) for _, path, kind in entries]


def write_atomic(path: str, data: bytes) -> None:
    """Write via a temporary file in the same directory and `os.replace`, keeping the file's mode."""
    target = Path(path)
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".cardfix", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
