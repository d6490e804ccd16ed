"""Shared fixtures: a fixed 'now' in a runner's time zone (time is passed in, never read)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

CET = timezone(timedelta(hours=1), "CET")
NOW = datetime(2026, 11, 26, 18, 0, tzinfo=CET)


@pytest.fixture
def now() -> datetime:
    """Thursday 26 November 2026, 18:00 CET."""
    return NOW
