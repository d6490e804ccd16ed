"""Club posts on a schedule: the weekly digest in the group, digest and daily tip in its channel."""

from __future__ import annotations

import functools
import logging
import threading
from datetime import datetime

from telegram import Bot
from telegram.error import ChatMigrated, Forbidden, TelegramError

from bot.flows.clubs import digest_text, member_weeks, move_club, tip_text
from bot.nudges.index import MINUTE, Due, wall_minutes
from bot.replies import Reply
from bot.runtime import send_to
from bot.storage import Club, ClubKey, ClubStore, ClubTx, Repository
from bot.storage.records import club_key
from bot.timezones import local_now
from coach_rules.tips import next_tip

logger = logging.getLogger("walkcoach.clubs")


class ClubIndex:
    """chat id -> when its posts are due (clubs are few: rebuilt from files at start-up)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[int, ClubKey] = {}

    def put(self, chat_id: int, key: ClubKey | None) -> None:
        """Add, change or remove a club."""
        with self._lock:
            if key is None:
                self._keys.pop(chat_id, None)
            else:
                self._keys[chat_id] = key

    def load(self, store: ClubStore) -> int:
        """Read every club once."""
        for chat_id in list(store.chat_ids()):
            self.put(chat_id, club_key(store.transact(chat_id, lambda tx: tx.club())))
        return len(self._keys)

    def due(self, minute: datetime) -> list[Due]:
        """Clubs whose post time falls in the minute ending at `minute`."""
        with self._lock:
            keys = list(self._keys.items())
        walls: dict[str, list[str]] = {}
        found = []
        for chat_id, key in keys:
            if key.timezone not in walls:
                walls[key.timezone] = wall_minutes(minute - MINUTE, minute, key.timezone)
            if key.time in walls[key.timezone]:
                found.append(Due(chat_id, "club", minute))
        return found


def _plan(club: Club, minute: datetime) -> list[str]:
    """Which posts are due now: 'digest' (group), 'channel_digest', 'channel_tip'."""
    if not club.active:
        return []
    today = local_now(minute, club.digest_tz)
    day = today.date().isoformat()
    kinds = []
    digest_day = club.digest_day is not None and today.weekday() == club.digest_day
    if digest_day and club.sent.get("digest") != day:
        kinds.append("digest")
    if club.channel_id is not None:
        kind = "channel_digest" if digest_day else "channel_tip"
        if club.sent.get(kind) != day:
            kinds.append(kind)
    return kinds


async def deliver_club(repo: Repository, bot: Bot, due: Due) -> None:
    """Post what is due for one club, and record it."""
    club = await repo.club_transact(due.user_id, lambda tx: tx.club())
    if club is None:
        return
    kinds = _plan(club, due.minute)
    if not kinds:
        return
    day = local_now(due.minute, club.digest_tz).date()
    weeks = await member_weeks(repo, club, due.minute) if any("digest" in k for k in kinds) else []
    tip_id = club.sent.get("tip_id")
    new_tip = next_tip(tip_id).id
    for kind in kinds:
        text = tip_text(tip_id) if kind == "channel_tip" else digest_text(club, weeks, day, tip_id)
        target = club.chat_id if kind == "digest" else club.channel_id
        assert target is not None
        if not await _post(repo, bot, club, target, text):
            continue
        record = functools.partial(_record, kind=kind, day=day.isoformat(), tip_id=new_tip)
        await repo.club_transact(club.chat_id, record)


def _record(tx: ClubTx, kind: str, day: str, tip_id: str) -> None:
    club = tx.club()
    if club is not None:
        club.sent[kind] = day
        club.sent["tip_id"] = tip_id
        tx.put_club(club)


async def _post(repo: Repository, bot: Bot, club: Club, chat_id: int, text: str) -> bool:
    try:
        await send_to(bot, chat_id, [Reply(text)])
        return True
    except ChatMigrated as exc:
        # The group became a supergroup since we last heard from it.
        await move_club(repo, club.chat_id, exc.new_chat_id)
        club.chat_id = exc.new_chat_id
        await send_to(bot, exc.new_chat_id, [Reply(text)])
        return True
    except Forbidden:
        logger.info("removed from chat_id=%s: stopping its posts", chat_id)
        stop = _deactivate if chat_id == club.chat_id else _unlink_channel
        await repo.club_transact(club.chat_id, stop)
        return False
    except TelegramError as exc:
        logger.warning("club post failed chat_id=%s: %s", chat_id, exc)
        return False


def _unlink_channel(tx: ClubTx) -> None:
    club = tx.club()
    if club is not None:
        club.channel_id = club.channel_name = None
        tx.put_club(club)


def _deactivate(tx: ClubTx) -> None:
    club = tx.club()
    if club is not None:
        club.active = False
        tx.put_club(club)
