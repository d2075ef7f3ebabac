"""File-system side: which files a PATH names, and atomic writes that keep the mode."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cardfix.api import describe_os_error

CARD_NAME = "README.md"
STDIN = "-"


@dataclass(frozen=True)
class Target:
    """A card to process, or a path that could not be used (`error` set)."""

    path: str
    error: str | None = None


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[Target]:
    """Expand directories to their README.md files (hidden directories skipped), sorted and deduplicated."""
    found: dict[str, Target] = {}
    patterns = tuple(exclude)
    for raw in paths:
        for target in _expand(raw):
            if target.error or not _excluded(target.path, patterns):
                found.setdefault(target.path, target)
    return sorted(found.values(), key=lambda t: (t.path != STDIN, t.path))


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    pure = Path(path)
    return any(pure.match(p) or any(part == p.strip("/") for part in pure.parts) for p in patterns)


def _expand(raw: str) -> Iterator[Target]:
    if raw == STDIN:
        yield Target(STDIN)
        return
    try:
        mode = os.stat(raw).st_mode
    except OSError as exc:
        yield Target(raw, describe_os_error(exc))
        return
    if stat.S_ISDIR(mode):
        cards = list(_walk(raw))
        yield from cards or [Target(raw, f"no {CARD_NAME} found in this directory")]
    elif stat.S_ISREG(mode):
        yield Target(raw)
    else:
        yield Target(raw, "not a regular file")


def _walk(top: str) -> Iterator[Target]:
    def on_error(exc: OSError) -> None:
        errors.append(Target(str(exc.filename or top), describe_os_error(exc)))

    errors: list[Target] = []
    for folder, dirs, files in os.walk(top, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if CARD_NAME in files:
            yield Target(os.path.join(folder, CARD_NAME))
    yield from errors


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
