"""What every handler needs: the repository, the clock, who is talking, and a way to reply."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ContextTypes

from bot.replies import Reply
from bot.storage import Repository, UserTx

Clock = Callable[[], datetime]
Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def system_clock() -> datetime:
    """Now, in UTC (the only place the bot reads the wall clock)."""
    return datetime.now(UTC)


@dataclass
class Services:
    """Shared by all handlers through bot_data."""

    repo: Repository
    clock: Clock
    # The scheduler (bot.nudges); typed loosely here so runtime stays below the flows.
    scheduler: Any = None
    journal: Any = None


SERVICES_KEY = "walkcoach.services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services the app was built with."""
    found = context.application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


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


def _markup(
    reply: Reply,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if reply.ask_location:
        # A location button only exists on a reply keyboard, so Skip is a typed word there.
        return ReplyKeyboardMarkup(
            [[KeyboardButton("📍 Share my location", request_location=True)], ["Skip"]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
    if reply.buttons:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.label, callback_data=b.data) for b in r]
                for r in reply.buttons
            ]
        )
    return None


async def send_to(
    bot: Bot, chat_id: int, replies: Sequence[Reply], remove_keyboard: bool = False
) -> None:
    """Send replies in order; the first one also clears a location keyboard if asked to."""
    for index, reply in enumerate(replies):
        markup = _markup(reply)
        if markup is None and remove_keyboard and index == 0:
            markup = ReplyKeyboardRemove()
        if reply.document is not None:
            await bot.send_document(
                chat_id,
                document=reply.document.content,
                filename=reply.document.filename,
                caption=reply.document.caption or None,
            )
        elif reply.photo is not None:
            await bot.send_photo(
                chat_id, photo=reply.photo, caption=reply.text or None, reply_markup=markup
            )
        else:
            await bot.send_message(chat_id, reply.text, reply_markup=markup)


async def send(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    replies: Sequence[Reply],
    remove_keyboard: bool = False,
) -> None:
    """Send replies to a chat from a handler."""
    await send_to(context.bot, chat_id, replies, remove_keyboard)


Step = Callable[[UserTx, Who, datetime], list[Reply]]


async def respond(
    update: Update, context: ContextTypes.DEFAULT_TYPE, step: Step, remove_keyboard: bool = False
) -> None:
    """Run one step on the runner's data (stored before anything is said), then reply."""
    w = who(update)
    svc = services(context)
    now = svc.clock()
    replies = await svc.repo.transact(w.user_id, lambda tx: step(tx, w, now))
    await send(context, w.chat_id, replies, remove_keyboard)


async def clear_buttons(query: CallbackQuery) -> None:
    """Take the buttons off an answered question so it can't be answered twice."""
    if query.message is not None and getattr(query.message, "reply_markup", None) is not None:
        await query.edit_message_reply_markup(reply_markup=None)


async def tapped(update: Update, prefix: str, clear: bool = True) -> str:
    """Answer a button tap (taking the question's buttons away); its data after `prefix`."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    if clear:
        await clear_buttons(query)
    return query.data.removeprefix(prefix)
