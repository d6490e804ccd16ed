"""Logging from a club group: the member's own log, a short line in the group and the
details in their private chat (a question goes there too: in the group anyone could tap
its buttons). Used by every feature that logs from a group (typed /run, a watch file)."""

from __future__ import annotations

from telegram import Update, User
from telegram.error import Forbidden

from bot.chat import say
from bot.context import WalkContext
from bot.replies import Reply
from bot.sending import send_to


def display_name(user: User) -> str:
    """First name and last initial: enough for a club board."""
    last = f" {user.last_name[0]}." if user.last_name else ""
    return f"{user.first_name}{last}"[:40]


def deep_link(bot_username: str, chat_id: int) -> str:
    """A link that opens a private chat with the bot."""
    return f"https://t.me/{bot_username}?start=club{abs(chat_id)}"


def is_logged(reply: Reply) -> bool:
    """A reply that says something was stored ('Logged: ...', 'Logged from your FIT...')."""
    return reply.text.startswith("Logged")


async def answer_in_group(
    update: Update, context: WalkContext, replies: list[Reply], private: bool
) -> None:
    """What was logged (or why not) for the member who sent it."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    name = display_name(user)
    if not is_logged(replies[0]):
        await _not_logged(update, context, replies, private, name)
        return
    if private and await _privately(context, user.id, replies):
        await say(update, context, f"Logged for {name}. Details sent privately.")
        return
    logged, advice = [*replies[0].text.splitlines(), ""][:2]
    link = deep_link(context.bot.username, chat.id)
    what = logged.split(": ", 1)[-1]
    await say(
        update, context, f"Logged for {name}: {what}\n{advice}\nMore in a private chat: {link}"
    )


async def _not_logged(
    update: Update, context: WalkContext, replies: list[Reply], private: bool, name: str
) -> None:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if not replies[0].buttons:
        await say(update, context, replies[0].text)
        return
    if private and await _privately(context, user.id, replies):
        await say(update, context, f"{name}, I have a quick question for you in private.")
        return
    link = deep_link(context.bot.username, chat.id)
    await say(update, context, f"{name}, I need to ask you something first: {link}")


async def _privately(context: WalkContext, user_id: int, replies: list[Reply]) -> bool:
    """Send to the runner's private chat; False when they have blocked the bot since."""
    try:
        await send_to(context.bot, user_id, replies)
    except Forbidden:
        return False
    return True
