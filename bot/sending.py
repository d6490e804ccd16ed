"""Replies to Bot API calls: text, buttons, a photo, a file (no handler context needed)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.replies import Keyboard, Reply

# PTB's request chains the HTTP client's (httpx) error as the cause; these prove Telegram
# never got the whole request (safe to send again): the connection never opened, or
# writing the request failed or timed out part way (an HTTP server acts only on a whole
# request). A read error or timeout comes after the whole request went out: unknown.
# This holds for HTTP/1.1, PTB's default and what the bot uses (over HTTP/2 a write
# error can come after the request). By name: httpx is PTB's.
NOT_SENT = frozenset(
    {"ConnectError", "ConnectTimeout", "PoolTimeout", "WriteError", "WriteTimeout"}
)


def surely_not_sent(exc: NetworkError) -> bool:
    """Whether a network error proves the message did not go out: Telegram answered with
    an error status (no httpx cause), or the request never reached it whole."""
    cause = exc.__cause__
    return cause is None or type(cause).__name__ in NOT_SENT


def surely_failed(exc: TelegramError) -> bool:
    """Whether any failed request surely had no effect: Telegram answered with an error
    (400, 403, 429, a migrated chat), or the request never reached it whole."""
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return surely_not_sent(exc)
    return True


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
        return _inline(reply.buttons)
    return None


@functools.lru_cache(maxsize=256)
def _inline(buttons: Keyboard) -> InlineKeyboardMarkup:
    """PTB's markup for a keyboard. Kept: a fan-out sends the same few keyboards to
    thousands, and PTB's objects are immutable once built."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in r] for r in buttons]
    )


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
