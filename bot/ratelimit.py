"""PTB's rate limiter (30 messages a second overall, 1 a second per chat, 20 a minute per
group), except that a 429 pauses only the chat it was for.

PTB's AIORateLimiter stops *every* request while it waits out one chat's retry_after:
one runner's flood limit would delay every other runner. Telegram's 429s are per chat
(a global flood answers 429 for every chat, and then every chat waits on its own).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

logger = logging.getLogger("walkcoach.ratelimit")
# PTB's limiter logs a traceback for each 429 it hands back; ours logs one line instead.
logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


class PerChatRateLimiter(AIORateLimiter):
    """AIORateLimiter's throttling; its 429 handling replaced by a per-chat pause."""

    def __init__(self, max_retries: int = 2) -> None:
        super().__init__(max_retries=0)  # PTB hands each 429 back at once
        self.retries = max_retries
        self._paused_until: dict[object, float] = {}

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send through PTB's limiter; on a 429, pause this chat only and try again."""
        chat = str(data.get("chat_id"))
        loop = asyncio.get_running_loop()
        for attempt in range(self.retries + 1):
            wait = self._paused_until.get(chat, 0.0) - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                result = await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except RetryAfter as exc:
                if attempt == self.retries:
                    raise
                after = exc.retry_after
                seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
                self._paused_until[chat] = loop.time() + seconds + 0.1
                logger.info("rate limited: chat_id=%s paused %.1f s", chat, seconds)
            else:
                self._paused_until.pop(chat, None)
                return result
        raise AssertionError("unreachable")  # the last attempt returned or raised
