"""Plain messages in a private chat: the answer to a pending question, or a new report."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.flows import onboarding, reporting
from bot.replies import Reply
from bot.runtime import Who, respond, send, who
from bot.storage import UserTx


def route_text(tx: UserTx, who_: Who, text: str, now_utc: datetime) -> list[Reply]:
    """Send the text to the flow whose question is pending, else read it as a report."""
    draft = tx.state().draft
    if draft is None:
        return reporting.free_text(tx, who_, text, now_utc)
    if draft.flow in onboarding.FIELD_FLOWS:
        return onboarding.field_answer(tx, who_, draft, text)
    if draft.flow == reporting.RUN_FLOW:
        return reporting.run_step(tx, who_, draft, text, now_utc)
    return reporting.simple_answer(tx, who_, draft, text, now_utc)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text that is not a command."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    await respond(update, context, lambda tx, w, now: route_text(tx, w, text, now), True)


async def non_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice...: a hint instead of silence."""
    await send(context, who(update).chat_id, [Reply(texts.NON_TEXT)])


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot doesn't have."""
    await send(
        context,
        who(update).chat_id,
        [Reply("I don't know that command. /help lists what I can do.")],
    )
