"""The repository: one small TinyDB file per runner, atomic writes, I/O off the event loop.

One file per user keeps a write's cost independent of how many users there are (a
single TinyDB file re-serialises everyone on every write). Files live in two levels of
hashed sub-folders so no folder grows past a few hundred entries at 100,000 users.
Nothing outside this package imports tinydb.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

from tinydb import TinyDB
from tinydb.table import Document

from bot.storage.datadir import DataDir
from bot.storage.logged import (
    DEFAULT_CACHE_RUNNERS,
    LoggedStorage,
    RecordCache,
    delete_record,
    read_tables,
    replayer,
)
from bot.storage.records import (
    DEFAULT_NUDGE,
    DEFAULT_TIMEZONE,
    Club,
    ClubKey,
    ScheduleKey,
    UserSettings,
    UserState,
    _date,
    _iso,
    activity_from_doc,
    activity_to_doc,
    club_key,
)
from bot.storage.wal import Wal, wal_for
from bot.workers import spawn_pool
from coach_rules import Activity

T = TypeVar("T")
_SINGLETON_ID = 1


class StoredActivity(NamedTuple):
    """An activity and the id it is stored under (shared by transactions: never change
    `doc`, the store's own document; activities are only ever added and removed, so a
    parsed one stays valid). A NamedTuple: a frozen dataclass cost 1.6 us to build, a
    third of a report's history parse."""

    id: int
    activity: Activity
    doc: dict[str, Any]


class ScheduleWatcher(Protocol):
    """Told when a runner's schedule changes (the nudge index and its journal)."""

    def before_commit(self, user_id: int) -> None:
        """The change is about to be written: note it durably first."""

    def after_commit(self, user_id: int, key: ScheduleKey | None) -> None:
        """The change is on disk (key None: the runner is gone)."""


def _schedule_key(tables: dict[str, dict[str, dict[str, Any]]]) -> ScheduleKey | None:
    """`records.schedule_key` read from the raw documents (no record built)."""
    settings = tables.get("settings", {}).get("1")
    if settings is None:
        return None
    state = tables.get("state", {}).get("1") or {}
    return ScheduleKey(
        settings.get("timezone", DEFAULT_TIMEZONE),
        settings.get("nudge", DEFAULT_NUDGE),
        bool(settings.get("blocked", False)),
        _iso(_date(state.get("followup_on"))),
    )


def _key_at(path: Path) -> ScheduleKey | None:
    tables = read_tables(path)
    return _schedule_key(tables) if tables is not None else None


_SCHEDULE_TABLES = frozenset({"settings", "state"})
PARALLEL_FROM = 20_000
PARALLEL_CHUNK = 5_000


def schedule_keys_in(root: str, user_ids: list[int]) -> list[tuple[int, ScheduleKey | None]]:
    """The runners' schedules read from their files (module level: it runs in worker
    processes too)."""
    data = DataDir(Path(root))
    return [(user_id, _key_at(data.user_file(user_id))) for user_id in user_ids]


class UserTx:
    """Typed operations on one runner's file; changes land together when the block ends."""

    def __init__(self, storage: LoggedStorage) -> None:
        self._storage = storage

    def _put(self, table: str, doc: dict[str, Any]) -> None:
        """Upsert a singleton document as TinyDB's upsert would: fields merged over the
        stored ones (a field a newer version added survives)."""
        old = self._raw(table)
        self._storage.set_doc(table, "1", {**old, **doc} if old else doc)

    def _raw(self, table: str) -> dict[str, Any] | None:
        """The singleton document of a table as this transaction sees it (read only)."""
        data = self._storage.view()
        return data.get(table, {}).get("1") if data else None

    def settings(self) -> UserSettings | None:
        """The runner's settings, or None for a runner never seen."""
        doc = self._raw("settings")
        return UserSettings.from_doc(doc) if doc is not None else None

    def put_settings(self, settings: UserSettings) -> None:
        """Store the runner's settings."""
        self._put("settings", settings.to_doc())

    def state(self) -> UserState:
        """Conversation state (empty for a new runner)."""
        doc = self._raw("state")
        return UserState.from_doc(doc) if doc is not None else UserState()

    def put_state(self, state: UserState) -> None:
        """Store the conversation state."""
        self._put("state", state.to_doc())

    def schedule_key(self) -> ScheduleKey | None:
        """What the scheduler needs to know about this runner right now (read from the
        documents directly: asked twice per transaction, it must cost nothing)."""
        return _schedule_key(self._storage.view() or {})

    def add_activity(self, activity: Activity, logged_at: datetime) -> int:
        """Store an activity; returns its id, never one used before for this runner.

        TinyDB numbers a new document max(ids) + 1, so removing the last activity and
        adding another would reuse its id, and an old Undo button would remove the new
        one. The next id is kept in the runner's file instead, only ever growing.
        """
        found = self._raw("meta")
        stored_next = int(found["next_activity_id"]) if found is not None else 1
        activities = (self._storage.view() or {}).get("activities", {})
        new_id = max(stored_next, max(map(int, activities), default=0) + 1)
        self._storage.set_doc("activities", str(new_id), activity_to_doc(activity, logged_at))
        self._put("meta", {"next_activity_id": new_id + 1})
        return new_id

    def remove_activities(self, ids: list[int]) -> int:
        """Remove activities by id; returns how many were there."""
        activities = (self._storage.view() or {}).get("activities", {})
        present = {str(i) for i in ids} & activities.keys()
        for doc_id in present:
            self._storage.set_doc("activities", doc_id, None)
        return len(present)

    def activities(self, since: date | None = None) -> list[StoredActivity]:
        """Every stored activity, oldest first (each parsed once while its runner is cached);
        `since`: at least those of that day on (a day before it may come too), the older
        ones never parsed (a runner's long history is skipped on every report)."""
        return self._activities((since - timedelta(days=1)).isoformat() if since else "", "")

    def activities_on(self, day: date) -> list[StoredActivity]:
        """The activities of one local day, oldest first: only those documents are parsed
        (the nudge tick asks it of thousands of runners a minute, most not cached)."""
        return self._activities("", day.isoformat())

    def _activities(self, floor: str, day: str) -> list[StoredActivity]:
        data = self._storage.view()
        entry = self._storage.entry
        committed = entry.tables.get("activities", {}) if entry else {}
        parsed = entry.parsed if entry else {}
        out = []
        for doc_id, doc in (data or {}).get("activities", {}).items():
            # "at" is the local time in ISO form: its first ten characters are the day,
            # and ISO days sort as dates do.
            at = str(doc.get("at", ""))
            if (floor and at[:10] < floor) or (day and not at.startswith(day)):
                continue
            key = ("activities", doc_id)
            found = parsed.get(key)
            if found is None:
                found = StoredActivity(int(doc_id), activity_from_doc(doc), doc)
                if doc_id in committed:  # only what is on disk is kept for the next one
                    parsed[key] = found
            out.append(found)
        return out


class FolderWal:
    """A data folder's WAL, opened at the first write (so `check` and `backup`, which run
    beside the bot and never write, never open it), and the names records go by in it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = len(str(root)) + 1
        self._wal: Wal | None = None

    def __call__(self) -> Wal:
        if self._wal is None:
            self._wal = open_wal(self.root)
        return self._wal

    def name(self, path: Path) -> str:
        """`path` relative to the folder (every record file is under it)."""
        return str(path)[self._prefix :]


def open_wal(root: Path) -> Wal:
    """The folder's WAL, recovered: what a start does before anything is read."""
    return wal_for(root, replayer(root))


@contextmanager
def _open_storage(
    path: Path, cache: RecordCache, wal: FolderWal, durable: bool = True
) -> Iterator[LoggedStorage]:
    # The block's operations change the storage's working copy; commit writes it once.
    storage = LoggedStorage(path, cache, wal, wal.name(path))
    yield storage
    # Reached only when the block succeeded: a failed block writes nothing.
    storage.commit(durable)


class UserStore:
    """Synchronous core: one TinyDB file per user under `root`."""

    def __init__(
        self,
        root: Path,
        watcher: ScheduleWatcher | None = None,
        cache_size: int = DEFAULT_CACHE_RUNNERS,
    ) -> None:
        self.data = DataDir(root)
        self.root = root
        self.watcher = watcher
        self.cache = RecordCache(cache_size)
        self.wal = FolderWal(root)
        # The same Path object each time: building one (and its hash and string, which
        # the cache and every open need) cost more than a fan-out's whole plan.
        self._paths = functools.lru_cache(maxsize=4096)(self.data.user_file)

    def path_for(self, user_id: int) -> Path:
        """Where the runner's file is (see DataDir)."""
        return self._paths(user_id)

    def transact(self, user_id: int, fn: Callable[[UserTx], T], durable: bool = True) -> T:
        """Run `fn` on the user's data; its changes are written once, atomically
        (durable=False: fsynced later, by `sync`, with a whole batch)."""
        watcher = self.watcher
        with _open_storage(self.path_for(user_id), self.cache, self.wal, durable) as storage:
            tx = UserTx(storage)
            result = fn(tx)
            # Only settings and state hold the schedule: most writes touch neither.
            moved = watcher is not None and storage.touched(_SCHEDULE_TABLES)
            if moved:
                before = _schedule_key(storage.committed() or {})
                after = tx.schedule_key()
                moved = after != before
            if watcher and moved:
                # Journal first: a crash between the two leaves a note to re-read this file.
                watcher.before_commit(user_id)
        if watcher and moved:
            watcher.after_commit(user_id, after)
        return result

    def schedule_key_of(self, user_id: int) -> ScheduleKey | None:
        """The runner's schedule as stored (None: no such runner). Read straight from the
        file and its log, not kept in the cache."""
        return _key_at(self.path_for(user_id))

    def schedule_keys(self, user_ids: Collection[int]) -> list[tuple[int, ScheduleKey | None]]:
        """Every given runner's schedule (a first start asks it of everyone): from
        PARALLEL_FROM runners on, read by one process per core (parsing the files is CPU
        work, and the bot answers nobody before it is done)."""
        ids = sorted(user_ids)
        root = os.fspath(self.root)
        cores = os.cpu_count() or 1
        if len(ids) < PARALLEL_FROM or cores == 1:
            return schedule_keys_in(root, ids)
        chunks = [ids[i : i + PARALLEL_CHUNK] for i in range(0, len(ids), PARALLEL_CHUNK)]
        with spawn_pool(cores) as pool:
            parts = pool.map(partial(schedule_keys_in, root), chunks)
            return [pair for part in parts for pair in part]

    def exists(self, user_id: int) -> bool:
        """Whether anything is stored for the user."""
        return self.path_for(user_id).exists()

    def delete(self, user_id: int) -> bool:
        """Remove every stored trace of the user."""
        path = self.path_for(user_id)
        if self.watcher:
            self.watcher.before_commit(user_id)
        try:
            return delete_record(path, self.cache, self.wal)
        finally:
            if self.watcher:
                self.watcher.after_commit(user_id, None)

    def user_ids(self) -> Iterator[int]:
        """Every stored user id (for start-up indexes and backups)."""
        return self.data.user_ids()

    def sweep_temporary_files(self) -> int:
        """Remove temporary files a killed writer left behind, everywhere (tests and tools:
        the bot sweeps a folder lazily, at its first write after a start)."""
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

    def __init__(self, storage: LoggedStorage) -> None:
        # The clubs' few writes go through TinyDB's Table operations.
        self._db, self._storage = TinyDB(storage=lambda: storage), storage

    def club(self) -> Club | None:
        """The club, or None for a chat never seen."""
        data = self._storage.view()
        doc = data.get("club", {}).get("1") if data else None
        return Club.from_doc(doc) if doc is not None else None

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

    def __init__(
        self,
        root: Path,
        watcher: ClubWatcher | None = None,
        cache_size: int = DEFAULT_CACHE_RUNNERS,
    ) -> None:
        self.data = DataDir(root)
        self.watcher = watcher
        self.cache = RecordCache(cache_size)
        self.wal = FolderWal(root)

    def path_for(self, chat_id: int) -> Path:
        """Where the club's file is (see DataDir)."""
        return self.data.club_file(chat_id)

    def transact(self, chat_id: int, fn: Callable[[ClubTx], T]) -> T:
        """Run `fn` on the club's data; its changes are written once, atomically."""
        with _open_storage(self.path_for(chat_id), self.cache, self.wal) as storage:
            tx = ClubTx(storage)
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
        delete_record(self.path_for(chat_id), self.cache, self.wal)
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
        cache_size: int = DEFAULT_CACHE_RUNNERS,
    ) -> None:
        self.data = DataDir(root)
        self.store = UserStore(root, schedule, cache_size)
        self.clubs = ClubStore(root, clubs, max(1, cache_size // 10))
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

    async def transact(self, user_id: int, fn: Callable[[UserTx], T], durable: bool = True) -> T:
        """Run `fn` on the user's data under the user's lock; returns once it is on disk
        (durable=False: in the kernel, safe from kill -9; power-safe at the next `sync`)."""
        async with self._lock(user_id):
            return await asyncio.to_thread(self.store.transact, user_id, fn, durable)

    def sync(self) -> None:
        """One durable commit for every non-durable write so far (a minute's sent-records)."""
        self.store.wal().sync()

    async def transact_existing(
        self, user_id: int, fn: Callable[[UserTx], T], durable: bool = True
    ) -> T | None:
        """`transact` for a runner still stored; None (and no file made) for one deleted."""
        async with self._lock(user_id):
            if not self.store.exists(user_id):
                return None
            return await asyncio.to_thread(self.store.transact, user_id, fn, durable)

    async def transact_each(
        self, work: Sequence[tuple[int, Callable[[UserTx], T]]], durable: bool = True
    ) -> list[T | Exception | None]:
        """`transact_existing` for several runners in one trip to the worker thread (a
        minute's fan-out: one hop per runner cost more than the work). Each runner's lock
        is held, taken in id order (no cycle with another batch). A failure is returned in
        its runner's place; durable: one commit (`sync`) for the whole batch at the end."""
        async with contextlib.AsyncExitStack() as held:
            for user_id in sorted({user_id for user_id, _ in work}):
                await held.enter_async_context(self._lock(user_id))
            return await asyncio.to_thread(self._each, work, durable)

    def _each(
        self, work: Sequence[tuple[int, Callable[[UserTx], T]]], durable: bool
    ) -> list[T | Exception | None]:
        out: list[T | Exception | None] = []
        for user_id, fn in work:
            try:
                exists = self.store.exists(user_id)
                out.append(self.store.transact(user_id, fn, durable=False) if exists else None)
            except Exception as exc:  # one runner's failure is theirs alone
                out.append(exc)
        if durable:
            self.sync()
        return out

    async def delete(self, user_id: int) -> bool:
        """Remove every stored trace of the user: off every club's board, then their file."""
        settings = await self.transact(user_id, lambda tx: tx.settings())
        for chat_id in settings.clubs if settings else []:
            await self.club_transact(chat_id, lambda tx: tx.remove_member(user_id))
        async with self._lock(user_id):
            return await asyncio.to_thread(self.store.delete, user_id)
