"""Pieces every flow shares: the runner's settings and profile, their local time."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.runtime import Who
from bot.storage import UserSettings, UserTx
from bot.timezones import local_now
from coach_rules import Activity, History, Profile, Units

HISTORY_DAYS = 35


def settings_for(tx: UserTx, who: Who) -> UserSettings:
    """The runner's settings, or defaults for someone new (not stored until needed)."""
    found = tx.settings()
    if found is None:
        # A runner's private chat with the bot has the runner's own id.
        return UserSettings(
            who.user_id, who.user_id, first_name=who.first_name, private_chat=who.private
        )
    if who.private and (found.chat_id != who.chat_id or found.blocked or not found.private_chat):
        # Talking to us privately (again) means they can be messaged again.
        found.chat_id, found.blocked, found.private_chat = who.chat_id, False, True
    return found


def remember(tx: UserTx, settings: UserSettings) -> None:
    """Store the settings if they changed."""
    if tx.settings() != settings:
        tx.put_settings(settings)


def profile_of(settings: UserSettings) -> Profile:
    """The domain profile for the runner."""
    return Profile(
        units=Units(settings.units),
        step_goal=settings.step_goal,
        weight_kg=settings.weight_kg,
        more_mileage=settings.more_mileage,
    )


def now_for(settings: UserSettings, now_utc: datetime) -> datetime:
    """Now in the runner's own time zone."""
    return local_now(now_utc, settings.timezone)


def recent(tx: UserTx, now: datetime, days: int = HISTORY_DAYS) -> list[Activity]:
    """Activities of the last `days` days (enough for every rule's window)."""
    since = now.date() - timedelta(days=days)
    return [s.activity for s in tx.activities() if s.activity.day >= since]


def history_for(tx: UserTx, now: datetime, last_tip_id: str | None) -> History:
    """The domain history the rules look at."""
    return History.of(recent(tx, now), last_tip_id)
