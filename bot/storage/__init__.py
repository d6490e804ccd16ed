"""Storage behind a small repository; the only place that knows TinyDB."""

from bot.storage.datadir import DataDir
from bot.storage.records import (
    Challenge,
    ChallengeKind,
    Club,
    ClubKey,
    Draft,
    ScheduleKey,
    UserSettings,
    UserState,
)
from bot.storage.store import (
    ClubStore,
    ClubTx,
    ClubWatcher,
    Repository,
    ScheduleWatcher,
    StoredActivity,
    UserStore,
    UserTx,
)

__all__ = [
    "Challenge",
    "ChallengeKind",
    "Club",
    "ClubKey",
    "ClubStore",
    "ClubTx",
    "ClubWatcher",
    "DataDir",
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
