"""A runner sending files to the real Application, which talks HTTP to the Bot API
stand-in on loopback: sendDocument's update in, getFile and the download out, replies
and edits recorded. Updates are handed to the app directly (no polling), one at a time."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.context import WalkApp
from bot.settings import Settings
from bot.workers import Worker
from tests.botapi_standin import BotApiStandIn
from tests.flowkit import FakeClock, stopped_app, stored
from tests.offline import FAKE_TOKEN, Call, find_button, on_screen, pressed_message

USER = 42
_ids = itertools.count(1)


class FileChat:
    """One runner's private chat, files and words."""

    def __init__(self, app: WalkApp, standin: BotApiStandIn, clock: FakeClock, data: Path):
        self.app, self.standin, self.clock, self.data = app, standin, clock, data

    async def _process(self, update: dict[str, Any]) -> list[Call]:
        mark = self.standin.mark()
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self.standin.calls[mark:]

    async def send_file(
        self,
        name: str,
        data: bytes,
        caption: str | None = None,
        size: int | None = None,
        chat: dict[str, Any] | None = None,
    ) -> list[Call]:
        """The runner sends a document (in `chat`, else privately); every call the bot
        made while handling it."""
        update = self.standin.document(USER, name, data, caption, chat, size)
        return await self._process(update)

    async def say(self, text: str, chat: dict[str, Any] | None = None) -> list[Call]:
        """The runner types a message (in `chat`, else privately)."""
        message: dict[str, Any] = {
            "message_id": 900_000 + next(_ids),
            "date": 1_800_000_000,
            "chat": chat or {"id": USER, "type": "private", "first_name": "Ana"},
            "from": {"id": USER, "is_bot": False, "first_name": "Ana"},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self._process({"update_id": 900_000 + next(_ids), "message": message})

    async def press(self, label: str, on: list[Call]) -> list[Call]:
        """Press the button labelled `label` on the message among `on` that shows it."""
        for call, rows in reversed(on_screen(on, USER)):
            data = find_button(rows, label)
            if data is not None:
                chat = {"id": USER, "type": "private", "first_name": "Ana"}
                query = {
                    "id": f"cb{next(_ids)}",
                    "from": {"id": USER, "is_bot": False, "first_name": "Ana"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": pressed_message(call, rows, chat),
                }
                return await self._process(
                    {"update_id": 900_000 + next(_ids), "callback_query": query}
                )
        raise AssertionError(f"no button {label!r}")

    def stored(self) -> Any:
        """The runner's stored data."""
        return stored(self.data, USER)


def replies(calls: list[Call]) -> str:
    """The text of every message sent or edited, in order."""
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def labels_of(calls: list[Call]) -> list[str]:
    """Every button label shown in `calls`."""
    return [label for c in calls for row in c.buttons for label, _ in row]


@asynccontextmanager
async def file_chat(
    tmp_path: Path, now: datetime, worker: Worker | None = None
) -> AsyncIterator[FileChat]:
    """The app against a fresh stand-in, the clock at `now`."""
    with BotApiStandIn() as standin:
        data = tmp_path / "data"
        settings = Settings(token=FAKE_TOKEN, api_url=standin.url, data_dir=data)
        clock = FakeClock(now)
        app = build_application(settings, clock=clock, rate_limiter=False, worker=worker)
        await app.initialize()
        # What run_polling does after initialize: load the schedule, register the commands.
        assert app.post_init is not None
        await app.post_init(app)
        try:
            yield FileChat(app, standin, clock, data)
        finally:
            await stopped_app(app)


class SharedWorker(Worker):
    """One worker process for many apps (starting one costs about a second): an app's
    shutdown leaves it running; `stop` ends it."""

    def close(self) -> None:
        """Kept for the next app."""

    def stop(self) -> None:
        """End the process."""
        super().close()
