"""A worker process for CPU-heavy work (reading a large watch file), so one runner's
file never holds the interpreter that answers everyone else."""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing import get_context
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with(parent: int) -> None:
    """In the worker, first thing: ask Linux to kill it when the bot dies, even by
    SIGKILL (no orphan keeps memory after a crash); if the bot is already gone, leave."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool's own pipe check remains
        pass
    if os.getppid() != parent:
        os._exit(0)


class Worker:
    """One spawned process, started on first use; if it dies, the work runs in a thread."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args)` in the worker process (a module-level function: it is pickled)."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            # spawn, not fork: the bot has threads, and a forked copy of them can deadlock.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=get_context("spawn"),
                initializer=_die_with,
                initargs=(os.getpid(),),
            )
        try:
            return await loop.run_in_executor(self._pool, partial(fn, *args, **kwargs))
        except BrokenProcessPool:
            self._pool = None
            return await asyncio.to_thread(fn, *args, **kwargs)

    def close(self) -> None:
        """Stop the worker process."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
