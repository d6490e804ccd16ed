"""Storing what files hold: one activity with its prescription, or a whole history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import coaching, logbook
from bot.chat import Who, remember, settings_for
from bot.replies import Reply
from bot.storage import UserSettings, UserTx
from coach_rules import Activity, ParseError, Run
from coach_rules.tracks import FileActivity, Track

ALREADY = "Already logged that file."


def log_file(tx: UserTx, who_: Who, track: Track, caption: str, now_utc: datetime) -> list[Reply]:
    """One file's run or walk, stored with the prescription (or why it can't be)."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    if who_.message_key and who_.message_key in tx.state().logged_messages:
        return [Reply(ALREADY)]
    recorded = coaching.read_track(track, settings)
    if isinstance(recorded, ParseError):
        return [Reply(recorded.message)]
    recorded = coaching.caption_body(recorded, caption)
    error = coaching.check_file(recorded, now, settings.units)
    if error:
        return [Reply(f"{error.message} (That's what the file says.) Nothing stored.")]
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
    tx: UserTx, who_: Who, tracks: Sequence[tuple[str, Track]], now_utc: datetime, tally: Tally
) -> None:
    """The last 12 weeks of a history, in one transaction: one Undo entry, and a zip the
    runner sends again (or Telegram delivers again) is stored once."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    state = tx.state()
    if who_.message_key and who_.message_key in state.logged_messages:
        tally.duplicates = len(tracks)
        return
    since = coaching.import_window_start(now)
    stored: list[Activity] = [s.activity for s in tx.activities()]
    ids: list[int] = []
    for name, track in tracks:
        recorded = _readable(track, settings, now, name, tally)
        if recorded is None:
            continue
        if recorded.main.day < since:
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


def _readable(
    track: Track, settings: UserSettings, now: datetime, name: str, tally: Tally
) -> FileActivity | None:
    recorded = coaching.read_track(track, settings)
    if isinstance(recorded, ParseError):
        tally.rejected.append((name, recorded.message))
        return None
    error = coaching.check_file(recorded, now, settings.units)
    if error is not None:
        tally.rejected.append((name, error.message))
        return None
    return recorded


def summary(tally: Tally, weeks: int) -> str:
    """The end of an import: what was stored, skipped and refused, and why."""
    lines = [
        f"Imported {tally.imported} from the last {weeks} weeks: "
        f"{tally.runs} runs, {tally.walks} walks."
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
