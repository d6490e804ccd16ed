"""A fan-out's runners planned and recorded together: one batch per turn of the event
loop, one worker-thread trip per batch, each runner's result (or failure) their own."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.scheduling.batch import Batcher
from bot.storage import Repository, UserSettings, UserTx
from coach_rules import DaySteps

T = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _join(tx: UserTx, user_id: int) -> None:
    tx.put_settings(UserSettings(user_id, user_id))


async def test_calls_of_one_turn_share_a_batch_and_each_gets_its_own_answer() -> None:
    batches: list[list[int]] = []

    async def run(args: list[int]) -> list[int | Exception]:
        batches.append(args)
        return [ValueError(f"no {a}") if a == 3 else a * 10 for a in args]

    batcher: Batcher[int, int] = Batcher(run)
    results = await asyncio.gather(*(batcher(a) for a in range(1, 6)), return_exceptions=True)
    assert batches == [[1, 2, 3, 4, 5]]
    assert results[:2] == [10, 20] and results[3:] == [40, 50]
    assert isinstance(results[2], ValueError) and str(results[2]) == "no 3"
    assert await batcher(7) == 70  # a later call: a batch of its own
    assert batches[-1] == [7]


async def test_a_batch_that_fails_as_a_whole_fails_every_caller() -> None:
    async def run(args: list[int]) -> list[int | Exception]:
        raise OSError("disk full")

    batcher: Batcher[int, int] = Batcher(run)
    results = await asyncio.gather(batcher(1), batcher(2), return_exceptions=True)
    assert [str(r) for r in results] == ["disk full", "disk full"]


async def test_transact_each_runs_each_runner_alone_and_skips_the_deleted(
    tmp_path: Path,
) -> None:
    repo = Repository(tmp_path)
    for uid in (1, 2):
        await repo.transact(uid, functools.partial(_join, user_id=uid))

    def add(tx: UserTx) -> int:
        return tx.add_activity(DaySteps(T, 9000), T)

    def broken(tx: UserTx) -> int:
        tx.add_activity(DaySteps(T, 1), T)
        raise RuntimeError("a bug in one runner's plan")

    results = await repo.transact_each([(1, add), (2, broken), (3, add), (1, add)])
    assert results[0] == 1 and results[3] == 2  # runner 1 twice, in order
    assert isinstance(results[1], RuntimeError)
    assert results[2] is None  # runner 3 is not stored: nothing created
    assert not repo.store.exists(3)

    def steps(tx: UserTx) -> list[int]:
        return [
            s.activity.steps
            for s in tx.activities_on(date(2026, 11, 26))
            if isinstance(s.activity, DaySteps)
        ]

    assert await repo.transact(1, steps) == [9000, 9000]
    assert await repo.transact(2, steps) == []  # the failed transaction wrote nothing


@pytest.mark.parametrize("day", [date(2026, 11, 25), date(2026, 11, 27)])
async def test_activities_on_another_day_are_not_that_days(tmp_path: Path, day: date) -> None:
    repo = Repository(tmp_path)
    await repo.transact(1, lambda tx: tx.add_activity(DaySteps(T, 9000), T))
    assert await repo.transact(1, lambda tx: tx.activities_on(day)) == []
