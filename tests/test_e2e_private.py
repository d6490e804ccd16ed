"""End to end: `python -m bot` as a real process against the Bot API stand-in on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.botapi_standin import BotApiStandIn
from tests.offline import FAKE_TOKEN

ROOT = Path(__file__).resolve().parent.parent
HOUR = timedelta(hours=1)
USER = 4242


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as server:
        yield server


def bot_env(standin: BotApiStandIn, data_dir: Path) -> dict[str, str]:
    """The bot's environment: the stand-in as Bot API, a fake token, its own data folder."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WALKCOACH_", "WEBHOOK_"))
    }
    return {
        **inherited,
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "TELEGRAM_API_URL": standin.url,
        "WALKCOACH_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
    }


def start_bot(
    standin: BotApiStandIn, data_dir: Path, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The bot in polling mode, once it polls; `extra`: more environment (a test clock)."""
    env = bot_env(standin, data_dir) | (extra or {})
    mark = standin.mark()
    # The child gets its own copy of the file descriptor; ours is closed once it started.
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=data_dir.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # Start-up is done when the command menu was registered and polling began.
    standin.wait_for(lambda c: c.method == "setMyCommands", mark)
    standin.wait_for(lambda c: c.method == "getUpdates", mark)
    return proc


def test_onboarding_report_kill_restart(standin: BotApiStandIn, tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "bot.log"
    proc = start_bot(standin, data, log)
    try:
        m = standin.mark()
        standin.push_text(USER, "/start")
        standin.wait_text("Kilometres or miles?", m)
        m = standin.mark()
        standin.push_press(USER, "miles")
        standin.wait_text("Your time zone", m)
        m = standin.mark()
        standin.push_text(USER, "Berlin")
        standin.wait_text("Daily step goal?", m)
        for following in ("When should I nudge you", "Body weight", "All set."):
            # Each question is pressed once it is on screen, as a runner would.
            since = standin.mark()
            standin.push_press(USER, "Skip")
            standin.wait_text(following, since)

        m = standin.mark()
        standin.push_text(USER, "long run 20 mi 3:05")
        reply = standin.wait_text(
            "Logged: long run, 20 mi in 3:05:00 (9:15/mi), today.\n"
            "Walk 10-20 min now: 30-60 s for each of your 20 miles.",
            m,
        )
        assert "rx:why" in str(reply.params["reply_markup"])

        # Half-way through /run ...
        m = standin.mark()
        standin.push_text(USER, "/run")
        standin.wait_text("What kind of run was it?", m)
        standin.push_press(USER, "Easy")
        standin.wait_text("How far?", m)
        standin.push_text(USER, "5")
        standin.wait_text("How long did it take?", m)
        # ... a step count is logged and confirmed, then the process dies at once.
        m = standin.mark()
        standin.push_text(USER, "/steps 7400")
        standin.wait_text("Logged: 7,400 steps today.\n600 steps to your 8,000", m)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    proc = start_bot(standin, data, log)
    try:
        m = standin.mark()
        standin.push_text(USER, "30:00")
        standin.wait_text("Effort, 1 (very easy) to 10", m)
        m = standin.mark()
        standin.push_text(USER, "/today")
        today = standin.wait_text("600 steps to your 8,000", m)
        assert "Today: long run 20 mi in 3:05:00." in today.text
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    text = log.read_text()
    assert FAKE_TOKEN not in text
    assert "long run 20 mi" not in text


def _run_without_token(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_token_is_a_one_line_error(tmp_path: Path) -> None:
    proc = _run_without_token(tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in proc.stderr and "BotFather" in proc.stderr


def test_malformed_token_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=not-a-token\n")
    proc = _run_without_token(tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "does not look like a bot token" in proc.stderr
    assert "not-a-token" not in proc.stderr


def test_a_second_bot_on_the_same_folder_is_refused(standin: BotApiStandIn, tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "bot.log"
    first = start_bot(standin, data, log)
    try:
        env = bot_env(standin, data)
        started = time.monotonic()
        second = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=data.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        elapsed = time.monotonic() - started
        assert second.returncode == 1
        assert second.stderr.strip() == (
            f"walk-coach: another walk-coach (PID {first.pid}) is running on {data}; stop it first"
        )
        assert elapsed < 5  # refused at once (most of this is starting Python)
        m = standin.mark()
        standin.push_text(USER, "ran 5 km 30 min")  # the first goes on as before
        standin.wait_text("Logged: run, 5 km in 30:00", m)
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=20)


def test_a_watch_file_through_the_real_process(standin: BotApiStandIn, tmp_path: Path) -> None:
    """sendDocument -> getUpdates -> getFile -> the download -> the worker -> the reply."""
    from tests import trackfiles as tf

    data, log = tmp_path / "data", tmp_path / "bot.log"
    proc = start_bot(standin, data, log)
    try:
        m = standin.mark()
        # The real process reads the real clock: the run was this morning, or yesterday.
        plan = replace(tf.run_with_breaks(), start=datetime.now(UTC) - timedelta(hours=8))
        standin.push_document(USER, "Morning_Run.fit", tf.fit_bytes(plan))
        reply = standin.wait_text("Logged from your FIT file: run, 7.64 km in 45:15", m)
        assert "You walked 4 times during the run, 5 min in all" in reply.text
        methods = [c.method for c in standin.calls[m:]]
        assert methods.index("getFile") < methods.index("download") < methods.index("sendMessage")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc: no extra tools)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether `pid` exits within `within` seconds (it is not our child: poll /proc)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)  # waiting on another process's exit, not timing the bot
    return False


def test_the_file_worker_dies_with_the_bot(standin: BotApiStandIn, tmp_path: Path) -> None:
    """kill -9 of the bot leaves no worker process (nor its resource tracker) behind."""
    from tests import trackfiles as tf

    proc = start_bot(standin, tmp_path / "data", tmp_path / "bot.log")
    m = standin.mark()
    standin.push_document(USER, "walk.fit", tf.fit_bytes(tf.walk(10, datetime.now(UTC) - HOUR)))
    standin.wait_text("Logged from your FIT file: walk", m)
    helpers = _children(proc.pid)
    assert helpers, "the file was read in a worker process"
    proc.kill()
    proc.wait(timeout=20)
    assert [pid for pid in helpers if not _gone(pid)] == []


def test_a_large_file_never_delays_another_runner(standin: BotApiStandIn, tmp_path: Path) -> None:
    """A 6 h, 1 Hz FIT (21,600 records, over a second to read) from one runner; another
    runner's message sent just after it is answered first."""
    from tests import trackfiles as tf

    big = tf.fit_bytes(tf.Plan([(6 * 3600, 3.0)], start=datetime.now(UTC) - timedelta(days=1)))
    proc = start_bot(standin, tmp_path / "data", tmp_path / "bot.log")
    try:
        m = standin.mark()
        standin.push_document(USER, "ultra.fit", big)
        standin.wait_for(lambda c: c.method == "download", m)
        standin.push_text(USER + 1, "5200 steps", name="Ben")
        steps = standin.wait_text("Logged: 5,200 steps today.", m)
        ultra = standin.wait_text("Logged from your FIT file: run", m)
        order = standin.calls.index(steps) < standin.calls.index(ultra)
        assert order, "the other runner waited for the file"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
