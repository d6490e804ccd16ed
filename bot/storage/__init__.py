"""Storage behind a small repository; the only place that knows TinyDB."""

from bot.storage.records import Draft, UserSettings, UserState
from bot.storage.store import Repository, StoredActivity, UserStore, UserTx

__all__ = [
    "Draft",
    "Repository",
    "StoredActivity",
    "UserSettings",
    "UserState",
    "UserStore",
    "UserTx",
]
