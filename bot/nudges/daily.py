"""The daily check-in: when the day's steps are short of the goal, at the nudge time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Update

from bot import coaching
from bot.chat import Who, remember, respond, settings_for, tapped
from bot.context import WalkContext
from bot.conversation import ASK, Flow, Prefix, data
from bot.logbook import pain_buttons
from bot.replies import Button, Reply
from bot.scheduling import Planned, Slot
from bot.storage import Draft, UserSettings, UserState, UserTx

MAX_PAUSE_DAYS = 30
PAUSE_BUTTONS = (
    (
        Button("Pause 3 days", data(Prefix.NUDGE, "pause", 3)),
        Button("Pause a week", data(Prefix.NUDGE, "pause", 7)),
        Button("Nudges off", data(Prefix.NUDGE, "off")),
    ),
)


class DailyNudge:
    """A planner for the runner source: the check-in, in the daily slot."""

    slot = Slot.DAILY
    kind = "daily"

    def plan(
        self, tx: UserTx, settings: UserSettings, state: UserState, now: datetime
    ) -> Planned | None:
        """The check-in, or None when the goal is met."""
        checkin = coaching.daily_checkin(tx, settings, state.last_tip_id, now)
        if checkin is None:
            return None
        asks_steps = state.pain is None and "steps" not in checkin.items[0].numbers

        def on_sent(sent: UserState) -> None:
            sent.last_prescription = checkin
            if checkin.tip:
                sent.last_tip_id = checkin.tip.id
            if asks_steps and sent.draft is None:
                # Typing a number now answers the check-in's question.
                sent.draft = Draft(Flow.STEPS.value, ASK, {})

        text = coaching.render_checkin(checkin)
        # While a pain is open the check-in asks about it: the runner can answer at once.
        buttons = (pain_buttons(), *PAUSE_BUTTONS) if state.pain else PAUSE_BUTTONS
        return Planned(
            settings.user_id,
            settings.chat_id,
            self.kind,
            now.date(),
            (Reply(text, buttons),),
            on_sent=on_sent,
        )

    def close(self) -> None:
        """Nothing to release."""


def pause_until(today: date, days: int) -> date:
    """The last paused day for a pause of `days` days starting tomorrow."""
    return today + timedelta(days=days)


def pause(tx: UserTx, who_: Who, days: int, now_utc: datetime) -> list[Reply]:
    """No nudges for the next `days` days."""
    settings = settings_for(tx, who_)
    today = coaching.now_for(settings, now_utc).date()
    back = pause_until(today, days)
    settings.nudge_paused_until = back
    remember(tx, settings)
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


async def nudge_button(update: Update, context: WalkContext) -> None:
    """Pause 3 days / Pause a week / Nudges off (nudge:...)."""
    action = await tapped(update, Prefix.NUDGE)
    kind, _, days = action.partition(":")
    if kind == "pause" and days.isascii() and days.isdigit():
        length = min(int(days), MAX_PAUSE_DAYS)
        await respond(update, context, lambda tx, w, now: pause(tx, w, length, now))
    elif action == "off":
        await respond(update, context, lambda tx, w, now: stop(tx, w))
