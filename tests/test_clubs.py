"""Running clubs in groups and channels: several runners, admins, privacy, schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.outbox import retry_owed
from bot.storage import ClubStore
from bot.texts import APOLOGY
from tests.flowkit import FakeClock, Runner, after_logged, started_app, stopped_app, stored
from tests.offline import ADMIN_RIGHTS, BOT_USER, Call, RecordingRequest

GROUP_ID, NEW_GROUP_ID, CHANNEL_ID = -4001, -1004001, -1009999
GROUP = {"id": GROUP_ID, "type": "group", "title": "Parkside Runners"}
ANA, BEN, CARL, ADMIN = 11, 12, 13, 14


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Club:
    app: Any
    request: RecordingRequest
    clock: FakeClock
    data: Path

    def member(self, user_id: int, name: str, chat: dict[str, Any] | None = None) -> Runner:
        return Runner(self.app, self.request, user_id=user_id, first_name=name, chat=chat or GROUP)

    def private(self, user_id: int, name: str) -> Runner:
        return Runner(self.app, self.request, user_id=user_id, first_name=name)

    async def bot_status(self, status: str, chat: dict[str, Any] = GROUP) -> list[Call]:
        before = len(self.request.calls)
        update = {
            "my_chat_member": {
                "chat": chat,
                "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"},
                "date": 1_800_000_000,
                "old_chat_member": {"status": "left", "user": BOT_USER},
                "new_chat_member": {
                    "status": status,
                    "user": BOT_USER,
                    **(ADMIN_RIGHTS if status == "administrator" else {}),
                    **({"until_date": 0} if status == "kicked" else {}),
                },
            }
        }
        await self.member(ADMIN, "Admin")._process(update)
        return self.request.calls[before:]

    async def tick(self, moment: datetime) -> list[Call]:
        self.clock.now = moment
        before = len(self.request.calls)
        await self.app.services.scheduler.tick(self.app.bot)
        return [c for c in self.request.calls[before:] if c.method.startswith("send")]


@pytest.fixture
async def club(tmp_path: Path) -> AsyncIterator[Club]:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))  # Thursday
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    request.statuses[(GROUP_ID, ADMIN)] = "administrator"
    c = Club(app, request, clock, tmp_path)
    await c.tick(clock.now)
    try:
        yield c
    finally:
        await stopped_app(app)


def texts(calls: list[Call], chat: int) -> list[str]:
    return [c.text for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat]


async def setup_members(club: Club) -> None:
    await club.private(ANA, "Ana").say("/start")  # Ana has a private chat with the bot
    await club.member(ANA, "Ana").say("/join")
    await club.member(BEN, "Ben").say("/join")


async def test_added_to_a_group_introduces_itself_once(club: Club) -> None:
    calls = await club.bot_status("member")
    intro = texts(calls, GROUP_ID)
    assert len(intro) == 1 and intro[0].startswith("Hi, I'm Walk Coach. I help this club walk more")
    assert texts(await club.bot_status("administrator"), GROUP_ID) == []  # promoted: no repeat


async def test_join_invites_runners_without_a_private_chat(club: Club) -> None:
    await club.private(ANA, "Ana").say("/start")
    ana = await club.member(ANA, "Ana").reply("/join")
    assert ana == "Ana is on the board."
    ben = await club.member(BEN, "Ben").reply("/join")
    assert ben.startswith("Ben is on the board. Start a private chat")
    assert f"https://t.me/walkcoach_test_bot?start=club{abs(GROUP_ID)}" in ben
    again = await club.member(BEN, "Ben").reply("/join")
    assert again.startswith("Ben, you're already on the board. Start a private chat")


async def test_logging_from_the_group_goes_to_the_members_own_log(club: Club) -> None:
    await setup_members(club)
    calls = await club.member(ANA, "Ana").say("/run 10k 52:30")
    assert texts(calls, GROUP_ID) == ["Logged for Ana. Details sent privately."]
    private = texts(calls, ANA)
    assert after_logged(private[0]).startswith("Cool down with a 3-6 min walk.")
    assert stored(club.data, ANA)[2][0]["distance_m"] == 10000.0
    ben = await club.member(BEN, "Ben").say("/walk 40 min")
    group = texts(ben, GROUP_ID)[0]
    assert group.startswith(
        "Logged for Ben: walk, 40 min, today.\n"
        "Impact: about 52% less per step than running those 40 min."
    )
    assert "t.me/walkcoach_test_bot?start=club" in group
    assert texts(ben, BEN) == []
    assert stored(club.data, BEN)[2][0]["duration_s"] == 2400


async def test_bad_input_in_the_group_stores_nothing(club: Club) -> None:
    await setup_members(club)
    reply = await club.member(BEN, "Ben").reply("/run 10k 20:00")
    assert "faster than 2:30 min/km" in reply
    assert stored(club.data, BEN)[2] == []
    assert (await club.member(BEN, "Ben").reply("/steps")).startswith(
        "Add the details, like /steps 9000"
    )


async def test_board_shows_only_joined_members_and_only_totals(club: Club) -> None:
    await setup_members(club)
    await club.member(ANA, "Ana").say("/walk 45 min 3.2 km")
    await club.member(ANA, "Ana").say("/steps 9000")
    await club.member(BEN, "Ben").say("/walk 60 min")
    await club.member(CARL, "Carl").say("/walk 90 min")  # logs, but never joined
    board = await club.member(CARL, "Carl").reply("/board")
    assert board.splitlines() == [
        "This week's board (last 7 days, joined members only)",
        "Walking minutes:",
        "1. Ben: 60 min",
        "2. Ana: 45 min",
        "Days at 8,000+ steps:",
        "1. Ana: 1 of 7",
        "2. Ben: 0 of 7",
    ]
    assert "Carl" not in board and "3.2" not in board and "9,000" not in board


async def test_leave_and_delete_take_members_off_every_board(club: Club) -> None:
    await setup_members(club)
    assert await club.member(BEN, "Ben").reply("/leave") == "You're off the board."
    assert "Ben" not in await club.member(ANA, "Ana").reply("/board")
    other = {"id": -4002, "type": "group", "title": "Track Tuesday"}
    await club.member(ANA, "Ana", chat=other).say("/join")
    ana = club.private(ANA, "Ana")
    await ana.say("/delete")
    await ana.press("Yes, delete everything")
    for chat in (GROUP, other):
        board = await club.member(BEN, "Ben", chat=chat).reply("/board")
        assert "Ana" not in board
    assert stored(club.data, ANA) is None


async def test_only_admins_change_group_settings(club: Club) -> None:
    await setup_members(club)
    for command in ("/challenge steps", "/digest Mon 07:00", "/channel @parkside"):
        assert (
            await club.member(BEN, "Ben").reply(command)
            == "Sorry, only the group's admins can change that."
        )
    assert (await club.member(BEN, "Ben").reply("/digest")).startswith(
        "Weekly digest: Sun 18:00 (UTC)."
    )
    gets = [c for c in club.request.calls if c.method == "getChatMember"]
    assert {(int(c.params["chat_id"]), int(c.params["user_id"])) for c in gets} == {(GROUP_ID, BEN)}


async def test_challenges_show_progress_on_the_board(club: Club) -> None:
    await setup_members(club)
    admin = club.member(ADMIN, "Admin")
    said = await admin.reply("/challenge minutes 300")
    assert said == "Challenge on: 300 walking minutes as a club in 7 days. /board tracks it."
    await club.member(ANA, "Ana").say("/walk 45 min")
    await club.member(BEN, "Ben").say("/walk 30 min")
    board = await admin.reply("/board")
    assert board.splitlines()[-1] == (
        "Challenge (to Wed 02 Dec): 300 walking minutes as a club: 75 so far (25%)."
    )
    await admin.say("/challenge steps")
    await club.member(ANA, "Ana").say("/steps 8500")
    await club.member(BEN, "Ben").say("/steps 4000")
    board = await admin.reply("/board")
    assert board.splitlines()[-1] == (
        "Challenge (to Wed 02 Dec): everyone 8,000+ steps every day: 1 of 2 members on track."
    )
    assert await admin.reply("/challenge off") == "Challenge stopped."
    assert "Challenge" not in await admin.reply("/board")


async def test_digest_at_the_scheduled_time(club: Club) -> None:
    await setup_members(club)
    await club.private(ADMIN, "Admin").say("/timezone Europe/Berlin")
    reply = await club.member(ADMIN, "Admin").reply("/digest Sat 10:00")
    assert reply == "Weekly digest: Sat 10:00 (Europe/Berlin)."
    await club.member(ANA, "Ana").say("/walk 45 min")
    assert texts(await club.tick(utc(2026, 11, 28, 8, 59)), GROUP_ID) == []
    posted = texts(await club.tick(utc(2026, 11, 28, 9, 0)), GROUP_ID)  # 10:00 in Berlin
    assert len(posted) == 1
    lines = posted[0].splitlines()
    assert lines[0] == "Weekly walking digest"
    assert "1. Ana: 45 min" in lines
    assert lines[-2].startswith("Tip: ") and lines[-1].startswith("Source A")
    assert texts(await club.tick(utc(2026, 11, 28, 9, 1)), GROUP_ID) == []
    assert texts(await club.tick(utc(2026, 12, 5, 9, 0)), GROUP_ID) != []  # next week
    assert await club.member(ADMIN, "Admin").reply("/digest off") == "Weekly digest off."
    assert texts(await club.tick(utc(2026, 12, 12, 9, 0)), GROUP_ID) == []


async def test_channel_gets_the_digest_and_a_daily_tip(club: Club) -> None:
    await setup_members(club)
    club.request.chats["@parkside"] = {"id": CHANNEL_ID, "type": "channel", "title": "Parkside"}
    admin = club.member(ADMIN, "Admin")
    assert (await admin.reply("/channel @nowhere")).startswith("I can't see @nowhere.")
    assert (await admin.reply("/channel @parkside")).startswith("Make me an admin of @parkside")
    club.request.statuses[(CHANNEL_ID, BOT_USER["id"])] = "administrator"
    assert (await admin.reply("/channel @parkside")).startswith("Linked @parkside")
    friday = await club.tick(utc(2026, 11, 27, 18, 0))
    assert texts(friday, GROUP_ID) == []
    tip = texts(friday, CHANNEL_ID)
    assert len(tip) == 1 and tip[0].startswith("Walking tip: ") and "\nSource A" in tip[0]
    saturday = texts(await club.tick(utc(2026, 11, 28, 18, 0)), CHANNEL_ID)
    assert saturday[0] != tip[0]  # a different tip each day
    sunday = await club.tick(utc(2026, 11, 29, 18, 0))
    assert texts(sunday, GROUP_ID)[0].startswith("Weekly walking digest")
    assert texts(sunday, CHANNEL_ID)[0].startswith("Weekly walking digest")
    # Removed from the channel: the link is dropped, the group keeps its digest.
    club.request.failures[CHANNEL_ID] = [(403, {"description": "Forbidden: bot is not a member"})]
    await club.tick(utc(2026, 11, 30, 18, 0))
    assert texts(await club.tick(utc(2026, 12, 1, 18, 0)), CHANNEL_ID) == []
    assert texts(await club.tick(utc(2026, 12, 6, 18, 0)), GROUP_ID) != []


async def test_group_upgraded_to_supergroup_keeps_everything(club: Club) -> None:
    await setup_members(club)
    await club.member(ADMIN, "Admin").say("/challenge steps")
    await club.member(ADMIN, "Admin")._process(
        {
            "message": {
                "message_id": 77,
                "date": 1_800_000_000,
                "chat": GROUP,
                "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"},
                "migrate_to_chat_id": NEW_GROUP_ID,
            }
        }
    )
    supergroup = {"id": NEW_GROUP_ID, "type": "supergroup", "title": "Parkside Runners"}
    board = await club.member(BEN, "Ben", chat=supergroup).reply("/board")
    assert "1. Ana" in board and "Ben" in board and "Challenge" in board
    assert list(ClubStore(club.data).chat_ids()) == [NEW_GROUP_ID]
    assert stored(club.data, ANA)[0].clubs == [NEW_GROUP_ID]


async def test_digest_follows_a_migration_it_learns_about_when_sending(club: Club) -> None:
    await setup_members(club)
    club.request.failures[GROUP_ID] = [
        (
            400,
            {
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": NEW_GROUP_ID},
            },
        )
    ]
    sunday = await club.tick(utc(2026, 11, 29, 18, 0))
    assert texts(sunday, NEW_GROUP_ID)[0].startswith("Weekly walking digest")
    assert list(ClubStore(club.data).chat_ids()) == [NEW_GROUP_ID]


async def test_removed_from_the_group_stops_the_digest(club: Club) -> None:
    await setup_members(club)
    await club.bot_status("member")
    await club.bot_status("kicked")
    assert texts(await club.tick(utc(2026, 11, 29, 18, 0)), GROUP_ID) == []
    calls = await club.bot_status("member")  # added back: introduces itself again
    assert len(texts(calls, GROUP_ID)) == 1
    assert texts(await club.tick(utc(2026, 12, 6, 18, 0)), GROUP_ID) != []


async def test_group_ignores_ordinary_chatter(club: Club) -> None:
    await setup_members(club)
    calls = await club.member(ANA, "Ana").say("anyone up for a 10k tomorrow?")
    assert calls == []
    assert stored(club.data, ANA)[2] == []


async def test_an_outage_at_digest_time_posts_it_once_when_it_ends(club: Club) -> None:
    await setup_members(club)
    club.request.network_errors[GROUP_ID] = 10**6  # Telegram unreachable at 18:00
    assert texts(await club.tick(utc(2026, 11, 29, 18, 0)), GROUP_ID) != []  # tried...
    club.request.network_errors[GROUP_ID] = 0
    posted = texts(await club.tick(utc(2026, 11, 29, 18, 1)), GROUP_ID)
    assert [p.splitlines()[0] for p in posted] == ["Weekly walking digest"]  # ...posted
    assert texts(await club.tick(utc(2026, 11, 29, 18, 2)), GROUP_ID) == []  # once


async def test_a_failed_group_reply_is_sent_later_and_stored_once(club: Club) -> None:
    """(The recording request keeps a failed call too: each list below is attempts.)"""
    await setup_members(club)
    journal = club.app.services.journal
    club.request.network_errors[ANA] = 1  # the details in private fail once (a reset)
    calls = await club.member(ANA, "Ana").say("/run 10k 52:30")
    # Stored; the details failed, the group line waits behind them; no apology (she
    # would log it again).
    assert len(texts(calls, ANA)) == 1 and texts(calls, GROUP_ID) == []
    assert len(stored(club.data, ANA)[2]) == 1
    club.request.network_errors[GROUP_ID] = 1  # the group line fails once too
    before = len(club.request.calls)
    await retry_owed(club.app.bot, journal)  # the outbox, a few seconds later
    assert after_logged(texts(club.request.calls[before:], ANA)[0]).startswith("Cool down")
    assert len(texts(club.request.calls[before:], GROUP_ID)) == 1  # tried, failed
    await retry_owed(club.app.bot, journal)
    assert texts(club.request.calls[before:], GROUP_ID)[-1] == (
        "Logged for Ana. Details sent privately."
    )
    assert len(texts(club.request.calls[before:], ANA)) == 1  # not sent twice
    assert journal.owed() == []
    # Ben has no private chat: the whole answer is the group line.
    club.request.network_errors[GROUP_ID] = 1
    ben = await club.member(BEN, "Ben").say("/walk 40 min")
    assert len(texts(ben, GROUP_ID)) == 1  # tried, failed
    before = len(club.request.calls)
    await retry_owed(club.app.bot, journal)
    assert texts(club.request.calls[before:], GROUP_ID)[0].startswith(
        "Logged for Ben: walk, 40 min"
    )
    assert len(stored(club.data, BEN)[2]) == 1 and len(stored(club.data, ANA)[2]) == 1
    said = [c.text for c in club.request.calls if c.method == "sendMessage"]
    assert APOLOGY not in said


async def test_a_member_who_blocked_the_bot_gets_the_details_in_the_group(club: Club) -> None:
    await setup_members(club)
    club.request.block(ANA)  # since her /start: the bot does not know it yet
    calls = await club.member(ANA, "Ana").say("/run 10k 52:30")
    group = texts(calls, GROUP_ID)
    assert len(group) == 1 and group[0].startswith("Logged for Ana: run, 10 km in 52:30")
    assert "t.me/walkcoach_test_bot?start=club" in group[0]
    assert club.app.services.journal.owed() == []
    assert len(stored(club.data, ANA)[2]) == 1
