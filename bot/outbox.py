"""Owed replies: sent after their update's effect is stored, retried until delivered.

A reply that fails for a reason that passes (a 5xx, a timeout, a reset, a 429) stays
owed and is sent again by the outbox job seconds later; one that can never go out (the
runner blocked the bot, the chat is gone) is dropped with a log line. A timeout after
the request went out may mean the runner sees a reply twice: replies are at-least-once,
the stored effect is exactly once; such a reply, sent again, says so (`texts.SENT_AGAIN`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    TelegramError,
)

from bot import texts
from bot.intake import Owed, UpdateJournal
from bot.replies import Reply
from bot.sending import send_to, surely_failed
from bot.storage import UserTx

logger = logging.getLogger("walkcoach.outbox")


def prepared_step(
    journal: UpdateJournal,
    update_id: int,
    chat_id: int,
    step: Callable[[UserTx], list[Reply]],
    remove_keyboard: bool = False,
) -> Callable[[UserTx], list[Reply]]:
    """`step`, its replies noted in the journal just before the runner's file is written.

    A run that died after writing the file and before noting the replies owed left them
    prepared: the update is replayed, finds its report already logged, and sends those.
    """
    earlier = journal.prepared_for(update_id)

    def run(tx: UserTx) -> list[Reply]:
        replies = step(tx)
        if earlier is not None and replies == [Reply(texts.ALREADY_LOGGED)]:
            replies = list(earlier.replies)  # stored by the run that died: its answer
        journal.prepare(Owed(update_id, chat_id, tuple(replies), remove_keyboard))
        return replies

    return run


async def owe_and_send(bot: Bot, journal: UpdateJournal, update_id: int) -> bool:
    """The prepared replies are owed (the runner's file is written); send them. True
    when all went out."""
    # A line appended without fsync (the runner's file already holds the effect): cheaper
    # here than a hop to a worker thread.
    owed = journal.owe(update_id)
    if owed is None:
        return True
    return await deliver(bot, journal, owed)


async def deliver(bot: Bot, journal: UpdateJournal, owed: Owed) -> bool:
    """Send what is still owed, one reply at a time, noting each; True when done."""
    if owed.update_id in journal.in_flight:
        return False  # being sent by another task right now
    journal.in_flight.add(owed.update_id)
    try:
        return await _deliver(bot, journal, owed)
    finally:
        journal.in_flight.discard(owed.update_id)


# Telegram's longest message text and photo caption.
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024


async def edit_owed(
    journal: UpdateJournal, owed: Owed, edit: Callable[[], Awaitable[object]]
) -> bool:
    """Deliver an owed update's replies by editing a message the runner already has (a
    zip import's progress becomes its summary); False when the edit failed and the
    replies stay owed (the outbox sends them as messages, said to be a resend if the
    edit may have landed). Held in flight meanwhile: never sent twice at once."""
    if owed.update_id in journal.in_flight:
        return False
    journal.in_flight.add(owed.update_id)
    journal.trying(owed.update_id, 0)
    try:
        await edit()
    except TelegramError as exc:
        if surely_failed(exc):
            journal.trying(owed.update_id, -1)
        logger.info("edit in place of a reply failed: %s", type(exc).__name__)
        return False
    finally:
        journal.in_flight.discard(owed.update_id)
    journal.sent(owed.update_id, len(owed.replies))
    return True


def is_logged(reply: Reply) -> bool:
    """A reply that says something was stored ('Logged: ...', 'Logged from your FIT...')."""
    return reply.text.startswith("Logged")


def _as_sent_again(reply: Reply) -> Reply:
    """A reply whose last try may have reached the runner, saying it is a resend (so a
    "Logged: ..." seen twice is not read as a run logged twice); as it was when the note
    would not fit, or for a file."""
    note = texts.SENT_AGAIN_LOGGED if is_logged(reply) else texts.SENT_AGAIN
    text = f"{reply.text}\n\n{note}"
    limit = CAPTION_LIMIT if reply.photo is not None else TEXT_LIMIT
    if reply.document is not None or not reply.text or len(text) > limit:
        return reply
    return replace(reply, text=text)


async def _deliver(bot: Bot, journal: UpdateJournal, owed: Owed) -> bool:
    while owed.sent < len(owed.replies):
        if not await _send_next(bot, journal, owed):
            return False
        journal.sent(owed.update_id, owed.sent, owed.refused)
    return True


async def _send_next(bot: Bot, journal: UpdateJournal, owed: Owed) -> bool:
    """Send the next owed reply, or drop it (and the rest for its chat) when it can never
    go out; False when it stays owed."""
    index = owed.sent
    reply, chat = owed.reply_at(index), owed.chat_of(index)
    # A try that may have reached the runner stays noted until the reply is sent: a
    # later try that surely failed (a 502 during the outage) does not clear it.
    again = owed.tried == index
    if again:
        reply = _as_sent_again(reply)
    else:
        journal.trying(owed.update_id, index)
    try:
        await send_to(bot, chat, [reply], owed.remove_keyboard and index == 0)
    except (Forbidden, BadRequest) as exc:
        # It can never go out (blocked, chat gone): owed no longer, nor the rest for
        # that chat; another chat's replies still go (the fallback in place of the last).
        logger.info(
            "reply dropped: update_id=%s chat_id=%s: %s", owed.update_id, chat, type(exc).__name__
        )
        owed.drop(chat)
        return True
    except TelegramError as exc:  # 5xx, timeouts, resets, 429, and whatever else passes
        if isinstance(exc, ChatMigrated):
            owed.move(chat, exc.new_chat_id)  # a supergroup now: the next try goes there
        if not again and surely_failed(exc):
            journal.trying(owed.update_id, -1)  # it never reached Telegram
        logger.warning(
            "reply owed, retried later: update_id=%s chat_id=%s: %s",
            owed.update_id,
            chat,
            type(exc).__name__,
        )
        return False
    owed.sent += 1
    return True


async def retry_owed(bot: Bot, journal: UpdateJournal) -> int:
    """Send every reply still owed (oldest first); how many updates are still owing."""
    left = 0
    for owed in journal.owed():
        if not await deliver(bot, journal, owed):
            left += 1
    return left
