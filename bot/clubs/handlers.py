"""Club commands in a group: the board, logging from the group, and the admins' settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot import coaching, logbook
from bot.chat import has_private, say, who
from bot.clubs.board import (
    DAYS,
    board_text,
    challenge_active,
    challenge_text,
    floor_label,
    intro,
)
from bot.clubs.membership import club_of, edit_club, member_weeks
from bot.context import Callback, WalkContext
from bot.conversation import Flow
from bot.grouplog import log_in_group
from bot.outbox import is_logged
from bot.replies import Reply
from bot.storage import Challenge, ChallengeKind, Club, UserTx
from bot.timezones import parse_clock

ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
NOT_ADMIN = "Sorry, only the group's admins can change that."
MINUTES_RANGE = (10, 100_000)  # a club minutes challenge
EXAMPLES = {Flow.RUN: "/run 10k 52:30", Flow.WALK: "/walk 40 min", Flow.STEPS: "/steps 9000"}


async def _is_admin(update: Update, context: WalkContext) -> bool:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMINS


async def board(update: Update, context: WalkContext) -> None:
    """/board: this week's leaderboard."""
    chat = update.effective_chat
    assert chat is not None
    svc = context.services
    club = await club_of(svc.repo, chat)
    now = svc.clock()
    weeks = await member_weeks(svc.repo, club, now)
    await say(update, context, board_text(club, weeks, now.date()))


def _log_from_group(flow: Flow) -> Callback:
    async def handler(update: Update, context: WalkContext) -> None:
        await group_log(update, context, flow)

    handler.__doc__ = f"/{flow.value} in a group: the member's own log."
    return handler


async def group_log(update: Update, context: WalkContext, flow: Flow) -> None:
    """/run, /walk, /steps in a group: the member's own log, a short reply here."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    args = " ".join(context.args or [])
    if not args:
        await say(update, context, f"Add the details, like {EXAMPLES[flow]}.")
        return
    svc = context.services
    w = replace(who(update), private=False)
    now = svc.clock()

    def log(tx: UserTx) -> tuple[list[Reply], bool]:
        before = tx.state().draft
        replies = logbook.command_report(tx, w, flow, args, now)
        private = has_private(tx)
        if replies[0].buttons and not is_logged(replies[0]) and not private:
            # A question first, and no private chat to ask it in: nothing waits for it.
            state = tx.state()
            state.draft = before
            tx.put_state(state)
        return replies, private

    await log_in_group(update, context, log)


group_run = _log_from_group(Flow.RUN)
group_walk = _log_from_group(Flow.WALK)
group_steps = _log_from_group(Flow.STEPS)


async def _show_challenge(update: Update, context: WalkContext) -> None:
    chat = update.effective_chat
    assert chat is not None
    svc = context.services
    club = await club_of(svc.repo, chat)
    now = svc.clock()
    current = (
        challenge_text(club, await member_weeks(svc.repo, club, now))
        if challenge_active(club, now.date())
        else "No challenge running."
    )
    await say(
        update,
        context,
        f"{current}\nAdmins: /challenge steps (everyone {floor_label()} every"
        " day for 7 days), /challenge minutes 300, /challenge off.",
    )


def _challenge_from(args: list[str], since: date) -> tuple[Challenge | None, str] | None:
    """The challenge the words ask for and what to say, or None when they don't fit."""
    if args[0] == "off":
        return None, "Challenge stopped."
    if args[0] == "steps":
        floor = coaching.step_floor()
        return (
            Challenge(ChallengeKind.STEPS, floor, since),
            f"Challenge on: everyone {floor_label()} steps every day for the next 7 days."
            " /board tracks it.",
        )
    minutes = int(args[1]) if len(args) == 2 and args[1].isascii() and args[1].isdigit() else 0
    if args[0] == "minutes" and MINUTES_RANGE[0] <= minutes <= MINUTES_RANGE[1]:
        return (
            Challenge(ChallengeKind.MINUTES, minutes, since),
            f"Challenge on: {minutes:,} walking minutes as a club in 7 days. /board tracks it.",
        )
    return None


async def challenge(update: Update, context: WalkContext) -> None:
    """/challenge steps | minutes N | off: admins start the week's club challenge."""
    chat = update.effective_chat
    assert chat is not None
    args = [a.lower() for a in (context.args or [])]
    if not args:
        await _show_challenge(update, context)
        return
    if not await _is_admin(update, context):
        await say(update, context, NOT_ADMIN)
        return
    svc = context.services
    asked = _challenge_from(args, svc.clock().date())
    if asked is None:
        await say(
            update, context, "Try /challenge steps, /challenge minutes 300 or /challenge off."
        )
        return
    new, said = asked

    def put(club: Club) -> None:
        club.challenge = new

    await edit_club(svc.repo, chat, put)
    await say(update, context, said)


async def digest(update: Update, context: WalkContext) -> None:
    """/digest Sun 18:00 | off: admins set when the weekly digest is posted."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    args = [a.lower() for a in (context.args or [])]
    svc = context.services
    if not args:
        club = await club_of(svc.repo, chat)
        when = (
            "off"
            if club.digest_day is None
            else f"{DAYS[club.digest_day].capitalize()} {club.digest_time} ({club.digest_tz})"
        )
        await say(
            update, context, f"Weekly digest: {when}. Admins: /digest Sun 18:00 or /digest off."
        )
        return
    if not await _is_admin(update, context):
        await say(update, context, NOT_ADMIN)
        return
    if args == ["off"]:
        day, clock = None, None
    elif len(args) == 2 and args[0][:3] in DAYS and parse_clock(args[1]):
        day, clock = DAYS.index(args[0][:3]), parse_clock(args[1]) or ""
    else:
        await say(update, context, "Give a day and a time, like /digest Sun 18:00, or /digest off.")
        return
    zone = await svc.repo.transact(user.id, _zone_of)

    def put(club: Club) -> None:
        club.digest_day, club.digest_tz = day, zone
        club.digest_time = clock or club.digest_time

    await edit_club(svc.repo, chat, put)
    if day is None:
        await say(update, context, "Weekly digest off.")
    else:
        await say(update, context, f"Weekly digest: {DAYS[day].capitalize()} {clock} ({zone}).")


def _zone_of(tx: UserTx) -> str:
    settings = tx.settings()
    return settings.timezone if settings else "UTC"


async def _channel_target(update: Update, context: WalkContext, name: str) -> int | None:
    """The channel's id when the bot may post there; else says why and returns None."""
    try:
        target = await context.bot.get_chat(name)
        me = await context.bot.get_chat_member(target.id, context.bot.id)
    except TelegramError:
        await say(update, context, f"I can't see {name}. Add me to the channel as an admin first.")
        return None
    if me.status not in ADMINS or getattr(me, "can_post_messages", True) is False:
        await say(update, context, f"Make me an admin of {name} who can post, then try again.")
        return None
    return target.id


async def channel(update: Update, context: WalkContext) -> None:
    """/channel @name | off: admins link a channel where the bot is an administrator."""
    chat = update.effective_chat
    assert chat is not None
    args = context.args or []
    if not args:
        await say(
            update,
            context,
            "Link the club's channel with /channel @name (make me an admin"
            " there first), or /channel off.",
        )
        return
    if not await _is_admin(update, context):
        await say(update, context, NOT_ADMIN)
        return
    channel_id: int | None = None
    name: str | None = None
    if args[0].lower() != "off":
        name = args[0] if args[0].startswith("@") else f"@{args[0]}"
        channel_id = await _channel_target(update, context, name)
        if channel_id is None:
            return

    def put(club: Club) -> None:
        club.channel_id, club.channel_name = channel_id, name

    await edit_club(context.services.repo, chat, put)
    await say(
        update,
        context,
        f"Linked {name}: the digest and a daily walking tip go there."
        if channel_id
        else "Channel unlinked.",
    )


async def group_start(update: Update, context: WalkContext) -> None:
    """/start or /help in a group: what the bot does here."""
    await say(update, context, intro())
