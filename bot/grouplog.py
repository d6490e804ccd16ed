"""Logging from a club group: the member's own log, a short line in the group and the
details in their private chat (a question goes there too: in the group anyone could tap
its buttons). Used by every feature that logs from a group (typed /run, a watch file)."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update, User

from bot import texts
from bot.context import WalkContext
from bot.intake import Owed
from bot.outbox import is_logged, owe_and_send
from bot.replies import Reply
from bot.storage import UserTx


def display_name(user: User) -> str:
    """First name and last initial: enough for a club board."""
    last = f" {user.last_name[0]}." if user.last_name else ""
    return f"{user.first_name}{last}"[:40]


def deep_link(bot_username: str, chat_id: int) -> str:
    """A link that opens a private chat with the bot."""
    return f"https://t.me/{bot_username}?start=club{abs(chat_id)}"


GroupLog = Callable[[UserTx], tuple[list[Reply], bool]]


async def log_in_group(update: Update, context: WalkContext, log: GroupLog) -> None:
    """Store what `log` logs for the member who wrote in the group (it returns the
    replies and whether they have a private chat with the bot), then answer. The answer
    is owed in the journal before the member's file is written, so a send that fails is
    retried by the outbox, never apologised for (they would log it twice)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    svc = context.services
    name, link = display_name(user), deep_link(context.bot.username, chat.id)
    earlier = svc.journal.prepared_for(update.update_id)

    def run(tx: UserTx) -> None:
        replies, private = log(tx)
        if earlier is not None and replies == [Reply(texts.ALREADY_LOGGED)]:
            svc.journal.prepare(earlier)  # stored by the run that died: its answer
            return
        told = answers(replies, private, name, user.id, chat.id, link)
        chats, plan = zip(*told, strict=True)
        owed = Owed(update.update_id, chat.id, plan, chats=chats)
        if private:
            # Should the runner have blocked the bot since: the group line says it all.
            owed.fallback = answers(replies, False, name, user.id, chat.id, link)[-1][1]
        svc.journal.prepare(owed)

    await svc.repo.transact(user.id, run)
    await owe_and_send(context.bot, svc.journal, update.update_id)


def answers(
    replies: list[Reply], private: bool, name: str, user_id: int, group_id: int, link: str
) -> list[tuple[int, Reply]]:
    """Who is told what (chat, reply): the details in the member's private chat when they
    have one (a question too: in the group anyone could tap its buttons), a short line
    in the group."""
    if not is_logged(replies[0]):
        if not replies[0].buttons:
            return [(group_id, Reply(replies[0].text))]
        if private:
            line = f"{name}, I have a quick question for you in private."
            return [*((user_id, r) for r in replies), (group_id, Reply(line))]
        return [(group_id, Reply(f"{name}, I need to ask you something first: {link}"))]
    if private:
        line = f"Logged for {name}. Details sent privately."
        return [*((user_id, r) for r in replies), (group_id, Reply(line))]
    logged, advice = [*replies[0].text.splitlines(), ""][:2]
    what = logged.split(": ", 1)[-1]
    line = f"Logged for {name}: {what}\n{advice}\nMore in a private chat: {link}"
    return [(group_id, Reply(line))]
