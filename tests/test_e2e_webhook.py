"""Webhook mode end to end: `python -m bot` serving on 127.0.0.1, the stand-in as Bot API."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
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
# What Telegram is told; a reverse proxy would forward it to the port the bot listens on.
HOOK_URL = "https://walkcoach.example.org/telegram/hook"
LISTENING = re.compile(rb"webhook mode: listening on 127\.0\.0\.1:(\d+), path /telegram/hook")


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as server:
        yield server


def _env(standin: BotApiStandIn, data: Path) -> dict[str, str]:
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
        "WEBHOOK_URL": HOOK_URL,
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": "0",  # any free port: no race with other processes for a fixed one
    }


def bound_port(proc: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> int:
    """The port the bot bound, from its 'listening on' log line (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_bytes())
        if found:
            return int(found[1])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    pytest.fail(f"the bot logged no 'listening on' line (exit {proc.poll()}):\n{log.read_text()}")


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
    data, log = tmp_path / "data", tmp_path / "bot.log"
    env = _env(standin, data)
    with log.open("wb") as out:  # the child has its own copy of the file descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        port = bound_port(proc, log)
        assert port != 0
        hook = standin.wait_for(lambda c: c.method == "setWebhook")
        assert hook.params["url"] == HOOK_URL
        assert hook.params["secret_token"] == SECRET
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            health = json.loads(r.read())
        assert health == {"ok": True, "bot": "@walkcoach_test_bot", "store": "ok"}

        mark = standin.mark()
        assert post(port, _message("ran 10k in 52:30", 1), "wrong-secret") == 403
        assert post(port, _message("ran 10k in 52:30", 2), None) == 403
        assert post(port, _message("ran 10k in 52:30", 3), SECRET) == 200
        reply = standin.wait_text(
            "Logged: run, 10 km in 52:30 (5:15/km), today.\nCool down with a 3-6 min walk.", mark
        )
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
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    assert code == 0
    text = log.read_text()
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
    missing = _run(env, "check")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr == (
        f"walk-coach: no data folder at {tmp_path / 'd'} (`run` creates it; `check` never does)\n"
    )
    assert not (tmp_path / "d").exists()  # check created nothing
    (tmp_path / "d").mkdir()
    ok = _run(env, "check")
    assert ok.returncode == 0 and ok.stdout.startswith("settings ok:") and "polling" in ok.stdout
    assert list((tmp_path / "d").iterdir()) == []  # nor wrote anything
    no_secret = _run({**env, "WEBHOOK_URL": "https://bot.example.org/tg"}, "check")
    assert no_secret.returncode == 2
    assert "WEBHOOK_SECRET is required" in no_secret.stderr
    bad_port = _run({**env, "WEBHOOK_PORT": "99999"}, "check")
    assert bad_port.returncode == 2 and "WEBHOOK_PORT" in bad_port.stderr
    assert "0-65535" in bad_port.stderr
    hook = {"WEBHOOK_URL": HOOK_URL, "WEBHOOK_SECRET": SECRET}
    any_port = _run({**env, **hook, "WEBHOOK_PORT": "0"}, "check")
    assert any_port.returncode == 0, any_port.stderr
    sick = _run(env, "health")
    assert sick.returncode == 1 and "has not run yet" in sick.stderr
