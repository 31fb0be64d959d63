"""The decoder's CPU parallelism: independent pieces of numpy work (bands of an image, chunks of tiles) on one thread
per core, each with a one-thread BLAS.

numpy releases the GIL inside its kernels, so threads over pieces use every core. BLAS's own threads split the
skinny products of one piece poorly (the post-filter of a 768x512 render on 2 cores: 0.36 s with BLAS's two
threads, 0.29 s with two blocks at a time), the two kinds of thread together oversubscribe the cores (0.46 s),
and after a multithreaded call BLAS's threads spin a while before they sleep, so work that follows one on our
threads competes with them (that filter right after a multithreaded product: 0.29-0.35 s against 0.27).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Threads for the pieces: the CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def one_blas_thread() -> AbstractContextManager:
    """BLAS on one thread inside the block: its threads neither split our pieces nor spin beside them."""
    return threadpool_limits(1, user_api="blas")


def ordered_map(fn: Callable[[T], R], items: Iterable[T], ahead: int | None = None) -> Iterator[R]:
    """``fn`` of every item on :func:`workers` threads under :func:`one_blas_thread`, results in the items'
    order (a piece's exception is raised where its result is due). At most ``ahead`` pieces (default: the
    threads) run or wait unread at once, so the memory of pieces in flight stays bounded."""
    items = list(items)
    n = min(workers(), len(items))
    with one_blas_thread():
        if n <= 1:
            yield from map(fn, items)
            return
        ahead = max(ahead or n, n)
        with ThreadPoolExecutor(n) as pool:
            pending = [pool.submit(fn, item) for item in items[:ahead]]
            try:
                for i in range(len(items)):
                    result = pending[i].result()
                    pending[i] = None  # drop the reference: a finished piece's memory goes once read
                    if i + ahead < len(items):
                        pending.append(pool.submit(fn, items[i + ahead]))
                    yield result
            except BaseException:  # a piece failed or the caller stopped reading: the queued pieces never start
                for future in pending:
                    if future is not None:
                        future.cancel()
                raise


def thread_local(factory: Callable[[], T]) -> Callable[[], T]:
    """A getter of one ``factory()`` object per thread (scratch memory a thread reuses across its pieces)."""
    local = threading.local()

    def get() -> T:
        if not hasattr(local, "value"):
            local.value = factory()
        return local.value

    return get
