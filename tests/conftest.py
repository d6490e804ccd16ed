"""Shared fixtures: a fixed 'now' in a runner's time zone (time is passed in, never read)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.flowkit import FakeClock, Runner

CET = timezone(timedelta(hours=1), "CET")
NOW = datetime(2026, 11, 26, 18, 0, tzinfo=CET)


@pytest.fixture
def now() -> datetime:
    """Thursday 26 November 2026, 18:00 CET."""
    return NOW


@pytest.fixture
def clock() -> FakeClock:
    """A clock at Thursday 26 November 2026, 17:00 UTC."""
    from tests.flowkit import FakeClock, default_now

    return FakeClock(default_now())


@pytest.fixture
async def bot(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Runner]:
    """A runner talking to the real application (offline), with a fresh data folder."""
    from tests.flowkit import Runner, started_app, stopped_app

    app, request = await started_app(tmp_path, clock)
    try:
        yield Runner(app, request)
    finally:
        # Shutdown and the post-shutdown hook, which closes the schedule journal.
        await stopped_app(app)
