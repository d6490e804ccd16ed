"""Owed replies: sent after their update's effect is stored, retried until delivered.

A reply that fails for a reason that passes (a 5xx, a timeout, a reset, a 429) stays
owed and is sent again by the outbox job seconds later; one that can never go out (the runner
blocked the bot, the chat is gone) is dropped with a log line. A timeout after the
request went out may mean the runner sees a reply twice: replies are at-least-once, the
stored effect is exactly once; such a reply, sent again, says so (`texts.SENT_AGAIN`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot import texts
from bot.intake import Owed, UpdateJournal
from bot.replies import Reply
from bot.sending import send_to, surely_not_sent
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


def _as_sent_again(reply: Reply) -> Reply:
    """A reply whose first try may have reached the runner: said to be a resend, so a
    "Logged: ..." seen twice is not read as a run logged twice."""
    if reply.document is not None or not reply.text:
        return reply
    return replace(reply, text=f"{reply.text}\n\n{texts.SENT_AGAIN}")


async def _deliver(bot: Bot, journal: UpdateJournal, owed: Owed) -> bool:
    while owed.sent < len(owed.replies):
        reply, chat = owed.reply_at(owed.sent), owed.chat_of(owed.sent)
        first = owed.sent == 0
        if owed.tried == owed.sent:
            reply = _as_sent_again(reply)
        journal.trying(owed.update_id, owed.sent)
        try:
            await send_to(bot, chat, [reply], owed.remove_keyboard and first)
        except (Forbidden, BadRequest) as exc:
            # It can never go out (blocked, chat gone): owed no longer, nor the rest
            # for that chat; another chat's replies still go (the fallback in place of
            # the last one).
            logger.info(
                "reply dropped: update_id=%s chat_id=%s: %s",
                owed.update_id,
                chat,
                type(exc).__name__,
            )
            owed.sent += 1
            while owed.sent < len(owed.replies) and owed.chat_of(owed.sent) == chat:
                owed.sent += 1
            owed.refused = owed.refused or owed.sent < len(owed.replies)
        except (NetworkError, RetryAfter) as exc:
            if isinstance(exc, RetryAfter) or surely_not_sent(exc):
                journal.trying(owed.update_id, -1)  # it never reached Telegram
            logger.warning(
                "reply owed, retried later: update_id=%s chat_id=%s: %s",
                owed.update_id,
                chat,
                type(exc).__name__,
            )
            return False
        else:
            owed.sent += 1
        journal.sent(owed.update_id, owed.sent, owed.refused)
    return True


async def retry_owed(bot: Bot, journal: UpdateJournal) -> int:
    """Send every reply still owed (oldest first); how many updates are still owing."""
    left = 0
    for owed in journal.owed():
        if not await deliver(bot, journal, owed):
            left += 1
    return left
