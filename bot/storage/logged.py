"""A TinyDB storage over a runner's file plus an append-only log of its changes.

Rewriting a runner's whole file durably (temporary file, fsync, rename, folder fsync) was
most of a report's cost. Here a transaction appends one record, the documents it
changed, to `<id>.log` beside `<id>.json`, and the same record to the data folder's
write-ahead log (wal.py), whose fdatasync makes it durable; every FOLD_RECORDS records
(or when the log outgrows FOLD_BYTES) the state is folded into `<id>.json` with the
atomic rewrite and the log emptied.

A record is a 4-byte length, a 4-byte CRC-32 and a JSON payload
`{"seq": n, "set": {table: {doc id: document or null}}}`. Reading replays the records
whose seq is above the one the `.json` file was folded at (kept in its `_log` table;
a file written before logs existed has none: 0), and stops at the first record whose
length or checksum does not match: the torn tail of an append a kill interrupted, which
was never acknowledged. The next append cuts that tail off first.

Crash safety, step by step:
- append to the runner's log (kept by the kernel through a kill -9), then to the WAL,
  fdatasync the WAL, then acknowledge: after a power cut the WAL gives the runner's log
  back whatever it lacks (`replay`);
- fold: the `.json` file is replaced atomically and durably and carries the seq it holds,
  then the log is emptied; a crash in between replays nothing twice (seq at or below:
  skipped);
- a runner's first write creates `<id>.json` atomically (so listing the folder still
  names every runner); a log found without its `.json` file is a deleted runner's
  leftover, ignored on read and removed before the file is created again;
- delete: `<id>.json` first (its log is then ignored), then the log, then the WAL's
  generation ends (a runner created again under that id never gets the old one's records).

A transaction reads the committed state itself (shared with the cache, never changed in
place): `set_doc` copies a table before its first change, and TinyDB's `read` gets a
full working copy, so a failed transaction leaves the cached state as it was.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from bot.storage.atomic import atomic_write_bytes, fsync_dir
from bot.storage.wal import Wal

Tables = dict[str, dict[str, dict[str, Any]]]
META = "_log"  # the table holding the seq the .json file was folded at
FOLD_RECORDS = 32
FOLD_BYTES = 256 * 1024
_HEADER = struct.Struct("<II")
DEFAULT_CACHE_RUNNERS = 500


def _log_name(path: Path) -> str:
    """`log_path` as a string: with_suffix cost 10 us, and every cache check needs it."""
    return os.path.splitext(path)[0] + ".log"


def log_path(path: Path) -> Path:
    """The log beside a record file."""
    return Path(_log_name(path))


def _dumps(value: object) -> bytes:
    # orjson: the same compact UTF-8 JSON as json.dumps, 5-10x faster both ways.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _loads(raw: bytes) -> Any:
    return orjson.loads(raw)


def frame(payload: bytes) -> bytes:
    """One log record: length, checksum, payload."""
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_records(raw: bytes) -> tuple[list[dict[str, Any]], int]:
    """The whole records at the start of a log, and how many bytes they take."""
    records, offset = [], 0
    while offset + _HEADER.size <= len(raw):
        length, checksum = _HEADER.unpack_from(raw, offset)
        start, end = offset + _HEADER.size, offset + _HEADER.size + length
        if end > len(raw) or zlib.crc32(raw[start:end]) != checksum:
            break  # a torn tail: never acknowledged
        try:
            record = _loads(raw[start:end])
        except orjson.JSONDecodeError:
            break
        records.append(record)
        offset = end
    return records, offset


def _seq_of(tables: Tables) -> int:
    meta = tables.get(META, {}).get("1")
    return int(meta["seq"]) if meta else 0


def apply_record(tables: Tables, record: dict[str, Any]) -> None:
    """Set (or, for null, remove) the documents one record names."""
    for name, docs in record["set"].items():
        table = tables.setdefault(name, {})
        for doc_id, doc in docs.items():
            if doc is None:
                table.pop(doc_id, None)
            else:
                table[doc_id] = doc


Stamp = tuple[int, int, int]  # a file's (inode, mtime, size): another process's write shows


def _stamp(path: Path | str) -> Stamp | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@dataclass
class Loaded:
    """A record file's committed state, as read (or as this process last wrote it)."""

    tables: Tables  # never changed in place: transactions work on copies
    seq: int
    log_valid: int  # bytes of the log holding whole records
    log_records: int
    log_exists: bool
    # Both files' (inode, mtime, size): a write by another process is noticed.
    stamp: tuple[Stamp | None, Stamp | None]
    # Parsed values (the store's), by key; dropped with the entry.
    parsed: dict[Any, Any] = field(default_factory=dict)


def load(path: Path) -> Loaded | None:
    """The file folded with its log; None when there is no such record."""
    found = _read_pair(path)
    if found is None:
        return None
    tables, log, stamp = found
    records, valid = read_records(log) if log is not None else ([], 0)
    seq = _replay(tables, records)
    return Loaded(tables, seq, valid, len(records), log is not None, stamp)


def _read_stamped(name: Path | str) -> tuple[bytes, Stamp] | None:
    """A file's bytes and the stamp they were read at (fstat: no second path lookup)."""
    try:
        fd = os.open(name, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        want = st.st_size + 1
        chunks = [os.read(fd, want)]
        # A short read is the end; a full one: another process appended meanwhile.
        while len(chunks[-1]) == want:
            want = 65536
            chunks.append(os.read(fd, want))
    finally:
        os.close(fd)
    return b"".join(chunks), (st.st_ino, st.st_mtime_ns, st.st_size)


def _read_pair(
    path: Path,
) -> tuple[Tables, bytes | None, tuple[Stamp | None, Stamp | None]] | None:
    """The file parsed, its log's bytes (None: no log) and both stamps; None if there is
    no file.

    The log is read before the file: a fold in between leaves a newer file whose seq
    skips the records it already holds, so the two always make one whole state.
    """
    log = _read_stamped(_log_name(path))
    main = _read_stamped(path)
    if main is None:
        return None
    raw, stamp = main
    tables = _loads(raw) if raw else {}
    if log is None:
        return tables, None, (stamp, None)
    return tables, log[0], (stamp, log[1])


def _replay(tables: Tables, records: list[dict[str, Any]]) -> int:
    """Apply the log's records the file does not hold yet; the seq the tables are at."""
    seq = _seq_of(tables)
    for record in records:
        if int(record["seq"]) > seq:
            apply_record(tables, record)
            seq = int(record["seq"])
    return seq


def read_tables(path: Path) -> Tables | None:
    """The record's state folded with its log, read once and not cached (a first start
    reads every runner); None if gone."""
    found = _read_pair(path)
    if found is None:
        return None
    tables, log, _ = found
    if log:
        _replay(tables, read_records(log)[0])
    return tables


def folded_bytes(path: Path) -> bytes | None:
    """The record's whole state as one file of the old format (backups); None if gone."""
    tables = read_tables(path)
    if tables is None:
        return None
    tables.pop(META, None)
    return _dumps(tables)


@dataclass(frozen=True)
class RecordsReport:
    """What `walk-coach check` found among the records."""

    records: int
    logged: int  # with changes not folded yet
    torn: int  # with a torn last record (never acknowledged; cut off at the next write)
    unreadable: tuple[str, ...]


def check_records(paths: Iterable[Path]) -> RecordsReport:
    """Read every record with its log, as the store would."""
    records = logged = torn = 0
    unreadable: list[str] = []
    for path in paths:
        records += 1
        try:
            _loads(path.read_bytes() or b"{}")
            raw = log_path(path).read_bytes()
        except FileNotFoundError:
            continue
        except ValueError as exc:
            unreadable.append(f"{path.name}: {exc}")
            continue
        _, valid = read_records(raw)
        logged += valid > 0
        torn += valid < len(raw)
    return RecordsReport(records, logged, torn, tuple(unreadable))


# Tables whose documents are only ever inserted and removed, never updated in place
# (UserTx has no way to): their documents are shared with the committed state, not copied.
APPEND_ONLY = frozenset({"activities"})


def _working(tables: Tables) -> Tables:
    # TinyDB updates documents in place: a copy of each keeps the committed state intact.
    return {
        name: dict(rows) if name in APPEND_ONLY else {k: dict(v) for k, v in rows.items()}
        for name, rows in tables.items()
    }


def _changes(old: Tables, new: Tables) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in new.keys() | old.keys():
        if name == META:
            continue
        before, after = old.get(name, {}), new.get(name, {})
        # Identity first: an append-only table's documents are the committed ones.
        diff: dict[str, Any] = {
            k: v for k, v in after.items() if (was := before.get(k)) is not v and was != v
        }
        diff |= dict.fromkeys(before.keys() - after.keys())
        if diff:
            out[name] = diff
    return out


class RecordCache:
    """The last used records' state in memory, least recently used first out."""

    def __init__(self, size: int = DEFAULT_CACHE_RUNNERS) -> None:
        self.size = max(0, size)
        self._entries: OrderedDict[Path, Loaded] = OrderedDict()
        self._lock = threading.Lock()
        self._swept: set[Path] = set()

    def get(self, path: Path) -> Loaded | None:
        """The state of `path` (cached while neither file changed underneath)."""
        with self._lock:
            entry = self._entries.get(path)
            if entry is not None:
                self._entries.move_to_end(path)
        if entry is not None and entry.stamp == (_stamp(path), _stamp(_log_name(path))):
            return entry
        entry = load(path)
        self.put(path, entry)
        return entry

    def put(self, path: Path, entry: Loaded | None) -> None:
        """Remember (or, None, forget) a record's state."""
        with self._lock:
            if entry is None or self.size == 0:
                self._entries.pop(path, None)
                return
            self._entries[path] = entry
            self._entries.move_to_end(path)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def first_write_in(self, folder: Path) -> bool:
        """True once per folder and process: time to sweep its leftovers."""
        with self._lock:
            if folder in self._swept:
                return False
            self._swept.add(folder)
            return True


def sweep_folder(folder: Path) -> None:
    """Remove temporary files a killed writer left in `folder`. Ours are never stale: their
    names carry this process's id (atomic.py), and another thread may be mid-write."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    ours = str(os.getpid())
    for name in names:
        parts = name.split(".")
        if name.startswith(".") and name.endswith(".tmp") and ours not in parts[-4:-3]:
            (folder / name).unlink(missing_ok=True)


def _append(log: Path | str, entry: Loaded, record: bytes) -> Stamp:
    """The record at the end of the runner's log, no fsync (the WAL's commit covers it);
    the log's stamp after it."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        # The size as read (this process is the only writer, under the runner's lock) tells
        # whether there is a torn tail; unknown (no log when read): asked.
        known = entry.stamp[1]
        size = known[2] if known is not None else os.fstat(fd).st_size
        if size != entry.log_valid:
            os.ftruncate(fd, entry.log_valid)  # a torn tail goes before anything follows it
        view = memoryview(record)
        while view:
            view = view[os.write(fd, view) :]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def replayer(root: Path) -> Callable[[str, bytes], None]:
    """What the WAL calls, after a power cut, with each record of its last generation:
    the record goes on its runner's log unless the log (or the folded file) has it."""

    def replay(name: str, framed: bytes) -> None:
        path = root / name
        records, _ = read_records(framed)
        entry = load(path)
        if not records or entry is None:
            return  # deleted since (or not a record)
        if int(records[0]["seq"]) == entry.seq + 1:
            _append(log_path(path), entry, framed)

    return replay


def _net(committed: Tables, dirty: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The documents set or removed that differ from the committed ones (a state put back
    unchanged writes nothing)."""
    out: dict[str, dict[str, Any]] = {}
    for name, docs in dirty.items():
        before = committed.get(name, {})
        diff = {k: v for k, v in docs.items() if (was := before.get(k)) is not v and was != v}
        if diff:
            out[name] = diff
    return out


class LoggedStorage(Storage):
    """TinyDB storage for one record file and its log; `commit` makes the changes durable.

    Two ways in. TinyDB's `read` gets a working copy of every document (its Table
    operations change documents in place), diffed against the committed state at commit.
    The store's hot operations use `view` (the state, shared, read only) and `set_doc`,
    which copies only the table it changes and notes the document: TinyDB's Table rebuilt
    its whole table (every id to int and back) on each insert, 28 us a write at 50
    activities, growing with the history, where the copy and the diff of everything cost
    as much again.
    """

    def __init__(self, path: Path, cache: RecordCache, wal: Callable[[], Wal], name: str) -> None:
        self.path, self.log, self.cache = path, _log_name(path), cache
        self.wal, self.name = wal, name  # the folder's WAL (opened at the first write)
        self.entry: Loaded | None = None
        self.data: Tables | None = None
        self._loaded = False
        self._whole = False  # TinyDB read it: a full working copy, diffed at commit
        self._own: set[str] = set()  # tables copied for this transaction
        self._dirty: dict[str, dict[str, Any]] = {}

    def view(self) -> Tables | None:
        """The state as this transaction sees it (None: no such record). Read only: its
        tables and documents may be the committed ones."""
        if not self._loaded:
            self._loaded = True
            self.entry = self.cache.get(self.path)
            self.data = dict(self.entry.tables) if self.entry else None
        return self.data

    def committed(self) -> Tables | None:
        """The state before this transaction (None: a record not made yet)."""
        self.view()
        return self.entry.tables if self.entry else None

    def touched(self, tables: frozenset[str]) -> bool:
        """Whether this transaction may have changed any of these tables."""
        return self._whole or not tables.isdisjoint(self._dirty)

    def set_doc(self, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
        """Set a document (None: remove it); the document is the transaction's from now on."""
        data = self.view()
        if data is None:
            data = self.data = {}
        if self._whole or table in self._own:
            rows = data.setdefault(table, {})
        else:
            self._own.add(table)
            rows = data[table] = dict(data.get(table, {}))
        if doc is None:
            rows.pop(doc_id, None)
        else:
            rows[doc_id] = doc
        self._dirty.setdefault(table, {})[doc_id] = doc

    def read(self) -> Tables | None:
        data = self.view()
        if data is not None and not self._whole:
            self._whole = True
            self.data = _working(data)
        return self.data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.view()  # the committed state, for the diff at commit
        self._whole = True
        self.data = data

    def close(self) -> None:
        """Nothing stays open between operations (commit is called explicitly)."""

    def commit(self, durable: bool = True) -> None:
        """Make the transaction's changes durable (nothing when nothing changed).

        durable=False: appended but not synced; a kill -9 keeps it (the kernel holds it),
        a power cut may not until the WAL's next sync (one commit for a whole batch)."""
        if self.data is None:
            return
        if self.entry is None:
            self._create(self.data)
            return
        committed = self.entry
        if self._whole:
            changes = _changes(committed.tables, self.data)
        else:
            changes = _net(committed.tables, self._dirty)
        if not changes:
            return
        seq = committed.seq + 1
        record = frame(_dumps({"seq": seq, "set": changes}))
        if (
            committed.log_records + 1 >= FOLD_RECORDS
            or committed.log_valid + len(record) > FOLD_BYTES
        ):
            self._fold(self.data, seq, changes)
            return
        stamped: list[Stamp] = []
        self.wal().append(
            self.name,
            record,
            lambda: stamped.append(_append(self.log, committed, record)),
            durable,
        )
        entry = Loaded(
            self.data,
            seq,
            committed.log_valid + len(record),
            committed.log_records + 1,
            True,
            (committed.stamp[0], stamped[0]),
        )
        self._keep_parsed(entry, changes)
        self.cache.put(self.path, entry)

    def _keep_parsed(self, entry: Loaded, changes: dict[str, dict[str, Any]]) -> None:
        assert self.entry is not None
        changed = {(name, doc_id) for name, docs in changes.items() for doc_id in docs}
        entry.parsed = {k: v for k, v in self.entry.parsed.items() if k not in changed}

    def _create(self, data: Tables) -> None:
        if os.path.exists(self.log):  # a deleted runner's leftover must not be replayed
            os.unlink(self.log)
            fsync_dir(self.path.parent)
        # An empty log now: the file's folder fsync below makes its name durable too, so
        # the runner's appends never need one.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.log, os.O_WRONLY | os.O_CREAT, 0o644))
        self._write_file(data, 0, {})

    def _fold(self, data: Tables, seq: int, changes: dict[str, dict[str, Any]]) -> None:
        empty_log = self.entry is not None and self.entry.log_exists
        self._write_file(data, seq, changes, empty_log)

    def _write_file(
        self, data: Tables, seq: int, changes: dict[str, dict[str, Any]], empty_log: bool = False
    ) -> None:
        # Only whole-file writes make temporary files: the folder's leftovers from a killed
        # process are swept before its first one (an append never lists the folder).
        folder = self.path.parent
        if self.cache.first_write_in(folder):
            sweep_folder(folder)
        body = {k: v for k, v in data.items() if k != META}
        if seq:
            body[META] = {"1": {"seq": seq}}
        atomic_write_bytes(self.path, _dumps(body))
        if empty_log:
            os.truncate(self.log, 0)  # its records are at or below the file's seq now
        log_stamp = _stamp(self.log)  # after the truncation: the cache stays valid
        entry = Loaded(body, seq, 0, 0, log_stamp is not None, (_stamp(self.path), log_stamp))
        if self.entry is not None:
            self._keep_parsed(entry, changes)
        self.cache.put(self.path, entry)


def delete_record(path: Path, cache: RecordCache, wal: Callable[[], Wal]) -> bool:
    """Remove a record file and its log (file first: a log alone is ignored), then end the
    WAL's generation: its records of this id must never reach a record made again."""
    cache.put(path, None)
    try:
        path.unlink()
    except FileNotFoundError:
        existed = False
    else:
        existed = True
        fsync_dir(path.parent)
    log_path(path).unlink(missing_ok=True)
    if existed:
        wal().checkpoint()
    return existed
