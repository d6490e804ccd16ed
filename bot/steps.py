"""Steps: the day's count by /steps, by typing a number to the question, or from the nudge."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot import logbook
from bot.chat import Who, respond
from bot.context import WalkContext
from bot.conversation import Flow
from bot.replies import Reply
from bot.storage import Draft, UserTx

STEPS_QUESTION = "How many steps so far today? Like 7400."


def steps_answer(tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime) -> list[Reply]:
    """The answer to "how many steps?": a bare number is the day's count."""
    wording = logbook.command_wording(Flow.STEPS, text)
    return logbook.parse_and_log(tx, who_, wording, now_utc, ends_question=True)


async def steps_command(update: Update, context: WalkContext) -> None:
    """/steps [count]: log the day's steps, or ask for them."""
    args = " ".join(context.args or [])
    if args:
        await respond(
            update, context, lambda tx, w, now: logbook.command_report(tx, w, Flow.STEPS, args, now)
        )
    else:
        await respond(
            update, context, lambda tx, w, now: logbook.ask_once(tx, Flow.STEPS, STEPS_QUESTION)
        )
