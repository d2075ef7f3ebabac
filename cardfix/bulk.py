"""Many cards: ordered, streaming, optionally parallel; each worker reads its own files."""

from __future__ import annotations

import itertools
import multiprocessing
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool

from cardfix.core import Result
from cardfix.files import STDIN, Target, repair_target
from cardfix.settings import Settings

CHUNK = 64  # cards a worker takes at a time
IN_FLIGHT = 4  # chunks per worker handed out ahead of the results: enough to keep every worker busy
END_WITHIN = 5.0  # seconds to wait for the pool to end (it takes milliseconds unless stuck, see `_end`)


# A worker process's settings, given once when the pool forks it (not sent with every chunk).
_WORKER: tuple[Settings, bool] | None = None


def _start_worker(settings: Settings, keep_text: bool) -> None:
    global _WORKER
    _WORKER = (settings, keep_text)
    # The parent alone answers Ctrl-C and SIGTERM: it ends the pool (pool.terminate sends SIGTERM), and a
    # worker then just dies, instead of raising inside the pool's machinery (a traceback, a broken pipe).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _chunk(targets: list[Target]) -> list[Result | None]:
    """A worker's share: every card but stdin (None), which only the parent may read."""
    assert _WORKER is not None, "started by _start_worker"
    settings, keep_text = _WORKER
    return [None if t.path == STDIN else repair_target(t, settings, keep_text=keep_text) for t in targets]


def process(targets: Iterable[Target], settings: Settings, *, keep_text: bool = True) -> Iterator[Result]:
    """Results in the order of `targets`, whatever `settings.jobs` is. Streaming: `targets` is read only a
    few chunks ahead of the results handed out, so memory does not grow with the number of cards."""
    targets = iter(targets)
    head = list(itertools.islice(targets, max(2, settings.jobs) * CHUNK))
    jobs = min(settings.jobs, -(-len(head) // CHUNK))  # no more workers than chunks to hand out
    # Workers are forked so they share the loaded rules; without fork (Windows) the run is sequential.
    if jobs <= 1 or len(head) < 2 * CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        for target in itertools.chain(head, targets):
            yield repair_target(target, settings, keep_text=keep_text)
        return
    chunks = _batched(itertools.chain(head, targets), CHUNK)
    context = multiprocessing.get_context("fork")
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(settings, keep_text))
    try:
        pending: deque[tuple[list[Target], AsyncResult[list[Result | None]]]] = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_chunk, (chunk,))))
            if len(pending) >= IN_FLIGHT * jobs:
                yield from _collect(*pending.popleft(), settings, keep_text)
        while pending:
            yield from _collect(*pending.popleft(), settings, keep_text)
    finally:
        _end(pool)


def _end(pool: Pool) -> None:
    """`pool.terminate()`, waited for only so long: the standard library's can wait forever when it kills a
    worker in the middle of sending a result (its result thread then waits for the rest of the message;
    SIGTERM or Ctrl-C while cards are being written). The workers are gone by then; the stuck thread is a
    daemon and goes with the process."""
    ending = threading.Thread(target=pool.terminate, name="cardfix-end-pool", daemon=True)
    ending.start()
    ending.join(END_WITHIN)


def _collect(chunk: list[Target], results: AsyncResult[list[Result | None]], settings: Settings,
             keep_text: bool) -> Iterator[Result]:
    for target, result in zip(chunk, results.get()):
        yield repair_target(target, settings, keep_text=keep_text) if result is None else result


def _batched(items: Iterator[Target], size: int) -> Iterator[list[Target]]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk
