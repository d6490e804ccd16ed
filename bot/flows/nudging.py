"""Answers to scheduled messages: pause or stop nudges, and the long-run follow-up."""

from __future__ import annotations

from datetime import date, datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.flows.common import history_for, now_for, remember, settings_for
from bot.nudges.messages import pause_until
from bot.replies import Reply
from bot.runtime import Who, respond, tapped
from bot.storage import UserTx
from coach_rules.rules import easy_swap_advice, typical_easy_minutes


def pause(tx: UserTx, who_: Who, days: int, now_utc: datetime) -> list[Reply]:
    """No nudges for the next `days` days."""
    settings = settings_for(tx, who_)
    today = now_for(settings, now_utc).date()
    settings.nudge_paused_until = pause_until(today, days)
    remember(tx, settings)
    back = date.fromisoformat(settings.nudge_paused_until)
    return [
        Reply(
            f"Paused: no nudges until {back:%a %d %b} is over. /nudge on brings them back sooner."
        )
    ]


def stop(tx: UserTx, who_: Who) -> list[Reply]:
    """Nudges off."""
    settings = settings_for(tx, who_)
    settings.nudge = None
    remember(tx, settings)
    return [Reply("Nudges are off. Turn them on again with /nudge 19:00.")]


def followup_answer(tx: UserTx, who_: Who, sore: bool, now_utc: datetime) -> list[Reply]:
    """How the legs feel the morning after a long run."""
    settings = settings_for(tx, who_)
    now = now_for(settings, now_utc)
    if not sore:
        return [
            Reply(
                "Great: legs that bounce back are what the walking is for. Keep today's run"
                " easy, or make it a walk."
            )
        ]
    history = history_for(tx, now, None)
    advice = easy_swap_advice(typical_easy_minutes(history, now.date()), "your legs are sore")
    return [Reply(f"{advice.text}\nWhy: {advice.reason}")]


async def nudge_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Pause 3 days / Pause a week / Nudges off (nudge:...)."""
    action = await tapped(update, "nudge:")
    if action.startswith("pause:") and action[6:].isdigit():
        days = min(int(action[6:]), 30)
        await respond(update, context, lambda tx, w, now: pause(tx, w, days, now))
    elif action == "off":
        await respond(update, context, lambda tx, w, now: stop(tx, w))


async def followup_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Fresh / sore, the morning after a long run (fu:...)."""
    sore = await tapped(update, "fu:") == "sore"
    await respond(update, context, lambda tx, w, now: followup_answer(tx, w, sore, now))
