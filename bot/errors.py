"""No update goes unanswered because of an exception: apologise, log the traceback."""

from __future__ import annotations

import errno
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot import texts

logger = logging.getLogger("walkcoach.errors")


def _ids(update: object) -> str:
    if not isinstance(update, Update):
        return "update=none"
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    return f"update_id={update.update_id} chat_id={chat} user_id={user}"


def _disk_full(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        error = error.__cause__ or error.__context__
    return False


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what failed (ids and traceback, never message text) and say what it means."""
    error = context.error
    if isinstance(error, NetworkError | RetryAfter):
        # Telegram could not be reached: an apology would not get through either.
        logger.warning("handler could not reach Telegram: %s: %r", _ids(update), error)
        return
    # The traceback names the code that failed; the update's text is deliberately left out.
    logger.error("handler failed: %s", _ids(update), exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # A failed write stores nothing (a runner's file is replaced whole or not at all).
    text = texts.DISK_FULL if _disk_full(error) else texts.APOLOGY
    try:
        await context.bot.send_message(update.effective_chat.id, text)
    except Forbidden:
        logger.info("could not apologise, bot blocked: %s", _ids(update))
    except Exception:  # the apology is best effort; the original error is already logged
        logger.warning("could not apologise: %s", _ids(update), exc_info=True)
