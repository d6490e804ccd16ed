"""What a club sees, as text: the board, the challenge, the digest, the channel's tip.

Pure: the members' weeks are read elsewhere and passed in. Privacy: a group only ever
sees totals (walking minutes, days at the step floor) of members who chose /join.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot import coaching
from bot.storage import ChallengeKind, Club

CHALLENGE_DAYS = 7
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def floor_label() -> str:
    """'8,000+': the step floor, as the board counts it."""
    return f"{coaching.step_floor():,}+"


def intro() -> str:
    """What the bot says when it joins a group (and to /start or /help there)."""
    return (
        "Hi, I'm Walk Coach. I help this club walk more: /join puts you on the weekly board"
        f" (walking minutes and days at {floor_label()} steps; totals only, and only if you"
        " join). Log with /run 10k 52:30, /walk 40 min or /steps 9000. /board shows the week."
        " Admins: /challenge, /digest Sun 18:00, /channel @name."
    )


@dataclass(frozen=True)
class MemberWeek:
    """What the board shows of one member: totals only."""

    name: str
    walk_minutes: int
    days_at_floor: int
    on_track: bool  # for a steps challenge: at the floor on every challenge day so far


def challenge_active(club: Club, today: date) -> bool:
    """A challenge runs for seven days from the day it was set."""
    if club.challenge is None:
        return False
    start = club.challenge.since
    return start <= today < start + timedelta(days=CHALLENGE_DAYS)


def challenge_text(club: Club, weeks: list[MemberWeek]) -> str:
    """The challenge and how the club is doing."""
    challenge = club.challenge
    assert challenge is not None
    ends = challenge.since + timedelta(days=CHALLENGE_DAYS - 1)
    if challenge.kind is ChallengeKind.MINUTES:
        target = challenge.target
        done = sum(w.walk_minutes for w in weeks)
        pct = min(100, round(100 * done / target)) if target else 100
        return (
            f"Challenge (to {ends:%a %d %b}): {target:,} walking minutes as a club:"
            f" {done:,} so far ({pct}%)."
        )
    on_track = sum(1 for w in weeks if w.on_track)
    return (
        f"Challenge (to {ends:%a %d %b}): everyone {floor_label()} steps every day:"
        f" {on_track} of {len(weeks)} members on track."
    )


def board_text(club: Club, weeks: list[MemberWeek], today: date) -> str:
    """This week's leaderboard: walking minutes and days at the step floor."""
    if not weeks:
        return "The board is empty: /join to put your walking on it (totals only)."
    by_minutes = sorted(weeks, key=lambda w: (-w.walk_minutes, w.name))
    by_days = sorted(weeks, key=lambda w: (-w.days_at_floor, w.name))
    lines = ["This week's board (last 7 days, joined members only)", "Walking minutes:"]
    lines += [f"{i}. {w.name}: {w.walk_minutes} min" for i, w in enumerate(by_minutes, 1)]
    lines.append(f"Days at {floor_label()} steps:")
    lines += [f"{i}. {w.name}: {w.days_at_floor} of 7" for i, w in enumerate(by_days, 1)]
    if challenge_active(club, today):
        lines.append(challenge_text(club, weeks))
    return "\n".join(lines)


def digest_text(club: Club, weeks: list[MemberWeek], today: date, tip: str) -> str:
    """The weekly digest: board, challenge, one walking tip with its source."""
    return f"Weekly walking digest\n\n{board_text(club, weeks, today)}\n\nTip: {tip}"


def tip_text(tip: str) -> str:
    """The channel's daily walking tip with its source."""
    return f"Walking tip: {tip}"
