"""Storage behind a small repository; the only place that knows TinyDB."""

from bot.storage.records import Club, ClubKey, Draft, ScheduleKey, UserSettings, UserState
from bot.storage.store import (
    ClubStore,
    ClubTx,
    Repository,
    ScheduleWatcher,
    StoredActivity,
    UserStore,
    UserTx,
)

__all__ = [
    "Club",
    "ClubKey",
    "ClubStore",
    "ClubTx",
    "Draft",
    "Repository",
    "ScheduleKey",
    "ScheduleWatcher",
    "StoredActivity",
    "UserSettings",
    "UserState",
    "UserStore",
    "UserTx",
]
