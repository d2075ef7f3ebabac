"""Many cards: ordered, streaming, optionally parallel; each worker reads its own files."""

from __future__ import annotations

import itertools
import multiprocessing
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.pool import AsyncResult
from pathlib import Path

from cardfix.api import Result, read_and_repair, repair_bytes
from cardfix.files import STDIN, Target
from cardfix.rules import Rule
from cardfix.settings import Options

CHUNK = 64  # cards a worker takes at a time
IN_FLIGHT = 4  # chunks per worker handed out ahead of the results: enough to keep every worker busy


@dataclass(frozen=True)
class Job:
    rules: tuple[Rule, ...]
    options: Options
    max_bytes: int | None
    keep_text: bool  # `check` needs no text back from the workers


_JOB: Job | None = None


def _init(job: Job) -> None:
    global _JOB
    _JOB = job


def _chunk(targets: list[Target]) -> list[Result | None]:
    """A worker's share: every card but stdin (None), which only the parent may read."""
    assert _JOB is not None
    return [None if t.path == STDIN else _process(t, _JOB) for t in targets]


def _process(target: Target, job: Job) -> Result:
    if target.error is not None:
        return Result("", False, (), target.error, "", target.path)
    if target.path == STDIN:
        result = repair_bytes(sys.stdin.buffer.read(), job.rules, job.options, path=STDIN, max_bytes=job.max_bytes,
                              verify=job.keep_text)
    else:
        result = read_and_repair(Path(target.path), job.rules, job.options, job.max_bytes, verify=job.keep_text)
    if not job.keep_text:
        result = replace(result, text="", original="")
    return result


def process(targets: Iterable[Target], job: Job, jobs: int = 1) -> Iterator[Result]:
    """Results in the order of `targets`, whatever `jobs` is. Streaming: `targets` is read only a few
    chunks ahead of the results handed out, so memory does not grow with the number of cards."""
    targets = iter(targets)
    head = list(itertools.islice(targets, 2 * CHUNK))
    # Workers are forked so they share the loaded rules; without fork (Windows) the run is sequential.
    if jobs <= 1 or len(head) < 2 * CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        for target in itertools.chain(head, targets):
            yield _process(target, job)
        return
    chunks = _batched(itertools.chain(head, targets), CHUNK)
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_init, initargs=(job,)) as pool:
        pending: deque[tuple[list[Target], AsyncResult[list[Result | None]]]] = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_chunk, (chunk,))))
            if len(pending) >= IN_FLIGHT * jobs:
                yield from _collect(*pending.popleft(), job)
        while pending:
            yield from _collect(*pending.popleft(), job)


def _collect(chunk: list[Target], results: AsyncResult[list[Result | None]], job: Job) -> Iterator[Result]:
    for target, result in zip(chunk, results.get()):
        yield _process(target, job) if result is None else result


def _batched(items: Iterator[Target], size: int) -> Iterator[list[Target]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk
