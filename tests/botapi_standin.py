"""A small Bot API server stand-in on 127.0.0.1, speaking the real HTTP shape.

Runners' updates are queued with `push_*`; getUpdates long-polls them with real offset
semantics (an update is gone once a later offset confirms it); every call the bot makes
is recorded and can be waited for. No sleeping: waits are on a condition with a bound.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.offline import (
    ADMIN_RIGHTS,
    BOT_USER,
    FAKE_TOKEN,
    Call,
    find_button,
    labels,
    on_screen,
    pressed_message,
)


def _decode_value(raw: str) -> Any:
    # PTB sends objects and lists JSON-encoded, plain strings as they are.
    if raw[:1] in "{[":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def parse_request(
    path: str, ctype: str, body: bytes
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Parameters and files of a Bot API request: query, JSON, form or multipart."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query))
    params: dict[str, Any] = {k: _decode_value(v) for k, v in query.items()}
    files: dict[str, tuple[str, bytes]] = {}
    if ctype.startswith("application/json") and body:
        params.update(json.loads(body))
    elif ctype.startswith("application/x-www-form-urlencoded"):
        for k, v in urllib.parse.parse_qsl(body.decode()):
            params[k] = _decode_value(v)
    elif ctype.startswith("multipart/form-data"):
        raw = f"Content-Type: {ctype}\r\n\r\n".encode() + body
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        for part in msg.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            filename = part.get_filename()
            if filename:
                files[name] = (filename, payload)
            else:
                params[name] = _decode_value(payload.decode())
    return params, files


# What a fault does. Status faults are Telegram's own answers (nothing was delivered).
# "reset_before": the connection drops before the call is read (nothing delivered);
# "reset_after": the call is delivered, then the connection drops before the answer
# (the bot cannot tell it from "reset_before", nor from a read timeout after sending).
FAULTS: dict[str, tuple[int, dict[str, Any]]] = {
    "500": (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
    "502": (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
    "429": (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    ),
    "403": (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}),
    "400": (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}),
}


class _Server(ThreadingHTTPServer):
    # The standard library's listen backlog is 5: a burst of concurrent requests (a
    # fan-out sends 32 at once) had connections reset before they were read, which the
    # bot must count as maybe sent. Telegram's servers do not do that.
    request_queue_size = 1024
    daemon_threads = True


class BotApiStandIn:
    """The server and its state; use as a context manager."""

    def __init__(self, token: str = FAKE_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(5000)
        self.chat_members: dict[tuple[int, int], str] = {}
        # Files runners sent, by file_id: getFile and the download serve them.
        self.files: dict[str, bytes] = {}
        # Fault injection: given (method, params), the fault to answer this call with
        # (see FAULTS), or None to answer normally. Calls answered with a fault are
        # kept in `faulted`; `calls` holds only what Telegram accepted.
        self.fault: Callable[[str, dict[str, Any]], str | None] | None = None
        self.faulted: list[tuple[str, Call]] = []
        self.server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BotApiStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- what a runner does ----

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update; returns its id."""
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
        return update_id

    def push_text(
        self, user_id: int, text: str, chat: dict[str, Any] | None = None, name: str = "Ana"
    ) -> int:
        """A runner types `text` (commands get their entity)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user_id, "type": "private", "first_name": name},
            "from": {"id": user_id, "is_bot": False, "first_name": name},
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push({"message": message})

    def document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        caption: str | None = None,
        chat: dict[str, Any] | None = None,
        size: int | None = None,
    ) -> dict[str, Any]:
        """The update of a runner sending a file (kept for getFile and the download);
        `size` overrides the size Telegram reports (a file over the 20 MB limit)."""
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = data
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
            "document": {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": filename,
                "file_size": len(data) if size is None else size,
            },
        }
        if caption:
            message["caption"] = caption
        with self._cond:
            return {"update_id": next(self._update_ids), "message": message}

    def push_document(self, user_id: int, filename: str, data: bytes) -> int:
        """A runner sends a file (delivered through getUpdates)."""
        update = self.document(user_id, filename, data)
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()
        return int(update["update_id"])

    def _push_query(self, user_id: int, data: str, message: dict[str, Any]) -> int:
        return self.push(
            {
                "callback_query": {
                    "id": f"cq{next(self._update_ids)}",
                    "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def push_tap(self, user_id: int, data: str, message_id: int = 1) -> int:
        """Raw callback data on a made-up message: only for forged or stale buttons; a
        runner's own taps go through `push_press`."""
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "text": "question",
        }
        return self._push_query(user_id, data, message)

    def push_press(self, user_id: int, label: str) -> int:
        """A runner presses the button labelled `label` (or, if none is, the first starting
        with it) on the latest message in their private chat still showing such a button:
        the tap carries that message and the id this stand-in gave it."""
        with self._cond:
            shown = on_screen(self.calls, user_id)
        for call, rows in reversed(shown):
            data = find_button(rows, label)
            if data is not None:
                chat = {"id": user_id, "type": "private", "first_name": "Ana"}
                return self._push_query(user_id, data, pressed_message(call, rows, chat))
        seen = [labels(rows) for _, rows in shown if rows]
        raise AssertionError(f"no button {label!r} in chat {user_id}; buttons shown: {seen}")

    # ---- what the bot did ----

    def wait_for(
        self, predicate: Callable[[Call], bool], since: int = 0, timeout: float = 20.0
    ) -> Call:
        """The first call after index `since` matching `predicate` (bounded wait)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[since:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    sent = [(c.method, c.text[:60]) for c in self.calls[since:]]
                    raise TimeoutError(f"no matching call; since {since}: {sent}")
                self._cond.wait(remaining)

    def wait_count(
        self, predicate: Callable[[Call], bool], count: int, timeout: float = 20.0
    ) -> None:
        """Until `count` calls match `predicate` (bounded wait; each call checked once)."""
        deadline = time.monotonic() + timeout
        seen = matched = 0
        with self._cond:
            while True:
                matched += sum(1 for call in self.calls[seen:] if predicate(call))
                seen = len(self.calls)
                if matched >= count:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{matched} matching calls of {count}")
                self._cond.wait(remaining)

    def calls_after(self, since: int, timeout: float) -> list[Call]:
        """The calls after index `since`, waiting (bounded) for at least one."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.calls) <= since:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
            return self.calls[since:]

    def wait_text(self, starts: str, since: int = 0, timeout: float = 20.0) -> Call:
        """The first message sent after `since` whose text starts with `starts`."""
        return self.wait_for(
            lambda c: c.method == "sendMessage" and c.text.startswith(starts), since, timeout
        )

    def mark(self) -> int:
        """An index to wait from."""
        with self._cond:
            return len(self.calls)

    # ---- the HTTP side ----

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        timeout = min(float(params.get("timeout", 0) or 0), 5.0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            limit = int(params.get("limit", 100) or 100)
            return list(self._updates[:limit])

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method in ("sendMessage", "sendDocument", "sendPhoto"):
            chat_id = (
                int(params["chat_id"])
                if str(params.get("chat_id", "")).lstrip("-").isdigit()
                else 0
            )
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": BOT_USER,
            }
            if method == "sendMessage":
                message["text"] = params.get("text", "")
            return 200, {"ok": True, "result": message}
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            if file_id not in self.files:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: invalid file_id",
                }
            size = len(self.files[file_id])
            result = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": size}
            return 200, {"ok": True, "result": result | {"file_path": f"documents/{file_id}"}}
        if method == "editMessageText":
            chat_id = int(params.get("chat_id", 0) or 0)
            edited = {
                "message_id": int(params.get("message_id", 0) or 0),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
            return 200, {"ok": True, "result": edited}
        if method == "getChatMember":
            key = (int(params["chat_id"]), int(params["user_id"]))
            status = self.chat_members.get(key, "member")
            user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "U"}
            rights = ADMIN_RIGHTS if status == "administrator" else {}
            return 200, {"ok": True, "result": {"status": status, "user": user, **rights}}
        known = {
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "answerCallbackQuery",
            "editMessageReplyMarkup",
            "close",
            "logOut",
        }
        if method in known:
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _download(self, path: str) -> bytes:
        """A file's bytes at /file/bot<token>/<file_path> (recorded as a 'download' call);
        a wrong token or an unknown file gets an empty body, as a failed download."""
        token, _, file_path = urllib.parse.unquote(path.removeprefix("/file/bot")).partition("/")
        self._record(Call("download", {"file_path": file_path}))
        found = self.files.get(file_path.removeprefix("documents/"))
        return found if token == self.token and found is not None else b""

    def _call(self, call: Call) -> tuple[int, dict[str, Any]] | None:
        """Answer one Bot API call and record it (None: the connection drops without an
        answer, an injected fault)."""
        fault = self.fault(call.method, call.params) if self.fault else None
        if fault is not None:
            return self._faulted(fault, call.method, call.params, call)
        if call.method == "getUpdates":
            self._record(call)  # before the long poll: start-up waits for it
        status, body = self._answer(call.method, call.params)
        if call.method != "getUpdates":
            # Recorded with the id its message got, so it can be pressed at once.
            result = body.get("result")
            if isinstance(result, dict) and "message_id" in result:
                call.message_id = int(result["message_id"])
            self._record(call)
        return status, body

    def _faulted(
        self, fault: str, method: str, params: dict[str, Any], call: Call
    ) -> tuple[int, dict[str, Any]] | None:
        """Answer a call with a fault: Telegram's error answer, or None for a connection
        dropped without one."""
        with self._cond:
            self.faulted.append((fault, call))
        if fault == "reset_after":
            _, body = self._answer(method, params)
            result = body.get("result")
            if isinstance(result, dict) and "message_id" in result:
                call.message_id = int(result["message_id"])
            self._record(call)  # delivered; the answer is lost
        if fault in ("reset_before", "reset_after"):
            return None
        return FAULTS[fault]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def _params(self) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length) if length else b""
                return parse_request(self.path, self.headers.get("Content-Type", ""), body)

            def _serve(self) -> None:
                path = urllib.parse.urlsplit(self.path).path
                if path.startswith("/file/bot"):
                    self._raw(200, standin._download(path))
                    return
                prefix = "/bot"
                if not path.startswith(prefix) or "/" not in path[len(prefix) :]:
                    self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                token, _, method = path[len(prefix) :].partition("/")
                if token != standin.token:
                    self._send(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                params, files = self._params()
                answer = standin._call(Call(method, params, files))
                if answer is None:
                    self.close_connection = True  # dropped without an answer
                    return
                self._send(*answer)

            def _send(self, status: int, body: dict[str, Any]) -> None:
                self._raw(status, json.dumps(body).encode(), "application/json")

            def _raw(
                self, status: int, payload: bytes, ctype: str = "application/octet-stream"
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot was killed mid long-poll: that is the point of the test

            do_GET = _serve
            do_POST = _serve

        return Handler
