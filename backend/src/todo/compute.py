"""Pure computations that can run long, run in worker processes killed at a deadline.

The next date of a recurrence rule is usually microseconds of work, but python-dateutil walks
every period up to the year 9999 for a rule that never matches, and loops for ever on some
rules stored before they were refused at input. On the event loop that stalls every request;
in a thread it cannot be stopped. pebble's process pool kills a worker whose task runs past
its timeout (counted from the moment the task starts, not while it queues) and starts a new
one, so a hostile rule costs at most `timeout` of one worker process.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pebble import ProcessPool

T = TypeVar("T")

# Legitimate rules take well under a millisecond; a second is a generous ceiling.
DEFAULT_TIMEOUT_SECONDS = 1.0
_WORKERS = 2


class ComputationTooLong(Exception):
    """The computation did not finish within its time limit; its worker was killed."""


_pool: ProcessPool | None = None
_lock = threading.Lock()


def _get_pool() -> ProcessPool:
    global _pool
    with _lock:
        if _pool is None or not _pool.active:
            # forkserver: workers start from a clean, single-threaded server process, never
            # from a fork of this one (threads, event loop, open sockets).
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["todo.domain.recurrence"])
            _pool = ProcessPool(max_workers=_WORKERS, context=context)
        return _pool


async def run(
    fn: Callable[..., T], *args: Any, limit_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> T:
    """`fn(*args)` in a worker process; ComputationTooLong when it runs past `limit_seconds`.

    `fn` and its arguments must pickle (module-level functions, plain values).
    """
    pool = _get_pool()
    try:
        return await asyncio.wrap_future(pool.schedule(fn, args=args, timeout=limit_seconds))
    except FutureTimeout as exc:
        raise ComputationTooLong(f"gave up after {limit_seconds:g} s") from exc
    except BrokenProcessPool:
        _discard(pool)  # the next call starts a new pool
        raise


def _discard(pool: ProcessPool) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.stop()  # type: ignore[no-untyped-call]


def start() -> None:
    """Start the workers now (~0.5 s, in the background), so the first request does not
    wait for them. Time limits count from a task's start, so an early request is not hurt."""
    _get_pool().schedule(int)


@atexit.register
def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.stop()  # type: ignore[no-untyped-call]
            _pool.join(timeout=5)
            _pool = None
