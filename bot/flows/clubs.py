"""Running clubs: the coach in groups (board, challenge, digest) and linked channels.

Privacy: a group only ever sees totals (walking minutes, days at 8,000+ steps) of members
who chose /join. Logging from a group goes to the member's own log; the details go to
their private chat when they have one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from telegram import Chat, Update, User
from telegram.constants import ChatMemberStatus
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.flows.common import history_for, now_for, remember, settings_for
from bot.flows.fields import parse_clock
from bot.flows.reporting import RUN_FLOW, STEPS_FLOW, WALK_FLOW, command_report
from bot.replies import Reply
from bot.runtime import Callback, Services, Who, send, send_to, services, who
from bot.storage import Club, ClubTx, Repository, UserTx
from coach_rules import Profile, weekly_figures
from coach_rules.models import DEFAULT_STEP_GOAL
from coach_rules.sources import source_line
from coach_rules.tips import next_tip

logger = logging.getLogger("walkcoach.clubs")
T = TypeVar("T")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ADMINS = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
CHALLENGE_DAYS = 7
INTRO = (
    "Hi, I'm Walk Coach. I help this club walk more: /join puts you on the weekly board"
    " (walking minutes and days at 8,000+ steps; totals only, and only if you join)."
    " Log with /run 10k 52:30, /walk 40 min or /steps 9000. /board shows the week."
    " Admins: /challenge, /digest Sun 18:00, /channel @name."
)
NOT_ADMIN = "Sorry, only the group's admins can change that."


def display_name(user: User) -> str:
    """First name and last initial: enough for a club board."""
    last = f" {user.last_name[0]}." if user.last_name else ""
    return f"{user.first_name}{last}"[:40]


def deep_link(bot_username: str, chat_id: int) -> str:
    """A link that opens a private chat with the bot."""
    return f"https://t.me/{bot_username}?start=club{abs(chat_id)}"


@dataclass(frozen=True)
class MemberWeek:
    """What the board shows of one member: totals only."""

    name: str
    walk_minutes: int
    days_at_floor: int
    on_track: bool  # for a steps challenge: 8,000+ on every challenge day so far


def _member_week(tx: UserTx, name: str, now_utc: datetime, since: str | None) -> MemberWeek:
    settings = tx.settings()
    zone_now = now_for(settings, now_utc) if settings else now_utc
    history = history_for(tx, zone_now, None)
    week = weekly_figures(history, Profile(step_goal=DEFAULT_STEP_GOAL), zone_now.date())
    on_track = True
    if since:
        day = date.fromisoformat(since)
        while day <= zone_now.date():
            on_track = on_track and (history.steps_on(day) or 0) >= DEFAULT_STEP_GOAL
            day += timedelta(days=1)
    return MemberWeek(name, round(week.walk_minutes), week.days_at_goal, on_track)


async def member_weeks(repo: Repository, club: Club, now_utc: datetime) -> list[MemberWeek]:
    """The week of every joined member."""
    since = club.challenge["since"] if club.challenge else None
    weeks = []
    for user_id, name in sorted(club.members.items()):
        read = functools.partial(_member_week, name=name, now_utc=now_utc, since=since)
        weeks.append(await repo.transact(user_id, read))
    return weeks


def challenge_active(club: Club, today: date) -> bool:
    """A challenge runs for seven days from the day it was set."""
    if not club.challenge:
        return False
    start = date.fromisoformat(club.challenge["since"])
    return start <= today < start + timedelta(days=CHALLENGE_DAYS)


def challenge_text(club: Club, weeks: list[MemberWeek]) -> str:
    """The challenge and how the club is doing."""
    assert club.challenge is not None
    ends = date.fromisoformat(club.challenge["since"]) + timedelta(days=CHALLENGE_DAYS - 1)
    if club.challenge["kind"] == "minutes":
        target = int(club.challenge["target"])
        done = sum(w.walk_minutes for w in weeks)
        pct = min(100, round(100 * done / target)) if target else 100
        return (
            f"Challenge (to {ends:%a %d %b}): {target:,} walking minutes as a club:"
            f" {done:,} so far ({pct}%)."
        )
    on_track = sum(1 for w in weeks if w.on_track)
    return (
        f"Challenge (to {ends:%a %d %b}): everyone 8,000+ steps every day:"
        f" {on_track} of {len(weeks)} members on track."
    )


def board_text(club: Club, weeks: list[MemberWeek], today: date) -> str:
    """This week's leaderboard: walking minutes and days at 8,000+ steps."""
    if not weeks:
        return "The board is empty: /join to put your walking on it (totals only)."
    by_minutes = sorted(weeks, key=lambda w: (-w.walk_minutes, w.name))
    by_days = sorted(weeks, key=lambda w: (-w.days_at_floor, w.name))
    lines = ["This week's board (last 7 days, joined members only)", "Walking minutes:"]
    lines += [f"{i}. {w.name}: {w.walk_minutes} min" for i, w in enumerate(by_minutes, 1)]
    lines.append("Days at 8,000+ steps:")
    lines += [f"{i}. {w.name}: {w.days_at_floor} of 7" for i, w in enumerate(by_days, 1)]
    if challenge_active(club, today):
        lines.append(challenge_text(club, weeks))
    return "\n".join(lines)


def _sourced_tip(tip_id: str | None) -> str:
    """The tip after `tip_id`, and on the next line where it comes from."""
    tip = next_tip(tip_id)
    return f"{tip.text}\nSource " + "; ".join(source_line(s) for s in tip.sources)


def digest_text(club: Club, weeks: list[MemberWeek], today: date, tip_id: str | None) -> str:
    """The weekly digest: board, challenge, one walking tip with its source."""
    board = board_text(club, weeks, today)
    return f"Weekly walking digest\n\n{board}\n\nTip: {_sourced_tip(tip_id)}"


def tip_text(tip_id: str | None) -> str:
    """The channel's daily walking tip with its source."""
    return f"Walking tip: {_sourced_tip(tip_id)}"


# ---- handlers ----


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


async def _club(svc: Services, chat: Chat) -> Club:
    return await edit_club(svc.repo, chat, lambda club: club)


async def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMINS


async def _say(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, [Reply(text)])


async def bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Added to a group: introduce; removed: stop posting there."""
    change = update.my_chat_member
    assert change is not None
    chat, status = change.chat, change.new_chat_member.status
    if chat.type == "private":
        return
    svc = services(context)
    present = status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    if chat.type == "channel":
        return  # channels are linked from their group with /channel

    def apply(tx: ClubTx) -> bool:
        found = tx.club()
        was_active = found is not None and found.active
        club = found or Club(chat.id, chat.title or "")
        club.active, club.title = present, chat.title or club.title
        tx.put_club(club)
        return was_active

    was_active = await svc.repo.club_transact(chat.id, apply)
    logger.info("bot %s chat_id=%s", "added to" if present else "removed from", chat.id)
    if present and not was_active:
        await send_to(context.bot, chat.id, [Reply(INTRO)])


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/join: on the board (totals only)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    svc = services(context)
    name = display_name(user)

    def add(club: Club) -> bool:
        new = user.id not in club.members
        club.members[user.id] = name
        return new

    new = await edit_club(svc.repo, chat, add)
    private = await svc.repo.transact(user.id, lambda tx: _remember_club(tx, user, chat.id))
    text = f"{name} is on the board." if new else f"{name}, you're already on the board."
    if not private:
        link = deep_link(context.bot.username, chat.id)
        text += f" Start a private chat so your logs have a home and details reach you: {link}"
    await _say(update, context, text)


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


async def leave(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/leave: off the board at once."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    svc = services(context)

    def remove(tx: ClubTx) -> bool:
        club = tx.club()
        if club is None or user.id not in club.members:
            return False
        del club.members[user.id]
        tx.put_club(club)
        return True

    removed = await svc.repo.club_transact(chat.id, remove)
    await svc.repo.transact(user.id, lambda tx: _forget_club(tx, chat.id))
    await _say(update, context, "You're off the board." if removed else "You weren't on the board.")


async def leave_every_club(repo: Repository, user_id: int, clubs: list[int]) -> None:
    """/delete in private: off every board."""
    for chat_id in clubs:

        def remove(tx: ClubTx) -> None:
            club = tx.club()
            if club is not None and user_id in club.members:
                del club.members[user_id]
                tx.put_club(club)

        await repo.club_transact(chat_id, remove)


async def board(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/board: this week's leaderboard."""
    chat = update.effective_chat
    assert chat is not None
    svc = services(context)
    club = await _club(svc, chat)
    now = svc.clock()
    weeks = await member_weeks(svc.repo, club, now)
    await _say(update, context, board_text(club, weeks, now.date()))


def _log_from_group(flow: str) -> Callback:
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await group_log(update, context, flow)

    return handler


async def group_log(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: str) -> None:
    """/run, /walk, /steps in a group: the member's own log, a short reply here."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    args = " ".join(context.args or [])
    if not args:
        examples = {
            RUN_FLOW: "/run 10k 52:30",
            WALK_FLOW: "/walk 40 min",
            STEPS_FLOW: "/steps 9000",
        }
        await _say(update, context, f"Add the details, like {examples[flow]}.")
        return
    svc = services(context)
    w = replace(who(update), private=False)
    now = svc.clock()

    def log(tx: UserTx) -> tuple[list[Reply], bool]:
        replies = command_report(tx, w, flow, args, now)
        settings = tx.settings()
        return replies, bool(settings and settings.private_chat and not settings.blocked)

    replies, private = await svc.repo.transact(user.id, log)
    if not replies[0].buttons:  # not logged: the reason, here
        await _say(update, context, replies[0].text)
        return
    name = display_name(user)
    if private:
        try:
            await send_to(context.bot, user.id, replies)
            await _say(update, context, f"Logged for {name}. Details sent privately.")
            return
        except Forbidden:
            pass
    headline = replies[0].text.splitlines()[0]
    link = deep_link(context.bot.username, chat.id)
    await _say(update, context, f"Logged for {name}: {headline}\nMore in a private chat: {link}")


group_run = _log_from_group(RUN_FLOW)
group_walk = _log_from_group(WALK_FLOW)
group_steps = _log_from_group(STEPS_FLOW)


async def challenge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/challenge steps | minutes N | off: admins start the week's club challenge."""
    chat = update.effective_chat
    assert chat is not None
    args = [a.lower() for a in (context.args or [])]
    svc = services(context)
    if not args:
        club = await _club(svc, chat)
        now = svc.clock()
        current = (
            challenge_text(club, await member_weeks(svc.repo, club, now))
            if challenge_active(club, now.date())
            else "No challenge running."
        )
        await _say(
            update,
            context,
            f"{current}\nAdmins: /challenge steps (everyone 8,000+ every"
            " day for 7 days), /challenge minutes 300, /challenge off.",
        )
        return
    if not await _is_admin(update, context):
        await _say(update, context, NOT_ADMIN)
        return
    today = svc.clock().date().isoformat()
    if args[0] == "off":
        new: dict[str, object] | None = None
        said = "Challenge stopped."
    elif args[0] == "steps":
        new = {"kind": "steps", "target": DEFAULT_STEP_GOAL, "since": today}
        said = (
            "Challenge on: everyone 8,000+ steps every day for the next 7 days. /board tracks it."
        )
    elif (
        args[0] == "minutes"
        and len(args) == 2
        and args[1].isdigit()
        and 10 <= int(args[1]) <= 100_000
    ):
        new = {"kind": "minutes", "target": int(args[1]), "since": today}
        said = (
            f"Challenge on: {int(args[1]):,} walking minutes as a club in 7 days. /board tracks it."
        )
    else:
        await _say(
            update, context, "Try /challenge steps, /challenge minutes 300 or /challenge off."
        )
        return

    def put(club: Club) -> None:
        club.challenge = new

    await edit_club(svc.repo, chat, put)
    await _say(update, context, said)


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest Sun 18:00 | off: admins set when the weekly digest is posted."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    args = [a.lower() for a in (context.args or [])]
    svc = services(context)
    if not args:
        club = await _club(svc, chat)
        when = (
            "off"
            if club.digest_day is None
            else f"{DAYS[club.digest_day].capitalize()} {club.digest_time} ({club.digest_tz})"
        )
        await _say(
            update, context, f"Weekly digest: {when}. Admins: /digest Sun 18:00 or /digest off."
        )
        return
    if not await _is_admin(update, context):
        await _say(update, context, NOT_ADMIN)
        return
    if args == ["off"]:
        day, clock = None, None
    elif len(args) == 2 and args[0][:3] in DAYS and parse_clock(args[1]):
        day, clock = DAYS.index(args[0][:3]), parse_clock(args[1]) or ""
    else:
        await _say(
            update, context, "Give a day and a time, like /digest Sun 18:00, or /digest off."
        )
        return
    zone = await svc.repo.transact(user.id, _zone_of)

    def put(club: Club) -> None:
        club.digest_day, club.digest_tz = day, zone
        club.digest_time = clock or club.digest_time

    await edit_club(svc.repo, chat, put)
    if day is None:
        await _say(update, context, "Weekly digest off.")
    else:
        await _say(update, context, f"Weekly digest: {DAYS[day].capitalize()} {clock} ({zone}).")


def _zone_of(tx: UserTx) -> str:
    settings = tx.settings()
    return settings.timezone if settings else "UTC"


async def channel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/channel @name | off: admins link a channel where the bot is an administrator."""
    chat = update.effective_chat
    assert chat is not None
    args = context.args or []
    if not args:
        await _say(
            update,
            context,
            "Link the club's channel with /channel @name (make me an admin"
            " there first), or /channel off.",
        )
        return
    if not await _is_admin(update, context):
        await _say(update, context, NOT_ADMIN)
        return
    svc = services(context)
    if args[0].lower() == "off":
        channel_id, name = None, None
    else:
        name = args[0] if args[0].startswith("@") else f"@{args[0]}"
        try:
            target = await context.bot.get_chat(name)
            me = await context.bot.get_chat_member(target.id, context.bot.id)
        except TelegramError:
            await _say(
                update, context, f"I can't see {name}. Add me to the channel as an admin first."
            )
            return
        if me.status not in ADMINS or getattr(me, "can_post_messages", True) is False:
            await _say(update, context, f"Make me an admin of {name} who can post, then try again.")
            return
        channel_id = target.id

    def put(club: Club) -> None:
        club.channel_id, club.channel_name = channel_id, name

    await edit_club(svc.repo, chat, put)
    await _say(
        update,
        context,
        f"Linked {name}: the digest and a daily walking tip go there."
        if channel_id
        else "Channel unlinked.",
    )


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: the club moves to the new chat id, members and all."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await move_club(services(context).repo, old, new)


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


async def group_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start or /help in a group: what the bot does here."""
    await _say(update, context, INTRO)
