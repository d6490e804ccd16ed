"""Plain text in a private chat: the answer to the pending question, or a new report.

The router knows flows (bot.conversation), not features: the app factory hands it the
function that answers each flow's question and the one that reads a new message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from telegram import Update

from bot import texts
from bot.chat import Who, respond, send, who
from bot.context import WalkContext
from bot.conversation import Flow
from bot.replies import Reply
from bot.storage import Draft, UserTx

Answer = Callable[[UserTx, Who, Draft, str, datetime], list[Reply]]
Fresh = Callable[[UserTx, Who, str, datetime], list[Reply]]


class Router:
    """Routes a typed message by the runner's pending question."""

    def __init__(self, answers: Mapping[Flow, Answer], fresh: Fresh) -> None:
        self.answers, self.fresh = dict(answers), fresh

    def route(self, tx: UserTx, who_: Who, text: str, now_utc: datetime) -> list[Reply]:
        """Send the text to the flow whose question is pending, else read it as new."""
        draft = tx.state().draft
        flow = Flow(draft.flow) if draft and draft.flow in Flow.__members__.values() else None
        if draft is None or flow is None:
            return self.fresh(tx, who_, text, now_utc)
        return self.answers[flow](tx, who_, draft, text, now_utc)

    async def text_message(self, update: Update, context: WalkContext) -> None:
        """Any text that is not a command."""
        message = update.effective_message
        assert message is not None and message.text is not None
        text = message.text
        await respond(update, context, lambda tx, w, now: self.route(tx, w, text, now), True)


async def non_text_message(update: Update, context: WalkContext) -> None:
    """Stickers, photos, voice...: a hint instead of silence."""
    await send(context, who(update).chat_id, [Reply(texts.NON_TEXT)])


async def unknown_command(update: Update, context: WalkContext) -> None:
    """A command the bot doesn't have."""
    await send(context, who(update).chat_id, [Reply(texts.UNKNOWN_COMMAND)])
