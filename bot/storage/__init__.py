"""Storage behind a small repository; the only place that knows TinyDB."""

from bot.storage.records import Draft, ScheduleKey, UserSettings, UserState
from bot.storage.store import Repository, ScheduleWatcher, StoredActivity, UserStore, UserTx

__all__ = [
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
