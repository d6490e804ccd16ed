"""Sending one scheduled message: bounded retries, and what the outcome means."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from enum import Enum

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.replies import Reply
from bot.sending import send_to

logger = logging.getLogger("walkcoach.schedule")
Sleep = Callable[[float], Awaitable[None]]


class Outcome(Enum):
    """How one delivery ended."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


class Delivery:
    """Sends with retries: 429 is waited out, network errors retried with back-off,
    403 means the chat blocked the bot, other 400s are not retried."""

    def __init__(self, sleep: Sleep = asyncio.sleep, retries: int = 3) -> None:
        self.sleep, self.retries = sleep, retries
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def count(self, outcome: Outcome) -> Outcome:
        """Tally an outcome (for logs and tests) and pass it on."""
        self.counts[outcome] += 1
        return outcome

    async def send(self, bot: Bot, chat_id: int, replies: Sequence[Reply], what: str) -> Outcome:
        """Send `replies` to `chat_id`; `what` names the delivery in log lines (ids only)."""
        for attempt in range(self.retries + 1):
            try:
                await send_to(bot, chat_id, replies)
                return self.count(Outcome.SENT)
            except Forbidden:
                return self.count(Outcome.BLOCKED)
            except RetryAfter as exc:
                wait = exc.retry_after
                await self.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
            except BadRequest as exc:
                logger.warning("not sent: %s: %s", what, exc)
                return self.count(Outcome.FAILED)
            except NetworkError:
                if attempt < self.retries:
                    await self.sleep(2.0**attempt)
        logger.warning("gave up after %s tries: %s", self.retries + 1, what)
        return self.count(Outcome.FAILED)
