"""Sending one scheduled message, and what the outcome means.

A send is retried only when it surely did not reach Telegram (Telegram answered with an
error, or the request never reached it whole: `surely_not_sent`). A send that timed out
or lost its connection after the request went out may have been delivered: it is not
sent again blindly, it is counted as UNKNOWN and recorded as sent (a nudge is better
missed once than doubled).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from enum import Enum

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.replies import Reply
from bot.sending import send_to, surely_not_sent

logger = logging.getLogger("walkcoach.schedule")
Sleep = Callable[[float], Awaitable[None]]
# A 429 longer than this is not waited out in the tick: the item is retried next minute.
LONGEST_WAIT_S = 5.0


class Outcome(Enum):
    """How one delivery ended."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"  # Telegram refused it (400): sending again would not help
    RETRY = "retry"  # surely not delivered, for a reason that passes: try again later
    UNKNOWN = "unknown"  # the request went out and no answer came back


class Delivery:
    """Sends with bounded retries: short 429s waited out, network errors retried only
    when nothing went out, 403 means the chat blocked the bot, other 400s not retried."""

    def __init__(self, sleep: Sleep = asyncio.sleep, retries: int = 3) -> None:
        self.sleep, self.retries = sleep, retries
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def count(self, outcome: Outcome) -> Outcome:
        """Tally an outcome (for logs and tests) and pass it on."""
        self.counts[outcome] += 1
        return outcome

    async def send(self, bot: Bot, chat_id: int, replies: Sequence[Reply], what: str) -> Outcome:
        """Send `replies` to `chat_id`; `what` names the delivery in log lines (ids only).
        Several replies are sent as one (a nudge is one message in practice)."""
        for attempt in range(self.retries + 1):
            try:
                await send_to(bot, chat_id, replies)
                return self.count(Outcome.SENT)
            except Forbidden:
                return self.count(Outcome.BLOCKED)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                if seconds > LONGEST_WAIT_S:
                    logger.info("rate limited for %.0f s, retried later: %s", seconds, what)
                    return self.count(Outcome.RETRY)
                await self.sleep(seconds)
            except BadRequest as exc:
                logger.warning("not sent: %s: %s", what, exc)
                return self.count(Outcome.FAILED)
            except NetworkError as exc:
                if not surely_not_sent(exc):
                    logger.warning("outcome unknown, not sent again: %s: %r", what, exc)
                    return self.count(Outcome.UNKNOWN)
                if attempt < self.retries:
                    await self.sleep(2.0**attempt)
        logger.warning("not sent after %s tries, retried later: %s", self.retries + 1, what)
        return self.count(Outcome.RETRY)
