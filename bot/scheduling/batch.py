"""Calls made in the same turn of the event loop, run together in one go.

A minute's fan-out delivers to many runners at once; each needs a small transaction
before its send and one after. One trip to the worker thread (and one durable commit)
per batch instead of per runner is most of the tick's saving. Callers still await their
own result, or their own exception, as if the call were theirs alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")
RunBatch = Callable[[list[A]], Awaitable[Sequence[R | Exception]]]


class Batcher(Generic[A, R]):
    """`await batcher(arg)`: the args of one turn go to `run` together; `run` returns one
    result (or exception) per arg, in order."""

    def __init__(self, run: RunBatch[A, R]) -> None:
        self._run = run
        self._waiting: list[tuple[A, asyncio.Future[R]]] = []
        self._flush: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()  # the loop keeps only weak refs

    async def __call__(self, arg: A) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((arg, future))
        if self._flush is None:
            self._flush = asyncio.create_task(self._flushed())
            self._running.add(self._flush)
            self._flush.add_done_callback(self._running.discard)
        return await future

    async def _flushed(self) -> None:
        await asyncio.sleep(0)  # the rest of this turn's callers join the batch
        batch, self._waiting, self._flush = self._waiting, [], None
        try:
            results = await self._run([arg for arg, _ in batch])
        except Exception as exc:  # the batch as a whole failed: each caller hears it
            results = [exc] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the caller was cancelled meanwhile
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
