"""Webhook mode end to end: `python -m bot` serving on 127.0.0.1, the stand-in as Bot API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.botapi_standin import BotApiStandIn
from tests.offline import FAKE_TOKEN

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s3cret-Token_for-tests"
USER = 5151


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as server:
        yield server


def _env(standin: BotApiStandIn, data: Path, port: int) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WALKCOACH_", "WEBHOOK_"))
    }
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "TELEGRAM_API_URL": standin.url,
        "WALKCOACH_DATA_DIR": str(data),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
    }


def post(port: int, body: dict[str, object], secret: str | None) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram/hook",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _message(text: str, message_id: int) -> dict[str, object]:
    return {
        "update_id": 9000 + message_id,
        "message": {
            "message_id": message_id,
            "date": 1_800_000_000,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }


def test_webhook_mode_signed_updates_health_and_backup(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    port, data = free_port(), tmp_path / "data"
    env = _env(standin, data, port)
    log = (tmp_path / "bot.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        hook = standin.wait_for(lambda c: c.method == "setWebhook")
        assert hook.params["url"] == f"http://127.0.0.1:{port}/telegram/hook"
        assert hook.params["secret_token"] == SECRET
        # The server listens before it asks Telegram for the webhook.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            health = json.loads(r.read())
        assert health == {"ok": True, "bot": "@walkcoach_test_bot", "store": "ok"}

        mark = standin.mark()
        assert post(port, _message("ran 10k in 52:30", 1), "wrong-secret") == 403
        assert post(port, _message("ran 10k in 52:30", 2), None) == 403
        assert post(port, _message("ran 10k in 52:30", 3), SECRET) == 200
        reply = standin.wait_text("Cool down with a 3-6 min walk.", mark)
        sent = [c for c in standin.calls[mark:] if c.method == "sendMessage"]
        assert sent == [reply]  # the unsigned ones got no answer

        backup = tmp_path / "backups" / "walk-coach.tar.gz"
        done = subprocess.run(
            [sys.executable, "-m", "bot", "backup", str(backup)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        with tarfile.open(backup) as archive:
            names = archive.getnames()
            member = archive.extractfile(names[0])
            assert member is not None
            content = json.loads(member.read())
        assert len(names) == 1 and names[0].endswith(f"/{USER}.json")
        assert content["activities"]["1"]["distance_m"] == 10000.0
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
    assert code == 0
    text = (tmp_path / "bot.log").read_text()
    assert "stopping: finishing updates in flight" in text
    assert FAKE_TOKEN not in text and SECRET not in text
    assert "ran 10k" not in text
    assert f"chat_id={USER} user_id={USER}" in text


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


def test_check_command_validates_without_network(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "WALKCOACH_DATA_DIR": str(tmp_path / "d"),
    }
    ok = _run(env, "check")
    assert ok.returncode == 0 and ok.stdout.startswith("settings ok:") and "polling" in ok.stdout
    no_secret = _run({**env, "WEBHOOK_URL": "https://bot.example.org/tg"}, "check")
    assert no_secret.returncode == 2
    assert "WEBHOOK_SECRET is required" in no_secret.stderr
    bad_port = _run({**env, "WEBHOOK_PORT": "99999"}, "check")
    assert bad_port.returncode == 2 and "WEBHOOK_PORT" in bad_port.stderr
    sick = _run(env, "health")
    assert sick.returncode == 1 and "has not run yet" in sick.stderr
