"""At-least-once intake, exactly-once effect: the update journal and the reply outbox.

Telegram forgets an update once it is confirmed (polling: the next getUpdates offset;
webhook: HTTP 200). So every update is appended here, fsynced, *before* it is confirmed;
a kill afterwards loses nothing, the next start replays what was not handled.

One file, `<data>/updates-journal.jsonl`, one JSON object a line:

    {"u": 17, "update": {...}}                     received (fsynced before confirming)
    {"d": 17}                                      handled (its effect is on disk)
    {"p": 17, "chat": 5, "replies": [...], ...}    replies prepared, written just before
                                                   the runner's file is
    {"o": 17}                                      the runner's file is written: the
                                                   prepared replies are owed
    {"t": 17, "n": 2}                              reply 2 is being sent (-1: its try
                                                   surely failed); a restart marks it
                                                   "sent again" when it resends it
    {"s": 17, "n": 2}                              the first 2 owed replies went out

A reply that could not be sent after its log was stored stays owed (the outbox) and is
retried, rather than the runner being told to try again (and logging twice).

The one window no file can close: a kill after the runner's file is written and before
the "o" line replays the update. A report carries its message key, so the replay finds
it logged and sends the replies prepared for it ("p") instead; a settings answer
replayed in that window (microseconds) is applied again, which is idempotent for a
value typed once.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bot.replies import Button, Document, Reply
from bot.storage.atomic import AppendFile, atomic_write_bytes

logger = logging.getLogger("walkcoach.intake")
# Update ids remembered after they were handled, so a redelivery is recognised.
SEEN_MEMORY = 10_000
# Rewrite the file (pending entries only) once this many lines accumulated.
COMPACT_AFTER = 20_000


def _line(value: dict[str, Any]) -> bytes:
    """One journal line. orjson (several times faster); json where orjson refuses: an
    update's text may hold a lone surrogate, which json escapes and orjson rejects."""
    try:
        return orjson.dumps(value) + b"\n"
    except orjson.JSONEncodeError:
        return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A reply as plain JSON (files base64)."""
    out: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        out["buttons"] = [[[b.label, b.data] for b in row] for row in reply.buttons]
    if reply.ask_location:
        out["ask_location"] = True
    if reply.photo is not None:
        out["photo"] = base64.b64encode(reply.photo).decode()
    if reply.document is not None:
        doc = reply.document
        out["document"] = [doc.filename, base64.b64encode(doc.content).decode(), doc.caption]
    return out


def reply_from_json(raw: dict[str, Any]) -> Reply:
    """The reply `reply_to_json` wrote."""
    buttons = tuple(
        tuple(Button(str(b[0]), str(b[1])) for b in row) for row in raw.get("buttons", [])
    )
    photo = base64.b64decode(raw["photo"]) if "photo" in raw else None
    document = None
    if "document" in raw:
        name, content, caption = raw["document"]
        document = Document(str(name), base64.b64decode(content), str(caption))
    return Reply(str(raw["text"]), buttons, bool(raw.get("ask_location")), document, photo)


def clean(value: Any) -> Any:
    """An update's JSON with lone surrogates (which no UTF-8 file can hold, so a runner's
    draft holding one could never be written again) replaced by U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


@dataclass
class Owed:
    """Replies owed to a chat for one handled update; `sent` of them went out."""

    update_id: int
    chat_id: int
    replies: tuple[Reply, ...]
    remove_keyboard: bool = False
    sent: int = 0
    # The chat of each reply, when they do not all go to `chat_id` (a log from a group:
    # the details to the runner's private chat, a short line to the group).
    chats: tuple[int, ...] = ()
    # Sent in place of the last reply once a reply to another chat was refused (the
    # runner blocked the bot: the group line then carries the details itself).
    fallback: Reply | None = None
    refused: bool = False
    # The reply whose request may have reached Telegram with no answer back (a kill or a
    # timeout mid-send): sent again, it says so. -1: none.
    tried: int = -1

    def chat_of(self, index: int) -> int:
        """Where reply `index` goes."""
        return self.chats[index] if self.chats else self.chat_id

    def drop(self, chat: int) -> None:
        """The next reply can never reach `chat`: it and the rest for that chat are
        skipped; the fallback replaces the last reply if one to another chat is left."""
        self.sent += 1
        while self.sent < len(self.replies) and self.chat_of(self.sent) == chat:
            self.sent += 1
        self.refused = self.refused or self.sent < len(self.replies)

    def move(self, old: int, new: int) -> None:
        """A chat moved (a group became a supergroup): its replies go to the new id."""
        if self.chat_id == old:
            self.chat_id = new
        self.chats = tuple(new if c == old else c for c in self.chats)

    def reply_at(self, index: int) -> Reply:
        """Reply `index` as it goes out now (the fallback in place of the last one, once
        an earlier chat refused)."""
        last = index == len(self.replies) - 1
        if last and self.refused and self.fallback is not None:
            return self.fallback
        return self.replies[index]

    def to_json(self, tag: str = "o") -> dict[str, Any]:
        out = {
            tag: self.update_id,
            "chat": self.chat_id,
            "replies": [reply_to_json(r) for r in self.replies],
            "rk": self.remove_keyboard,
            "n": self.sent,
        }
        if self.chats:
            out["chats"] = list(self.chats)
        if self.fallback is not None:
            out["fb"] = reply_to_json(self.fallback)
        if self.refused:
            out["r"] = True
        if self.tried >= 0:
            out["tried"] = self.tried
        return out


def _owed(update_id: int, line: dict[str, Any]) -> Owed:
    replies = tuple(reply_from_json(r) for r in line["replies"])
    chats = tuple(int(c) for c in line.get("chats", ()))
    fallback = reply_from_json(line["fb"]) if "fb" in line else None
    owed = Owed(update_id, int(line["chat"]), replies, bool(line.get("rk")), chats=chats)
    owed.fallback, owed.refused = fallback, bool(line.get("r"))
    owed.sent = int(line.get("n", 0))
    owed.tried = int(line.get("tried", -1))
    return owed


@dataclass
class _State:
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)
    prepared: dict[int, Owed] = field(default_factory=dict)
    owed: dict[int, Owed] = field(default_factory=dict)
    seen: deque[int] = field(default_factory=deque)
    seen_set: set[int] = field(default_factory=set)

    def see(self, update_id: int) -> None:
        if update_id in self.seen_set:
            return
        self.seen.append(update_id)
        self.seen_set.add(update_id)
        while len(self.seen) > SEEN_MEMORY:
            self.seen_set.discard(self.seen.popleft())

    def apply(self, line: dict[str, Any]) -> None:
        if "u" in line:
            update_id = int(line["u"])
            self.pending[update_id] = line["update"]
            self.see(update_id)
        elif "d" in line:
            self.pending.pop(int(line["d"]), None)
            self.prepared.pop(int(line["d"]), None)
        elif "seen" in line:
            for update_id in line["seen"]:
                self.see(int(update_id))
        else:
            self._apply_reply(line)

    def _apply_reply(self, line: dict[str, Any]) -> None:
        """A line about an update's replies: prepared, owed, trying one, sent."""
        if "p" in line:
            self.prepared[int(line["p"])] = _owed(int(line["p"]), line)
        elif "o" in line:
            update_id = int(line["o"])
            self.pending.pop(update_id, None)
            owed = _owed(update_id, line) if "replies" in line else self.prepared.get(update_id)
            self.prepared.pop(update_id, None)
            if owed is not None and owed.sent < len(owed.replies):
                self.owed[update_id] = owed
        elif "s" in line:
            found = self.owed.get(int(line["s"]))
            if found is not None:
                found.sent = max(found.sent, int(line["n"]))
                found.refused = found.refused or bool(line.get("r"))
                if found.sent >= len(found.replies):
                    del self.owed[found.update_id]
        elif "t" in line:
            trying = self.owed.get(int(line["t"]))
            if trying is not None:
                trying.tried = int(line["n"])


class UpdateJournal:
    """The journal file and what it says is still to do. Thread-safe (appends are made
    from worker threads so an fsync never blocks the event loop)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._state = _State()
        self._lines = 0
        self._file = AppendFile(path)
        # Owed replies being sent right now (event loop only): never sent by two at once.
        self.in_flight: set[int] = set()

    # ---- start-up ----

    def open(self) -> None:
        """Read what the last run left, then rewrite the file with only that."""
        with self._lock:
            self._state = _State()
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                raw = b""
            for text in raw.splitlines():
                try:
                    self._state.apply(json.loads(text))
                except (ValueError, KeyError, TypeError, IndexError):
                    # A kill mid-append leaves a torn last line: it was never confirmed.
                    continue
            self._compact()
        if self._state.pending or self._state.owed:
            logger.info(
                "journal: %s updates to replay, %s replies owed",
                len(self._state.pending),
                len(self._state.owed),
            )

    def close(self) -> None:
        """Close the append handle (reopened at the next append)."""
        self._file.close()

    def _compact(self) -> None:
        lines: list[dict[str, Any]] = [{"seen": list(self._state.seen)}]
        lines += [{"u": i, "update": u} for i, u in self._state.pending.items()]
        lines += [o.to_json("p") for o in self._state.prepared.values()]
        lines += [o.to_json() for o in self._state.owed.values()]
        self.close()  # the file is replaced: the next append opens the new one
        atomic_write_bytes(self.path, b"".join(map(_line, lines)))
        self._lines = len(lines)

    def _record(self, lines: Sequence[dict[str, Any]], durable: bool) -> None:
        """Append lines, then apply them (only once written: a failed append changes
        nothing), then compact if it is time: the rewrite is made from the state, so the
        state must hold these lines first."""
        payload = b"".join(map(_line, lines))
        self._file.append(payload, durable)
        for line in lines:
            self._state.apply(line)
        self._lines += len(lines)
        if self._lines > COMPACT_AFTER:
            self._compact()

    # ---- intake ----

    def receive(self, updates: Sequence[dict[str, Any]]) -> list[int]:
        """Journal updates durably; returns the ids that are new (a redelivered one is not).
        Raises OSError when they could not be journaled: they must not be confirmed."""
        with self._lock:
            fresh = [u for u in updates if int(u["update_id"]) not in self._state.seen_set]
            if fresh:
                self._record([{"u": int(u["update_id"]), "update": u} for u in fresh], True)
            return [int(u["update_id"]) for u in fresh]

    def handled(self, update_id: int) -> None:
        """The update's effect is on disk (no fsync: the runner's file already is)."""
        with self._lock:
            if update_id in self._state.pending:
                self._record([{"d": update_id}], False)

    def prepare(self, owed: Owed) -> None:
        """Replies about to be owed: written just before the runner's file. Not fsynced:
        a kill keeps it (the page cache survives the process); after a power cut the
        replay answers "already logged" instead of the prepared reply."""
        with self._lock:
            self._record([owed.to_json("p")], False)

    def owe(self, update_id: int) -> Owed | None:
        """The runner's file is written: the prepared replies are owed (the update is
        handled). Returns them."""
        with self._lock:
            self._record([{"o": update_id}], False)
            return self._state.owed.get(update_id)

    def prepared_for(self, update_id: int) -> Owed | None:
        """Replies prepared for the update by a run that died before noting them owed."""
        with self._lock:
            return self._state.prepared.get(update_id)

    def trying(self, update_id: int, index: int) -> None:
        """Reply `index` of the update is about to be sent (-1: that try surely failed).
        No fsync: a kill keeps it. Only the wording of a resend depends on it, so a line
        that cannot be written (a full disk) never stops the send."""
        with self._lock:
            if update_id in self._state.owed:
                try:
                    self._record([{"t": update_id, "n": index}], False)
                except OSError as exc:
                    logger.warning("journal: could not note a send: %s", exc.strerror)

    def sent(self, update_id: int, count: int, refused: bool = False) -> None:
        """The first `count` owed replies of the update went out (or were dropped:
        `refused`, a chat refused one, so the fallback goes in place of the last)."""
        line = {"s": update_id, "n": count, **({"r": True} if refused else {})}
        with self._lock:
            if update_id in self._state.owed:
                self._record([line], False)

    # ---- what is left ----

    def pending(self) -> list[dict[str, Any]]:
        """Updates received and not handled, in order."""
        with self._lock:
            return [self._state.pending[i] for i in sorted(self._state.pending)]

    def owed(self) -> list[Owed]:
        """Replies still owed, oldest first."""
        with self._lock:
            return [self._state.owed[i] for i in sorted(self._state.owed)]

    def is_pending(self, update_id: int) -> bool:
        """Whether the update was received and not yet handled."""
        with self._lock:
            return update_id in self._state.pending
