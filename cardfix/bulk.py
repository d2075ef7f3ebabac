"""Many cards: ordered, streaming, optionally parallel; each worker reads its own files."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from cardfix.api import Result, read_and_repair, repair_bytes
from cardfix.facts import Options
from cardfix.files import STDIN, Target
from cardfix.rules import Rule

CHUNK = 64


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


def _one(target: Target) -> Result:
    assert _JOB is not None
    return _process(target, _JOB)


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
    """Results in the order of `targets`, whatever `jobs` is; memory stays flat (imap streams)."""
    targets = list(targets)
    local = {t for t in targets if t.path == STDIN or t.error is not None}
    # Workers are forked so they share the loaded rules; without fork (Windows) the run is sequential.
    if jobs <= 1 or len(targets) - len(local) < 2 * CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        for target in targets:
            yield _process(target, job)
        return
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_init, initargs=(job,)) as pool:
        remote = iter(pool.imap(_one, [t for t in targets if t not in local], chunksize=CHUNK))
        for target in targets:
            yield _process(target, job) if target in local else next(remote)
