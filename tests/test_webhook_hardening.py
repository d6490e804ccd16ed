"""The webhook server: the secret and the size are checked before the body is read, and
nothing a client sends gets a 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tornado.httpserver
import tornado.netutil

from bot.intake import UpdateJournal
from bot.settings import Settings
from bot.webhook import MAX_BODY_BYTES, SECRET_HEADER, GroupCommit, make_server
from tests.flowkit import FakeClock, started_app, stopped_app
from tests.offline import FAKE_API, FAKE_TOKEN

SECRET = "s3cret-Token_1"
PATH = "/tg/hook"


@pytest.fixture
async def port(tmp_path: Path) -> AsyncIterator[int]:
    app, _ = await started_app(tmp_path, FakeClock(datetime(2026, 11, 26, 9, tzinfo=UTC)))
    settings = Settings(
        token=FAKE_TOKEN,
        api_url=FAKE_API,
        data_dir=tmp_path,
        webhook_url=f"https://bot.example.org{PATH}",
        webhook_secret=SECRET,
    )
    server = tornado.httpserver.HTTPServer(make_server(app, settings))
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server.add_sockets(sockets)
    try:
        yield int(sockets[0].getsockname()[1])
    finally:
        server.stop()
        await stopped_app(app)


async def _post(port: int, headers: dict[str, str], body: bytes, send_body: bool = True) -> int:
    """One POST over a raw connection; the status code (the body may never be sent)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"POST {PATH} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    if send_body:
        writer.write(body)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    return int(status_line.split()[1])


def _signed(size: int) -> dict[str, str]:
    return {SECRET_HEADER: SECRET, "Content-Length": str(size)}


async def test_a_stranger_is_refused_before_a_byte_of_the_body(port: int) -> None:
    # 90 MB declared, none sent: the answer comes from the headers alone.
    headers = {SECRET_HEADER: "wrong", "Content-Length": str(90 * 1024 * 1024)}
    assert await _post(port, headers, b"", send_body=False) == 403
    assert await _post(port, {"Content-Length": "2"}, b"{}") == 403


async def test_a_body_over_the_limit_gets_413(port: int) -> None:
    assert await _post(port, _signed(MAX_BODY_BYTES + 1), b"", send_body=False) == 413


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b"42", b"not json", b'"text"', b"[" * 100_000 + b"]" * 100_000, b'{"message": 5}'],
)
async def test_anything_but_an_update_gets_400_never_500(port: int, body: bytes) -> None:
    assert await _post(port, _signed(len(body)), body) == 400


async def test_a_signed_update_is_taken(port: int) -> None:
    update = json.dumps({"update_id": 7}).encode()
    assert await _post(port, _signed(len(update)), update) == 200


async def test_posts_at_once_share_an_fsync_and_a_double_is_new_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = UpdateJournal(tmp_path / "updates-journal.jsonl")
    journal.open()
    batches: list[int] = []
    receive = journal.receive

    def counted(updates: Sequence[dict[str, Any]]) -> list[int]:
        batches.append(len(updates))
        return receive(updates)

    monkeypatch.setattr(journal, "receive", counted)
    intake = GroupCommit(journal)
    posted = [{"update_id": i} for i in (1, 2, 3, 3, 4)]
    fresh = await asyncio.gather(*(intake.receive(u) for u in posted))
    assert fresh == [True, True, True, False, True]  # 3 posted twice at once: new once
    assert sum(batches) == 5 and len(batches) <= 2  # one fsync for the burst
    assert await intake.receive({"update_id": 2}) is False  # Telegram posts it again
    assert [u["update_id"] for u in journal.pending()] == [1, 2, 3, 4]


async def test_a_journal_that_cannot_write_refuses_its_whole_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = UpdateJournal(tmp_path / "updates-journal.jsonl")
    journal.open()

    def full(updates: Sequence[dict[str, Any]]) -> list[int]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal, "receive", full)
    intake = GroupCommit(journal)
    posts = (intake.receive({"update_id": i}) for i in range(3))
    results = await asyncio.gather(*posts, return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)  # each answered 503
