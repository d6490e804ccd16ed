"""An offline Bot API: records every call the bot makes and never touches the network."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

FAKE_API = "http://bot-api.invalid"
SENDS = ("sendMessage", "sendDocument", "sendPhoto")
# Inline buttons as (label, callback data) rows.
Rows = list[list[tuple[str, str]]]
FAKE_TOKEN = "123456789:TESTtokenTESTtokenTESTtokenTESTtoken"
BOT_USER: dict[str, Any] = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Walk Coach",
    "username": "walkcoach_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


# What the Bot API says of an administrator's rights (all required by PTB).
ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
}


@dataclass
class Call:
    """One Bot API call: the method and its parameters (files as (name, bytes)).

    `message_id` is the id the Bot API gave the message it sent (None for other calls and
    for sends it refused), so a test can tap that message's buttons as Telegram would.
    """

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    message_id: int | None = None

    @property
    def text(self) -> str:
        """A message's text, or a photo's or file's caption."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int | None:
        """The chat the call is about, when it names one by number."""
        raw = str(self.params.get("chat_id", ""))
        return int(raw) if raw.lstrip("-").isdigit() else None

    @property
    def buttons(self) -> Rows:
        """Inline buttons as (label, callback data) rows."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            [(b["text"], b.get("callback_data", "")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    def button(self, label_start: str) -> str:
        """The callback data of the first button whose label starts with `label_start`."""
        for row in self.buttons:
            for label, data in row:
                if label.startswith(label_start):
                    return data
        raise AssertionError(f"no button {label_start!r} in {self.buttons}")


def on_screen(calls: Iterable[Call], chat_id: int) -> list[tuple[Call, Rows]]:
    """The messages the bot sent to a chat, oldest first, each with the inline buttons it shows
    now: a later editMessageReplyMarkup (or editMessageText) replaces or removes them."""
    shown: dict[int, tuple[Call, Rows]] = {}
    for call in calls:
        if call.chat_id != chat_id:
            continue
        if call.method in SENDS and call.message_id is not None:
            shown[call.message_id] = (call, call.buttons)
        elif call.method in ("editMessageReplyMarkup", "editMessageText"):
            edited = str(call.params.get("message_id", ""))
            if edited.isdigit() and int(edited) in shown:
                shown[int(edited)] = (shown[int(edited)][0], call.buttons)
    return list(shown.values())


def find_button(rows: Rows, label: str) -> str | None:
    """The callback data of the button labelled `label`, else of the first one starting so."""
    flat = [button for row in rows for button in row]
    exact = [data for text, data in flat if text == label]
    starts = [data for text, data in flat if text.startswith(label)]
    found = exact or starts
    return found[0] if found else None


def labels(rows: Rows) -> list[str]:
    """The labels a runner sees, row by row."""
    return [text for row in rows for text, _ in row]


def pressed_message(call: Call, rows: Rows, chat: dict[str, Any]) -> dict[str, Any]:
    """The message a callback query carries: the bot's message, its id and its buttons."""
    message: dict[str, Any] = {
        "message_id": call.message_id,
        "date": 1_800_000_000,
        "chat": chat,
        "from": BOT_USER,
        "reply_markup": {
            "inline_keyboard": [
                [{"text": text, "callback_data": data} for text, data in row] for row in rows
            ]
        },
    }
    if call.method == "sendPhoto":
        message["photo"] = [{"file_id": "p", "file_unique_id": "pu", "width": 1, "height": 1}]
        message["caption"] = call.text
    elif call.method == "sendDocument":
        message["document"] = {"file_id": "d", "file_unique_id": "du"}
        message["caption"] = call.text
    else:
        message["text"] = call.text
    return message


class NetworkRefused(RuntimeError):
    """The test tried to reach a real server."""


class RecordingRequest(BaseRequest):
    """A BaseRequest that answers like the Bot API and keeps every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._message_ids = itertools.count(1000)
        # chat_id -> Bot API error answers to give (in order) before succeeding again.
        self.failures: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        # chat_id -> how many times to raise a network error before succeeding again.
        self.network_errors: dict[int, int] = {}
        # (chat_id, user_id) -> member status; "member" when not listed.
        self.statuses: dict[tuple[int, int], str] = {}
        # "@username" -> chat, for getChat.
        self.chats: dict[str, dict[str, Any]] = {}

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if not url.startswith(FAKE_API):
            raise NetworkRefused(url)
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data and request_data.contains_files:
            for part, value in request_data.multipart_data.items():
                filename, content = value[0], value[1]
                data = content if isinstance(content, bytes) else content.read()
                files[part] = (str(filename), data)
        call = Call(name, params, files)
        self.calls.append(call)
        chat = call.chat_id or 0
        if name == "getChat":
            found = self.chats.get(str(params["chat_id"]))
            if found is None:
                missing = {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: chat not found",
                }
                return 400, json.dumps(missing).encode()
            full = {**found, "accent_color_id": 0, "max_reaction_count": 11}
            return 200, json.dumps({"ok": True, "result": full}).encode()
        if self.network_errors.get(chat, 0) > 0:
            self.network_errors[chat] -= 1
            raise NetworkError("connection reset (simulated)")
        queued = self.failures.get(chat)
        if queued:
            status, body = queued.pop(0)
            return status, json.dumps({"ok": False, "error_code": status, **body}).encode()
        result = self._result(name, params)
        if isinstance(result, dict) and "message_id" in result:
            call.message_id = int(result["message_id"])
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getUpdates":
            return []
        if name == "getChatMember":
            chat, user = int(params["chat_id"]), int(params["user_id"])
            status = self.statuses.get((chat, user), "member")
            member: dict[str, Any] = {
                "status": status,
                "user": {"id": user, "is_bot": False, "first_name": "U"},
            }
            if status == "administrator":
                member |= ADMIN_RIGHTS
            return member
        if name in SENDS:
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": 1_800_000_000,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
            }
            if name == "sendMessage":
                message["text"] = params.get("text", "")
            elif name == "sendDocument":
                message["document"] = {"file_id": "doc1", "file_unique_id": "doc1u"}
            return message
        return True

    def block(self, chat_id: int) -> None:
        """From now on this runner has blocked the bot."""
        self.failures[chat_id] = [
            (403, {"description": "Forbidden: bot was blocked by the user"})
        ] * 1000

    def sent(self) -> list[Call]:
        """Messages and files the bot sent, in order."""
        return [c for c in self.calls if c.method in SENDS]


def text_update(
    update_id: int, user_id: int, text: str, message_id: int | None = None
) -> dict[str, Any]:
    """A runner's private text message as Telegram sends it (message id: the update's)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id if message_id is None else message_id,
            "date": 1_800_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }
