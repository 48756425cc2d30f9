"""Bounded parallel maps: the pool runs ahead of the consumer, never without limit."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def bounded_map(
    executor: Executor,
    fn: Callable[[In], Out],
    items: Iterable[In],
    *,
    max_in_flight: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Out]:
    """Like executor.map, in order, with at most max_in_flight items submitted at once."""
    pending: deque[Future[Out]] = deque()
    try:
        for item in items:
            if should_stop():
                break
            pending.append(executor.submit(fn, item))
            if len(pending) >= max_in_flight:
                yield pending.popleft().result()
        while pending and not should_stop():
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def yield_cpu_to_inference() -> None:
    """Thread initializer: decode at a lower priority, so the model's threads keep their cores.

    Decoding then fills the gaps around inference instead of stretching every batch. Linux
    sets priorities per thread; elsewhere this does nothing.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
