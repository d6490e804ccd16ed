"""Storing what files hold: one activity with its prescription, or a whole history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import coaching, logbook, texts
from bot.chat import Who, remember, settings_for
from bot.files.readers import FileProblem, read_activity
from bot.replies import Reply
from bot.storage import UserTx
from coach_rules import Activity, ParseError, Run
from coach_rules.tracks import FileActivity


def read_recorded(name: str, data: bytes, zone: str) -> FileActivity | FileProblem:
    """The file read and what it logs, in the runner's time zone (run in the worker: only
    the small result comes back, not the samples)."""
    track = read_activity(name, data)
    if isinstance(track, FileProblem):
        return track
    found = coaching.read_track(track, zone)
    return FileProblem(found.message) if isinstance(found, ParseError) else found


def zone_of(tx: UserTx, who_: Who) -> str:
    """The runner's time zone (a file's times are read in it)."""
    return settings_for(tx, who_).timezone


def log_file(
    tx: UserTx, who_: Who, recorded: FileActivity, caption: str, now_utc: datetime
) -> list[Reply]:
    """One file's run or walk, stored with the prescription (or why it can't be)."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    if who_.message_key and who_.message_key in tx.state().logged_messages:
        # The same words as a typed report's: a replayed update's prepared reply is sent
        # instead of these (bot/outbox.py).
        return [Reply(texts.ALREADY_LOGGED)]
    recorded = coaching.caption_body(recorded, caption)
    error = coaching.check_file(recorded, now)
    if error:
        return [Reply(error.message)]
    twin = coaching.already_logged(tx, recorded)
    if twin is not None:
        what = coaching.describe_activity(twin, settings.units)
        return [Reply(f"Already in your log: {what}, {twin.at:%a %d %b %H:%M}. Nothing stored.")]
    return [logbook.log_recorded(tx, settings, recorded, now, who_.message_key)]


@dataclass
class Tally:
    """What a history import did with each file."""

    runs: int = 0
    walks: int = 0
    duplicates: int = 0
    older: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """Activities stored."""
        return self.runs + self.walks


def import_history(
    tx: UserTx,
    who_: Who,
    readings: Sequence[tuple[str, FileActivity]],
    now_utc: datetime,
    tally: Tally,
) -> None:
    """The last 12 weeks of a history, in one transaction: one Undo entry, and a zip the
    runner sends again (or Telegram delivers again) is stored once."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    state = tx.state()
    if imported_already(tx, who_):
        tally.duplicates = len(readings)
        return
    since = coaching.import_window_start(now)
    stored: list[Activity] = [s.activity for s in tx.activities()]
    ids: list[int] = []
    for name, recorded in readings:
        error = coaching.check_file(recorded, now)
        if error is not None:
            tally.rejected.append((name, error.message))
        elif recorded.main.day < since:
            tally.older += 1
        elif coaching.twin_in(recorded, stored) is not None:
            tally.duplicates += 1
        else:
            for activity in recorded.activities:
                ids.append(tx.add_activity(activity, now))
                stored.append(activity)
            tally.runs += isinstance(recorded.main, Run)
            tally.walks += not isinstance(recorded.main, Run)
    if ids:
        state.undo = [*state.undo, ids][-logbook.UNDO_DEPTH :]
    if who_.message_key:
        state.logged_messages = [*state.logged_messages, who_.message_key][-logbook.LOGGED_MEMORY :]
    tx.put_state(state)
    remember(tx, settings)


def imported_already(tx: UserTx, who_: Who) -> bool:
    """This message's history was imported before (Telegram delivered it again)."""
    return bool(who_.message_key and who_.message_key in tx.state().logged_messages)


def plural(count: int, word: str) -> str:
    """'1 run', '3 runs'."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def summary(tally: Tally, weeks: int) -> str:
    """The end of an import: what was stored, skipped and refused, and why."""
    lines = [
        f"Imported {tally.imported} from the last {weeks} weeks: "
        f"{plural(tally.runs, 'run')}, {plural(tally.walks, 'walk')}."
    ]
    if tally.duplicates:
        lines.append(f"Already in your log (skipped): {tally.duplicates}.")
    if tally.older:
        lines.append(f"Older than {weeks} weeks (skipped): {tally.older}.")
    if tally.rejected:
        lines.append(f"Not imported: {len(tally.rejected)}.")
        for name, why in tally.rejected[:5]:
            lines.append(f"• {name}: {why.removesuffix(' Nothing stored.')}")
        if len(tally.rejected) > 5:
            lines.append(f"• and {len(tally.rejected) - 5} more.")
    if tally.imported:
        lines.append(
            "Your load and long-run figures now count this history. /week shows the week;"
            " /undo removes the whole import."
        )
    return "\n".join(lines)
