"""A worker process for CPU-heavy work (reading a large watch file), so one runner's
file never holds the interpreter that answers everyone else."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing import get_context
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """In a worker process: exit when the bot dies, even by SIGKILL (Linux's parent-death
    signal; elsewhere the worker ends when its pipe to the bot closes, as usual)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the bot died before the signal was armed
        os._exit(0)


def spawn_pool(workers: int = 1) -> ProcessPoolExecutor:
    """Worker processes (one by default) that die with the bot. Spawned, not forked: the
    bot has threads, and a forked copy of them can deadlock."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


class Worker:
    """One spawned process, started on first use; if it dies, the work runs in a thread."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args)` in the worker process (a module-level function: it is pickled)."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = spawn_pool()
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
