"""Backup and restore: a live bot's runners and clubs survive the round trip whole."""

from __future__ import annotations

import io
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage import ChallengeKind, ClubStore, DataDir
from tests.flowkit import FakeClock, Runner, started_app, stopped_app, stored
from tests.offline import BOT_USER, RecordingRequest

GROUP_ID, CHANNEL_ID = -4001, -1009999
GROUP = {"id": GROUP_ID, "type": "group", "title": "Parkside Runners"}
ANA, BEN, ADMIN = 11, 12, 14
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command line in an empty folder (so no .env is read)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)  # backup and restore need none
    return tmp_path


def _use(monkeypatch: pytest.MonkeyPatch, data: Path) -> None:
    monkeypatch.setenv("WALKCOACH_DATA_DIR", str(data))


async def _live_bot_with_a_club(data: Path) -> tuple[Runner, RecordingRequest]:
    app, request = await started_app(data, FakeClock(THURSDAY), rate_limiter=False)
    request.statuses[(GROUP_ID, ADMIN)] = "administrator"
    request.chats["@parkside"] = {"id": CHANNEL_ID, "type": "channel", "title": "Parkside"}
    request.statuses[(CHANNEL_ID, BOT_USER["id"])] = "administrator"
    ana = Runner(app, request, user_id=ANA, first_name="Ana")
    assert (await ana.reply("ran 10k in 52:30")).startswith("Logged: run, 10 km in 52:30")
    await ana.say("/goal 9000")
    await ana.say("/timezone Europe/Berlin")
    for user_id, name in ((ANA, "Ana"), (BEN, "Ben")):
        await Runner(app, request, user_id=user_id, first_name=name, chat=GROUP).say("/join")
    admin = Runner(app, request, user_id=ADMIN, first_name="Admin", chat=GROUP)
    assert (await admin.reply("/challenge minutes 300")).startswith("Challenge on")
    assert (await admin.reply("/channel @parkside")).startswith("Linked @parkside")
    assert (await admin.reply("/digest Mon 07:00")).startswith("Weekly digest: Mon 07:00")
    return ana, request


async def test_round_trip_keeps_runners_and_clubs(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target, archive = cli_env / "live", cli_env / "restored", cli_env / "b.tar.gz"
    ana, _ = await _live_bot_with_a_club(source)
    _use(monkeypatch, source)
    assert main(["backup", str(archive)]) == 0  # while the bot runs
    assert "(2 runners, 1 clubs)" in capsys.readouterr().out
    await stopped_app(ana.app)

    _use(monkeypatch, target)
    assert main(["restore", str(archive)]) == 0
    assert "2 runners, 1 clubs" in capsys.readouterr().out

    settings, _, activities = stored(target, ANA)
    assert (settings.step_goal, settings.timezone, settings.clubs) == (
        9000,
        "Europe/Berlin",
        [GROUP_ID],
    )
    assert [a["distance_m"] for a in activities] == [10_000.0]
    club = ClubStore(target).transact(GROUP_ID, lambda tx: tx.club())
    assert club is not None
    assert club.members == {ANA: "Ana", BEN: "Ben"}
    assert club.challenge is not None and club.challenge.kind is ChallengeKind.MINUTES
    assert club.challenge.target == 300
    assert (club.channel_id, club.channel_name) == (CHANNEL_ID, "@parkside")
    assert (club.digest_day, club.digest_time) == (0, "07:00")
    assert stored(source, ANA) == stored(target, ANA)

    # The restored bot knows them: the board, and Ana's nudge at her 19:00 in Berlin.
    clock = FakeClock(THURSDAY)
    app, request = await started_app(target, clock, rate_limiter=False)
    board = await Runner(app, request, user_id=BEN, first_name="Ben", chat=GROUP).reply("/board")
    assert "1. Ana: " in board and "Challenge (to Wed 02 Dec): 300 walking minutes" in board
    await app.services.scheduler.tick(app.bot)
    clock.now = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    before = len(request.calls)
    await app.services.scheduler.tick(app.bot)
    nudged = [int(c.params["chat_id"]) for c in request.calls[before:] if c.method == "sendMessage"]
    assert nudged == [ANA]
    await stopped_app(app)


async def test_restore_never_merges_into_a_folder_with_data(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, archive = cli_env / "live", cli_env / "b.tar.gz"
    ana, _ = await _live_bot_with_a_club(source)
    await stopped_app(ana.app)
    _use(monkeypatch, source)
    assert main(["backup", str(archive)]) == 0
    before = stored(source, ANA)
    assert main(["restore", str(archive)]) == 1
    assert "already holds runners or clubs" in capsys.readouterr().err
    assert stored(source, ANA) == before


@pytest.mark.parametrize(
    "name",
    ["../escape.json", "users/ab/cd/42.json", "schedule-snapshot.json", "/etc/passwd"],
)
def test_restore_takes_nothing_but_data_files(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    archive = cli_env / "odd.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    target = cli_env / "empty"
    _use(monkeypatch, target)
    assert main(["restore", str(archive)]) == 1
    assert "is not a Walk Coach data file" in capsys.readouterr().err
    assert not DataDir(target).has_records() and not (cli_env / "escape.json").exists()


def test_restore_of_a_file_that_is_no_archive(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = cli_env / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    _use(monkeypatch, cli_env / "empty")
    assert main(["restore", str(junk)]) == 1
    assert "cannot read" in capsys.readouterr().err
