"""Fuzz: random updates of every shape Telegram sends, and forged ones, through the real
intake (cleaning, the journal, the per-runner concurrent processor).

Checked: the update queue drains (no deadlock, no stuck runner), every update is noted
handled in the journal, no apology, no handler failure, every private text answered.
`make test` runs a few hundred; `make soak` 100,000 (WALKCOACH_SOAK=1).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot import texts
from bot.intake import clean
from tests.flowkit import FakeClock, default_now, started_app, stopped_app
from tests.test_flow_fuzz import COMMANDS, TAPS, WORDS

SOAK = os.environ.get("WALKCOACH_SOAK") == "1"
UPDATES = 100_000 if SOAK else 300
# Many runners in the soak: one runner's file holding 25,000 walks would measure the
# store's rewrite of a big file, not the intake.
RUNNERS = tuple(range(1, 2001 if SOAK else 5))
GROUP = {"id": -50, "type": "group", "title": "Club"}
FORGED_TAPS = ["rx:done:99999999999:0:1", "rx:done:10:99999999999:1", "rx:undo:" + "9" * 40]


class Shapes:
    """Raw updates, as Telegram's JSON."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_id = 0

    def _ids(self) -> int:
        self.next_id += 1
        return self.next_id

    def _user(self, uid: int) -> dict[str, Any]:
        return {"id": uid, "is_bot": False, "first_name": "Ana"}

    def _text(self) -> str:
        rng = self.rng
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
        if rng.random() < 0.3:
            return f"{rng.choice(COMMANDS)} {words}".strip()
        if rng.random() < 0.1:
            return words + " \ud83d"  # a lone surrogate
        return words or "x"

    def _message(self, uid: int, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        return {
            "message_id": self._ids(),
            "date": 1_800_000_000,
            "chat": chat,
            "from": self._user(uid),
            **content,
        }

    def update(self) -> tuple[str, dict[str, Any]]:
        rng, uid = self.rng, self.rng.choice(RUNNERS)
        private = {"id": uid, "type": "private", "first_name": "Ana"}
        kind = rng.choices(
            [
                "text",
                "tap",
                "forged_tap",
                "no_from",
                "edited",
                "channel",
                "migrate",
                "group",
                "sticker",
                "inline_tap",
            ],
            weights=[50, 12, 3, 3, 5, 3, 2, 10, 5, 2],
        )[0]
        raw: dict[str, Any]
        if kind == "text":
            text = self._text()
            raw = {"message": self._message(uid, private, text=text)}
            if text.startswith("/"):
                length = len(text.split()[0])
                raw["message"]["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": length}
                ]
        elif kind in ("tap", "forged_tap", "inline_tap"):
            data = rng.choice(TAPS if kind == "tap" else FORGED_TAPS)
            query: dict[str, Any] = {
                "id": str(self._ids()),
                "from": self._user(uid),
                "chat_instance": "ci",
                "data": data,
            }
            if kind == "inline_tap":
                query["inline_message_id"] = "im"
            else:
                query["message"] = self._message(uid, private, text="question")
            raw = {"callback_query": query}
        elif kind == "no_from":
            raw = {"message": self._message(uid, private, text=self._text())}
            del raw["message"]["from"]
        elif kind == "edited":
            raw = {"edited_message": self._message(uid, private, text=self._text())}
        elif kind == "channel":
            chat = {"id": -1001, "type": "channel", "title": "C"}
            raw = {
                "channel_post": {"message_id": self._ids(), "date": 1, "chat": chat, "text": "x"}
            }
        elif kind == "migrate":
            to = rng.choice([GROUP["id"], -1009])  # to itself (forged), or a supergroup
            raw = {"message": self._message(uid, GROUP, migrate_to_chat_id=to)}
        elif kind == "group":
            text = rng.choice(["/board", "/join", "/run 5k 30min", "/steps 5000", "hello"])
            raw = {"message": self._message(uid, GROUP, text=text)}
            if text.startswith("/"):
                length = len(text.split()[0])
                raw["message"]["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": length}
                ]
        else:
            sticker = {
                "file_id": "s",
                "file_unique_id": "su",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
            raw = {"message": self._message(uid, private, sticker=sticker)}
        return kind, {"update_id": self._ids(), **raw}


async def test_random_shapes_never_deadlock_or_apologise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(default_now())
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    shapes = Shapes(random.Random(14))
    journal = app.services.journal
    kinds: Counter[str] = Counter()
    texts_from: Counter[int] = Counter()
    await app.start()
    try:
        with caplog.at_level(logging.WARNING):
            for batch_start in range(0, UPDATES, 100):
                raws = []
                for _ in range(min(100, UPDATES - batch_start)):
                    kind, raw = shapes.update()
                    kinds[kind] += 1
                    raws.append(clean(raw))
                    if kind == "text":
                        texts_from[raw["message"]["chat"]["id"]] += 1
                await asyncio.to_thread(journal.receive, raws)
                for raw in raws:
                    await app.update_queue.put(Update.de_json(raw, app.bot))
                # Drained, or a runner is stuck.
                await asyncio.wait_for(app.update_queue.join(), timeout=60)
    finally:
        await app.stop()
        await stopped_app(app)
    said = [c for c in request.calls if c.method == "sendMessage"]
    apologies = [c for c in said if c.text in (texts.APOLOGY, texts.DISK_FULL)]
    answered = Counter(c.chat_id for c in said)
    unanswered = {uid: n for uid, n in texts_from.items() if answered[uid] < n}
    print(
        f"\nfuzz {UPDATES} updates {dict(kinds)}: pending {len(journal.pending())},"
        f" apologies {len(apologies)}, chats with unanswered texts {len(unanswered)}"
    )
    assert journal.pending() == []
    assert apologies == []
    assert "handler failed" not in caplog.text
    assert unanswered == {}
