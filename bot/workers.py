"""A worker process for CPU-heavy work (reading a large watch file), so one runner's
file never holds the interpreter that answers everyone else."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")


class Worker:
    """One spawned process, started on first use; if it dies, the work runs in a thread."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, fn: Callable[[str, bytes], T], name: str, data: bytes) -> T:
        """`fn(name, data)` in the worker process."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            # spawn, not fork: the bot has threads, and a forked copy of them can deadlock.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
        try:
            return await loop.run_in_executor(self._pool, fn, name, data)
        except BrokenProcessPool:
            self._pool = None
            return await asyncio.to_thread(fn, name, data)

    def close(self) -> None:
        """Stop the worker process."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
