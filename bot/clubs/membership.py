"""Club records and who is on the board: joining, leaving, the bot added or removed,
a group that became a supergroup, and the members' weeks for the board."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from telegram import Chat, Update, User
from telegram.constants import ChatMemberStatus

from bot import coaching
from bot.chat import Who, remember, say, settings_for
from bot.clubs.board import MemberWeek, intro
from bot.context import WalkContext
from bot.grouplog import deep_link, display_name
from bot.replies import Reply
from bot.sending import send_to
from bot.storage import Club, ClubTx, Repository, UserTx

logger = logging.getLogger("walkcoach.clubs")
T = TypeVar("T")


async def edit_club(repo: Repository, chat: Chat, change: Callable[[Club], T]) -> T:
    """Apply `change` to the chat's club (created on first sight); stored only if it changed."""

    def apply(tx: ClubTx) -> T:
        before = tx.club()
        club = tx.club() or Club(chat.id, chat.title or "")
        result = change(club)
        if club != before:
            tx.put_club(club)
        return result

    return await repo.club_transact(chat.id, apply)


async def club_of(repo: Repository, chat: Chat) -> Club:
    """The chat's club (created on first sight)."""
    return await edit_club(repo, chat, lambda club: club)


def _member_week(tx: UserTx, name: str, now_utc: datetime, club: Club) -> MemberWeek:
    since = club.challenge.since if club.challenge else None
    week = coaching.club_week(tx, now_utc, since)
    return MemberWeek(name, week.walk_minutes, week.days_at_floor, week.on_track)


async def member_weeks(repo: Repository, club: Club, now_utc: datetime) -> list[MemberWeek]:
    """The week of every joined member."""
    weeks = []
    for user_id, name in sorted(club.members.items()):
        read = functools.partial(_member_week, name=name, now_utc=now_utc, club=club)
        weeks.append(await repo.transact(user_id, read))
    return weeks


async def bot_membership(update: Update, context: WalkContext) -> None:
    """Added to a group: introduce; removed: stop posting there."""
    change = update.my_chat_member
    assert change is not None
    chat, status = change.chat, change.new_chat_member.status
    if chat.type in ("private", "channel"):
        return  # channels are linked from their group with /channel
    present = status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)

    def apply(tx: ClubTx) -> bool:
        found = tx.club()
        was_active = found is not None and found.active
        club = found or Club(chat.id, chat.title or "")
        club.active, club.title = present, chat.title or club.title
        tx.put_club(club)
        return was_active

    was_active = await context.services.repo.club_transact(chat.id, apply)
    logger.info("bot %s chat_id=%s", "added to" if present else "removed from", chat.id)
    if present and not was_active:
        await send_to(context.bot, chat.id, [Reply(intro())])


def _remember_club(tx: UserTx, user: User, chat_id: int) -> bool:
    settings = settings_for(tx, Who(user.id, chat_id, user.first_name or "", private=False))
    if chat_id not in settings.clubs:
        settings.clubs.append(chat_id)
    remember(tx, settings)
    return settings.private_chat


def _forget_club(tx: UserTx, chat_id: int) -> None:
    settings = tx.settings()
    if settings and chat_id in settings.clubs:
        settings.clubs.remove(chat_id)
        tx.put_settings(settings)


async def join(update: Update, context: WalkContext) -> None:
    """/join: on the board (totals only)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    repo = context.services.repo
    name = display_name(user)

    def add(club: Club) -> bool:
        new = user.id not in club.members
        club.members[user.id] = name
        return new

    new = await edit_club(repo, chat, add)
    private = await repo.transact(user.id, lambda tx: _remember_club(tx, user, chat.id))
    text = f"{name} is on the board." if new else f"{name}, you're already on the board."
    if not private:
        link = deep_link(context.bot.username, chat.id)
        text += f" Start a private chat so your logs have a home and details reach you: {link}"
    await say(update, context, text)


async def leave(update: Update, context: WalkContext) -> None:
    """/leave: off the board at once."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    repo = context.services.repo
    removed = await repo.club_transact(chat.id, lambda tx: tx.remove_member(user.id))
    await repo.transact(user.id, lambda tx: _forget_club(tx, chat.id))
    await say(update, context, "You're off the board." if removed else "You weren't on the board.")


async def migrated(update: Update, context: WalkContext) -> None:
    """A group became a supergroup: the club moves to the new chat id, members and all."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if old == new:  # forged: a chat migrated to itself would lock its club twice
        logger.info("ignored a migration of chat_id=%s to itself", old)
        return
    await move_club(context.services.repo, old, new)


async def move_club(repo: Repository, old: int, new: int) -> None:
    """Move a club and update its members' club lists."""
    club = await repo.move_club(old, new)
    if club is None:
        return
    logger.info("club moved chat_id=%s -> %s", old, new)
    for user_id in club.members:

        def swap(tx: UserTx) -> None:
            settings = tx.settings()
            if settings and old in settings.clubs:
                settings.clubs = [new if c == old else c for c in settings.clubs]
                tx.put_settings(settings)

        await repo.transact(user_id, swap)
