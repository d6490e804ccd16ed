"""The morning after a long run: how do the legs feel? (08:00 in the runner's zone.)"""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot import coaching
from bot.chat import Who, respond, settings_for, tapped
from bot.context import WalkContext
from bot.conversation import Prefix, data
from bot.logbook import advice_reply, pain_buttons
from bot.replies import Button, Reply
from bot.scheduling import Planned, Slot
from bot.storage import UserSettings, UserState, UserTx

QUESTION = "Morning! How do your legs feel after yesterday's long run?"
ANSWERS = (
    (
        Button("Fresh", data(Prefix.FOLLOWUP, "fresh")),
        Button("A bit sore", data(Prefix.FOLLOWUP, "sore")),
        Button("Sore", data(Prefix.FOLLOWUP, "sore")),
    ),
)


def _asked(state: UserState) -> None:
    state.followup_on = None


class MorningFollowup:
    """A planner for the runner source: the question, in the morning slot."""

    slot = Slot.MORNING
    kind = "followup"

    def plan(
        self, tx: UserTx, settings: UserSettings, state: UserState, now: datetime
    ) -> Planned | None:
        """The question on the morning it was planned for (about the pain, if one is open)."""
        if state.followup_on != now.date():
            return None
        question = Reply(QUESTION, ANSWERS)
        if state.pain is not None:
            question = Reply(coaching.morning_pain_question(state.pain), (pain_buttons(),))
        return Planned(
            settings.user_id, settings.chat_id, self.kind, now.date(), (question,), on_sent=_asked
        )

    def close(self) -> None:
        """Nothing to release."""


def answer(tx: UserTx, who_: Who, sore: bool, now_utc: datetime) -> list[Reply]:
    """Fresh or sore: what that means for today's run."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    return [advice_reply(tx, coaching.morning_after(tx, sore, now))]


async def followup_button(update: Update, context: WalkContext) -> None:
    """Fresh / sore, the morning after a long run (fu:...)."""
    sore = await tapped(update, Prefix.FOLLOWUP) == "sore"
    await respond(update, context, lambda tx, w, now: answer(tx, w, sore, now))
