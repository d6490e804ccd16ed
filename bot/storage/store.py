"""The repository: one small TinyDB file per runner, atomic writes, I/O off the event loop.

One file per user keeps a write's cost independent of how many users there are (a
single TinyDB file re-serialises everyone on every write). Files live in two levels of
hashed sub-folders so no folder grows past a few hundred entries at 100,000 users.
Nothing outside this package imports tinydb.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.table import Document

from bot.storage.atomic import AtomicJSONStorage
from bot.storage.datadir import DataDir
from bot.storage.records import (
    Club,
    ClubKey,
    ScheduleKey,
    UserSettings,
    UserState,
    activity_from_doc,
    activity_to_doc,
    club_key,
    schedule_key,
)
from coach_rules import Activity

T = TypeVar("T")
_SINGLETON_ID = 1


@dataclass(frozen=True)
class StoredActivity:
    """An activity and the id it is stored under."""

    id: int
    activity: Activity
    doc: dict[str, Any]


def _copy(doc: Document) -> dict[str, Any]:
    """A deep copy: records must not share lists with TinyDB's cache, or an in-place change
    would alter the cache unnoticed (and never be written)."""
    return copy.deepcopy(dict(doc))


class ScheduleWatcher(Protocol):
    """Told when a runner's schedule changes (the nudge index and its journal)."""

    def before_commit(self, user_id: int) -> None:
        """The change is about to be written: note it durably first."""

    def after_commit(self, user_id: int, key: ScheduleKey | None) -> None:
        """The change is on disk (key None: the runner is gone)."""


class UserTx:
    """Typed operations on one runner's file; changes land together when the block ends."""

    def __init__(self, db: TinyDB) -> None:
        self._db = db

    def settings(self) -> UserSettings | None:
        """The runner's settings, or None for a runner never seen."""
        doc = self._db.table("settings").get(doc_id=_SINGLETON_ID)
        return UserSettings.from_doc(_copy(doc)) if isinstance(doc, Document) else None

    def put_settings(self, settings: UserSettings) -> None:
        """Store the runner's settings."""
        self._db.table("settings").upsert(Document(settings.to_doc(), doc_id=_SINGLETON_ID))

    def state(self) -> UserState:
        """Conversation state (empty for a new runner)."""
        doc = self._db.table("state").get(doc_id=_SINGLETON_ID)
        return UserState.from_doc(_copy(doc)) if isinstance(doc, Document) else UserState()

    def put_state(self, state: UserState) -> None:
        """Store the conversation state."""
        self._db.table("state").upsert(Document(state.to_doc(), doc_id=_SINGLETON_ID))

    def schedule_key(self) -> ScheduleKey | None:
        """What the scheduler needs to know about this runner right now."""
        return schedule_key(self.settings(), self.state())

    def add_activity(self, activity: Activity, logged_at: datetime) -> int:
        """Store an activity; returns its id, never one used before for this runner.

        TinyDB numbers a new document max(ids) + 1, so removing the last activity and
        adding another would reuse its id, and an old Undo button would remove the new
        one. The next id is kept in the runner's file instead, only ever growing.
        """
        table = self._db.table("activities")
        meta = self._db.table("meta")
        found = meta.get(doc_id=_SINGLETON_ID)
        stored_next = int(found["next_activity_id"]) if isinstance(found, Document) else 1
        ids = [doc.doc_id for doc in table.all()]
        new_id = max([stored_next, *(i + 1 for i in ids)])
        table.insert(Document(activity_to_doc(activity, logged_at), doc_id=new_id))
        meta.upsert(Document({"next_activity_id": new_id + 1}, doc_id=_SINGLETON_ID))
        return new_id

    def remove_activities(self, ids: list[int]) -> int:
        """Remove activities by id; returns how many were there."""
        table = self._db.table("activities")
        present = [i for i in ids if table.contains(doc_id=i)]
        if present:
            table.remove(doc_ids=present)
        return len(present)

    def activities(self) -> list[StoredActivity]:
        """Every stored activity, oldest first."""
        return [
            StoredActivity(doc.doc_id, activity_from_doc(dict(doc)), dict(doc))
            for doc in self._db.table("activities").all()
        ]


@contextmanager
def _open_db(path: Path) -> Iterator[TinyDB]:
    # The cache turns a transaction's several table operations into one disk write.
    storage = CachingMiddleware(AtomicJSONStorage)  # type: ignore[no-untyped-call]
    db = TinyDB(path, storage=storage)
    yield db
    # Reached only when the block succeeded: a failed block writes nothing.
    db.close()


class UserStore:
    """Synchronous core: one TinyDB file per user under `root`."""

    def __init__(self, root: Path, watcher: ScheduleWatcher | None = None) -> None:
        self.data = DataDir(root)
        self.root = root
        self.watcher = watcher

    def path_for(self, user_id: int) -> Path:
        """Where the runner's file is (see DataDir)."""
        return self.data.user_file(user_id)

    def transact(self, user_id: int, fn: Callable[[UserTx], T]) -> T:
        """Run `fn` on the user's data; its changes are written once, atomically."""
        watcher = self.watcher
        with _open_db(self.path_for(user_id)) as db:
            tx = UserTx(db)
            before = tx.schedule_key() if watcher else None
            result = fn(tx)
            after = tx.schedule_key() if watcher else None
            if watcher and after != before:
                # Journal first: a crash between the two leaves a note to re-read this file.
                watcher.before_commit(user_id)
        if watcher and after != before:
            watcher.after_commit(user_id, after)
        return result

    def schedule_key_of(self, user_id: int) -> ScheduleKey | None:
        """The runner's schedule as stored (None: no such runner)."""
        if not self.exists(user_id):
            return None
        return self.transact(user_id, lambda tx: tx.schedule_key())

    def exists(self, user_id: int) -> bool:
        """Whether anything is stored for the user."""
        return self.path_for(user_id).exists()

    def delete(self, user_id: int) -> bool:
        """Remove every stored trace of the user."""
        path = self.path_for(user_id)
        if self.watcher:
            self.watcher.before_commit(user_id)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        finally:
            if self.watcher:
                self.watcher.after_commit(user_id, None)
        return True

    def user_ids(self) -> Iterator[int]:
        """Every stored user id (for start-up indexes and backups)."""
        return self.data.user_ids()

    def sweep_temporary_files(self) -> int:
        """Remove temporary files a killed writer left behind (run at start-up only)."""
        removed = 0
        for path in list(self.data.temporary_files()):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def check(self) -> str:
        """'ok', or why the data folder cannot be used."""
        try:
            self.data.users.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-probe"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            return f"data folder {self.root} is not writable: {exc.strerror}"
        return "ok"


class ClubTx:
    """Typed operations on one club's file."""

    def __init__(self, db: TinyDB) -> None:
        self._db = db

    def club(self) -> Club | None:
        """The club, or None for a chat never seen."""
        doc = self._db.table("club").get(doc_id=_SINGLETON_ID)
        return Club.from_doc(_copy(doc)) if isinstance(doc, Document) else None

    def put_club(self, club: Club) -> None:
        """Store the club."""
        self._db.table("club").upsert(Document(club.to_doc(), doc_id=_SINGLETON_ID))

    def remove_member(self, user_id: int) -> bool:
        """Take a runner off the club's board; whether they were on it."""
        club = self.club()
        if club is None or user_id not in club.members:
            return False
        del club.members[user_id]
        self.put_club(club)
        return True


ClubWatcher = Callable[[int, ClubKey | None], None]


class ClubStore:
    """One small TinyDB file per group or channel the bot is in."""

    def __init__(self, root: Path, watcher: ClubWatcher | None = None) -> None:
        self.data = DataDir(root)
        self.watcher = watcher

    def path_for(self, chat_id: int) -> Path:
        """Where the club's file is (see DataDir)."""
        return self.data.club_file(chat_id)

    def transact(self, chat_id: int, fn: Callable[[ClubTx], T]) -> T:
        """Run `fn` on the club's data; its changes are written once, atomically."""
        with _open_db(self.path_for(chat_id)) as db:
            tx = ClubTx(db)
            before = club_key(tx.club())
            result = fn(tx)
            after = club_key(tx.club())
        if self.watcher and after != before:
            self.watcher(chat_id, after)
        return result

    def move(self, old_id: int, new_id: int) -> Club | None:
        """A group became a supergroup: its record moves to the new chat id."""
        club = self.transact(old_id, lambda tx: tx.club())
        if club is None:
            return None
        club.chat_id = new_id
        self.transact(new_id, lambda tx: tx.put_club(club))
        self.delete(old_id)
        return club

    def delete(self, chat_id: int) -> None:
        """Forget a club."""
        self.path_for(chat_id).unlink(missing_ok=True)
        if self.watcher:
            self.watcher(chat_id, None)

    def chat_ids(self) -> Iterator[int]:
        """Every stored club's chat id."""
        return self.data.club_ids()


class Repository:
    """Async facade: one writer per file at a time, disk I/O in a worker thread."""

    def __init__(
        self,
        root: Path,
        schedule: ScheduleWatcher | None = None,
        clubs: ClubWatcher | None = None,
    ) -> None:
        self.data = DataDir(root)
        self.store = UserStore(root, schedule)
        self.clubs = ClubStore(root, clubs)
        self._locks: weakref.WeakValueDictionary[tuple[str, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, user_id: int, kind: str = "user") -> asyncio.Lock:
        lock = self._locks.get((kind, user_id))
        if lock is None:
            lock = asyncio.Lock()
            self._locks[(kind, user_id)] = lock
        return lock

    async def club_transact(self, chat_id: int, fn: Callable[[ClubTx], T]) -> T:
        """Run `fn` on a club's data under the club's lock."""
        async with self._lock(chat_id, "club"):
            return await asyncio.to_thread(self.clubs.transact, chat_id, fn)

    async def move_club(self, old_id: int, new_id: int) -> Club | None:
        """Move a club's record to its new (supergroup) chat id."""
        async with self._lock(old_id, "club"), self._lock(new_id, "club"):
            return await asyncio.to_thread(self.clubs.move, old_id, new_id)

    async def transact(self, user_id: int, fn: Callable[[UserTx], T]) -> T:
        """Run `fn` on the user's data under the user's lock; returns once it is on disk."""
        async with self._lock(user_id):
            return await asyncio.to_thread(self.store.transact, user_id, fn)

    async def transact_existing(self, user_id: int, fn: Callable[[UserTx], T]) -> T | None:
        """`transact` for a runner still stored; None (and no file made) for one deleted."""
        async with self._lock(user_id):
            if not self.store.exists(user_id):
                return None
            return await asyncio.to_thread(self.store.transact, user_id, fn)

    async def delete(self, user_id: int) -> bool:
        """Remove every stored trace of the user: off every club's board, then their file."""
        settings = await self.transact(user_id, lambda tx: tx.settings())
        for chat_id in settings.clubs if settings else []:
            await self.club_transact(chat_id, lambda tx: tx.remove_member(user_id))
        async with self._lock(user_id):
            return await asyncio.to_thread(self.store.delete, user_id)
