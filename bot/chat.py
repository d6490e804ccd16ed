"""Who is talking, and how the bot answers: replies sent after the step is stored."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import CallbackQuery, Update

from bot import texts
from bot.context import Callback, WalkContext
from bot.conversation import Prefix
from bot.outbox import owe_and_send, prepared_step
from bot.replies import Reply
from bot.sending import send_to
from bot.storage import UserSettings, UserTx

logger = logging.getLogger("walkcoach")


@dataclass(frozen=True)
class Who:
    """The runner and the chat of an update (private: the runner's own chat with the bot)."""

    user_id: int
    chat_id: int
    first_name: str
    private: bool = True
    # "chat:message" of the message being handled: a message Telegram delivers again
    # (after a crash before the update was confirmed) must not log twice.
    message_key: str | None = None


def who(update: Update) -> Who:
    """The runner behind an update (every handler here is for updates that have one)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    key = f"{chat.id}:{update.message.message_id}" if update.message else None
    return Who(user.id, chat.id, user.first_name or "", chat.type == "private", key)


async def send(
    context: WalkContext,
    chat_id: int,
    replies: Sequence[Reply],
    remove_keyboard: bool = False,
) -> None:
    """Send replies to a chat from a handler."""
    await send_to(context.bot, chat_id, replies, remove_keyboard)


Step = Callable[[UserTx, Who, datetime], list[Reply]]


async def respond(
    update: Update, context: WalkContext, step: Step, remove_keyboard: bool = False
) -> None:
    """Run one step on the runner's data (stored before anything is said), then reply."""
    w = who(update)
    svc = context.services
    now = svc.clock()
    # The replies are owed durably before sending: a failed send is retried later,
    # never apologised for (the runner would send again and log twice).
    run = prepared_step(
        svc.journal, update.update_id, w.chat_id, lambda tx: step(tx, w, now), remove_keyboard
    )
    await svc.repo.transact(w.user_id, run)
    await owe_and_send(context.bot, svc.journal, update.update_id)


async def clear_buttons(query: CallbackQuery) -> None:
    """Take the buttons off an answered question so it can't be answered twice."""
    if query.message is not None and getattr(query.message, "reply_markup", None) is not None:
        await query.edit_message_reply_markup(reply_markup=None)


def private_only(callback: Callback) -> Callback:
    """A button handler that acts only in the runner's private chat: in a group the one
    who taps is not the one the button was for (and ids are per runner)."""

    async def guarded(update: Update, context: WalkContext) -> None:
        query = update.callback_query
        if query is not None and query.message is None:
            # A tap with no message (inline mode, which the bot never uses): forged.
            logger.info("ignored update_id=%s: a button without its message", update.update_id)
            await query.answer(texts.STALE_BUTTON)
            return
        chat = update.effective_chat
        if chat is not None and chat.type != "private":
            if update.callback_query is not None:
                await update.callback_query.answer("That works in your private chat with me.")
            return
        await callback(update, context)

    guarded.__doc__ = callback.__doc__
    return guarded


async def tapped(update: Update, prefix: Prefix, clear: bool = True) -> str:
    """Answer a button tap (taking the question's buttons away); its data after `prefix:`."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    if clear:
        await clear_buttons(query)
    return query.data.removeprefix(f"{prefix.value}:")


def settings_for(tx: UserTx, who_: Who) -> UserSettings:
    """The runner's settings, or defaults for someone new (not stored until needed)."""
    found = tx.settings()
    if found is None:
        # A runner's private chat with the bot has the runner's own id.
        return UserSettings(
            who_.user_id, who_.user_id, first_name=who_.first_name, private_chat=who_.private
        )
    if who_.private and (found.chat_id != who_.chat_id or found.blocked or not found.private_chat):
        # Talking to us privately (again) means they can be messaged again.
        found.chat_id, found.blocked, found.private_chat = who_.chat_id, False, True
    return found


def remember(tx: UserTx, settings: UserSettings) -> None:
    """Store the settings if they changed."""
    if tx.settings() != settings:
        tx.put_settings(settings)


async def say(update: Update, context: WalkContext, text: str) -> None:
    """One plain message to the chat the update came from (a group, say)."""
    chat = update.effective_chat
    assert chat is not None
    await send_to(context.bot, chat.id, [Reply(text)])


def has_private(tx: UserTx) -> bool:
    """The runner has a private chat with the bot that is not blocked (details go there)."""
    settings = tx.settings()
    return bool(settings and settings.private_chat and not settings.blocked)
