"""Club posts on a schedule: the weekly digest in the group, digest and daily tip in its
channel. The scheduler's source for clubs."""

from __future__ import annotations

import functools
import logging
import threading
from datetime import date, datetime

from telegram import Bot
from telegram.error import ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import coaching
from bot.clubs.board import digest_text, tip_text
from bot.clubs.membership import member_weeks, move_club
from bot.replies import Reply
from bot.scheduling import MINUTE, Due, RetryLater, wall_minutes
from bot.sending import send_to, surely_not_sent
from bot.storage import Club, ClubKey, ClubTx, Repository
from bot.storage.records import club_key
from bot.timezones import local_now

logger = logging.getLogger("walkcoach.clubs")
SLOT = "club"


class ClubIndex:
    """chat id -> when its posts are due (clubs are few: rebuilt from files at start-up)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[int, ClubKey] = {}

    def put(self, chat_id: int, key: ClubKey | None) -> None:
        """Add, change or remove a club (the club store's watcher)."""
        with self._lock:
            if key is None:
                self._keys.pop(chat_id, None)
            else:
                self._keys[chat_id] = key

    def __len__(self) -> int:
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
                found.append(Due(chat_id, SLOT, minute))
        return found


def _plan(club: Club, minute: datetime) -> list[str]:
    """Which posts are due now: 'digest' (group), 'channel_digest', 'channel_tip'."""
    if not club.active:
        return []
    today = local_now(minute, club.digest_tz).date()
    kinds = []
    digest_day = club.digest_day is not None and today.weekday() == club.digest_day
    if digest_day and club.sent.get("digest") != today:
        kinds.append("digest")
    if club.channel_id is not None:
        kind = "channel_digest" if digest_day else "channel_tip"
        if club.sent.get(kind) != today:
            kinds.append(kind)
    return kinds


class ClubSource:
    """The scheduler's source for clubs."""

    name = "clubs"

    def __init__(self, repo: Repository, index: ClubIndex) -> None:
        self.repo, self.index = repo, index

    def load(self) -> int:
        """Read every club once."""
        store = self.repo.clubs
        for chat_id in list(store.chat_ids()):
            self.index.put(chat_id, club_key(store.transact(chat_id, lambda tx: tx.club())))
        return len(self.index)

    def due(self, minute: datetime) -> list[Due]:
        """Clubs with a post due this minute."""
        return self.index.due(minute)

    def close(self) -> None:
        """Nothing to persist: the club files are the truth."""

    async def deliver(self, bot: Bot, due: Due) -> None:
        """Post what is due for one club, and record it."""
        club = await self.repo.club_transact(due.target, lambda tx: tx.club())
        if club is None:
            return
        kinds = _plan(club, due.minute)
        if not kinds:
            return
        day = local_now(due.minute, club.digest_tz).date()
        weeks = []
        if any("digest" in k for k in kinds):
            weeks = await member_weeks(self.repo, club, due.minute)
        tip_id, tip = coaching.sourced_tip(club.last_tip_id)
        for kind in kinds:
            text = tip_text(tip) if kind == "channel_tip" else digest_text(club, weeks, day, tip)
            target = club.chat_id if kind == "digest" else club.channel_id
            assert target is not None
            if await self._post(bot, club, target, text):
                record = functools.partial(_record, kind=kind, day=day, tip_id=tip_id)
                await self.repo.club_transact(club.chat_id, record)

    async def _post(self, bot: Bot, club: Club, chat_id: int, text: str) -> bool:
        try:
            await send_to(bot, chat_id, [Reply(text)])
            return True
        except ChatMigrated as exc:
            # The group became a supergroup since we last heard from it.
            await move_club(self.repo, club.chat_id, exc.new_chat_id)
            club.chat_id = exc.new_chat_id
            await send_to(bot, exc.new_chat_id, [Reply(text)])
            return True
        except Forbidden:
            logger.info("removed from chat_id=%s: stopping its posts", chat_id)
            stop = _deactivate if chat_id == club.chat_id else _unlink_channel
            await self.repo.club_transact(club.chat_id, stop)
            return False
        except RetryAfter as exc:
            raise RetryLater(f"club chat_id={chat_id}") from exc
        except NetworkError as exc:
            if surely_not_sent(exc):  # an outage: the scheduler tries again next minute
                raise RetryLater(f"club chat_id={chat_id}") from exc
            # It may have gone out: recorded as posted, never posted twice.
            logger.warning("club post outcome unknown, not posted again: chat_id=%s", chat_id)
            return True
        except TelegramError as exc:
            logger.warning("club post failed chat_id=%s: %s", chat_id, exc)
            return False


def _record(tx: ClubTx, kind: str, day: date, tip_id: str) -> None:
    club = tx.club()
    if club is not None:
        club.sent[kind] = day
        club.last_tip_id = tip_id
        tx.put_club(club)


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
