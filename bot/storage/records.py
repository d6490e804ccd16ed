"""What the bot stores, as typed records, and their JSON form (the only place that knows it).

Dates are `date` objects in the records and ISO strings on disk; units are `Units`; the
challenge and the last prescription are dataclasses. Reading accepts what older versions
wrote, so an upgrade never needs a migration step.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from coach_rules import Activity, Advice, DaySteps, Prescription, Run, RunKind, Tip, Units, Walk
from coach_rules.models import DEFAULT_STEP_GOAL, OpenPain, Recording

DEFAULT_NUDGE = "19:00"
DEFAULT_TIMEZONE = "UTC"


def _date(raw: object) -> date | None:
    return date.fromisoformat(raw) if isinstance(raw, str) and raw else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _dates(raw: object) -> dict[str, date]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): d for k, v in raw.items() if (d := _date(v)) is not None}


@dataclass
class UserSettings:
    """A runner's answers to onboarding and settings."""

    user_id: int
    chat_id: int
    first_name: str = ""
    units: Units = Units.KM
    timezone: str = DEFAULT_TIMEZONE
    step_goal: int = DEFAULT_STEP_GOAL
    nudge: str | None = DEFAULT_NUDGE
    weight_kg: float | None = None
    more_mileage: bool = False
    onboarded: bool = False
    blocked: bool = False
    # No nudges up to and including this day (the nudge's "pause" buttons).
    nudge_paused_until: date | None = None
    # The runner has a private chat with the bot (so details can go there).
    private_chat: bool = False
    # Group chats whose board the runner joined (so /delete can leave them all).
    clubs: list[int] = field(default_factory=list)
    # How the runner writes 03/04: day first (True), month first (False), not known (None).
    day_first: bool | None = None
    # Settings the runner chose, any way (onboarding, /units mi, miles named in a report):
    # the first onboarding does not ask them again.
    chosen: list[str] = field(default_factory=list)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> UserSettings:
        """Read a stored document, ignoring fields a newer version may have added."""
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        known["units"] = Units(doc.get("units") or Units.KM.value)
        known["nudge_paused_until"] = _date(doc.get("nudge_paused_until"))
        known["clubs"] = [int(c) for c in doc.get("clubs", [])]
        # Fresh containers: the document may be the store's committed state, shared.
        known["chosen"] = list(doc.get("chosen", []))
        return cls(**known)

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this record (field by field: `asdict`'s deep copy cost
        more than the rest of a settings write)."""
        doc = {name: getattr(self, name) for name in self.__dataclass_fields__}
        doc["units"] = self.units.value
        doc["nudge_paused_until"] = _iso(self.nudge_paused_until)
        doc["clubs"], doc["chosen"] = list(self.clubs), list(self.chosen)
        return doc


@dataclass
class Draft:
    """A half-finished conversation: which flow, which step, what was collected so far."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def prescription_to_doc(prescription: Prescription) -> dict[str, Any]:
    """A prescription as JSON, so /why can explain it after a restart."""
    return {
        "items": [
            {
                "rule_id": a.rule_id,
                "text": a.text,
                "reason": a.reason,
                "sources": list(a.sources),
                "numbers": dict(a.numbers),
            }
            for a in prescription.items
        ],
        "tip": _tip_doc(prescription.tip) if prescription.tip else None,
    }


def _tip_doc(tip: Tip) -> dict[str, Any]:
    return {"id": tip.id, "text": tip.text, "sources": list(tip.sources)}


def prescription_from_doc(doc: dict[str, Any]) -> Prescription:
    """The prescription stored by `prescription_to_doc`."""
    items = tuple(
        Advice(i["rule_id"], i["text"], i["reason"], tuple(i["sources"]), dict(i["numbers"]))
        for i in doc["items"]
    )
    tip = doc.get("tip")
    return Prescription(items, Tip(tip["id"], tip["text"], tuple(tip["sources"])) if tip else None)


@dataclass
class UserState:
    """Conversation state and the coach's memory of its last answer."""

    draft: Draft | None = None
    # What /why explains: the last advice the runner was given, whatever produced it.
    last_prescription: Prescription | None = None
    last_tip_id: str | None = None
    # Each entry is the activity ids one confirmed log added; Undo pops the last one.
    undo: list[list[int]] = field(default_factory=list)
    # Prescription messages whose Done was already pressed (a double tap logs once).
    done_messages: list[int] = field(default_factory=list)
    # The local date of the morning follow-up after a long run, while one is pending.
    followup_on: date | None = None
    # What the scheduler sent, by kind ("daily", "weekly", "followup"): the local date.
    sent: dict[str, date] = field(default_factory=dict)
    # "chat:message" keys of the latest messages that logged something.
    logged_messages: list[str] = field(default_factory=list)
    # A pain the runner reported and has not said is gone: it shapes every answer.
    pain: OpenPain | None = None
    # Runs whose prescribed walk is logged (Done, or a walk recorded after it in a file):
    # a Done pressed later says so instead of logging the walk twice.
    credited: list[int] = field(default_factory=list)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> UserState:
        """Read the stored state document."""
        draft = doc.get("draft")
        last = doc.get("last_prescription")
        pain = doc.get("pain")
        return cls(
            pain=OpenPain(
                pain["note"], pain["spot"], datetime.fromisoformat(pain["since"]), pain["severe"]
            )
            if pain
            else None,
            draft=Draft(draft["flow"], draft["step"], copy.deepcopy(draft.get("data", {})))
            if draft
            else None,
            last_prescription=prescription_from_doc(last) if last else None,
            last_tip_id=doc.get("last_tip_id"),
            undo=[list(ids) for ids in doc.get("undo", [])],
            done_messages=list(doc.get("done_messages", [])),
            followup_on=_date(doc.get("followup_on")),
            sent=_dates(doc.get("sent")),
            logged_messages=list(doc.get("logged_messages", [])),
            credited=[int(i) for i in doc.get("credited", [])],
        )

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this state."""
        last = self.last_prescription
        return {
            "draft": asdict(self.draft) if self.draft else None,
            "last_prescription": prescription_to_doc(last) if last else None,
            "last_tip_id": self.last_tip_id,
            # Copies: a document becomes the store's committed state, shared by later
            # transactions, and must not change when this state object does.
            "undo": [list(ids) for ids in self.undo],
            "done_messages": list(self.done_messages),
            "followup_on": _iso(self.followup_on),
            "sent": {k: v.isoformat() for k, v in self.sent.items()},
            "logged_messages": list(self.logged_messages),
            "credited": list(self.credited),
            "pain": {
                "note": self.pain.note,
                "spot": self.pain.spot,
                "since": self.pain.since.isoformat(),
                "severe": self.pain.severe,
            }
            if self.pain
            else None,
        }


class ScheduleKey(NamedTuple):
    """What the scheduler's index needs to know about a runner (JSON-ready: it is
    written as is into the schedule snapshot)."""

    timezone: str
    nudge: str | None
    blocked: bool
    followup_on: str | None


def schedule_key(settings: UserSettings | None, state: UserState) -> ScheduleKey | None:
    """The runner's schedule, or None for someone without settings."""
    if settings is None:
        return None
    return ScheduleKey(settings.timezone, settings.nudge, settings.blocked, _iso(state.followup_on))


def _recording_doc(recording: Recording | None) -> dict[str, Any] | None:
    if recording is None:
        return None
    return asdict(recording) | {"start": recording.start.isoformat()}


def _recording_from(doc: object) -> Recording | None:
    if not isinstance(doc, dict):
        return None
    known = {k: v for k, v in doc.items() if k in Recording.__dataclass_fields__}
    return Recording(**(known | {"start": datetime.fromisoformat(doc["start"])}))


def activity_to_doc(activity: Activity, logged_at: datetime) -> dict[str, Any]:
    """An activity as a JSON document (times as ISO strings with their offset)."""
    doc: dict[str, Any] = {"at": activity.at.isoformat(), "logged_at": logged_at.isoformat()}
    if isinstance(activity, Run):
        doc |= {
            "type": "run",
            "distance_m": activity.distance_m,
            "duration_s": activity.duration_s,
            "kind": activity.kind.value if activity.kind else None,
            "effort": activity.effort,
            "pain": activity.pain,
            "sore": activity.sore,
            "note": activity.note,
        }
        if activity.recording:
            doc["recording"] = _recording_doc(activity.recording)
    elif isinstance(activity, Walk):
        doc |= {
            "type": "walk",
            "duration_s": activity.duration_s,
            "distance_m": activity.distance_m,
            "steps": activity.steps,
            "pain": activity.pain,
            "sore": activity.sore,
            "note": activity.note,
        }
        if activity.recording:
            doc["recording"] = _recording_doc(activity.recording)
    else:
        doc |= {"type": "steps", "steps": activity.steps}
        if activity.pain:
            doc |= {"pain": True, "note": activity.note}
    return doc


def activity_from_doc(doc: dict[str, Any]) -> Activity:
    """The domain activity a stored document describes."""
    at = datetime.fromisoformat(doc["at"])
    if doc["type"] == "run":
        return Run(
            at,
            doc.get("distance_m"),
            doc.get("duration_s"),
            RunKind(doc["kind"]) if doc.get("kind") else None,
            doc.get("effort"),
            bool(doc.get("pain")),
            bool(doc.get("sore")),
            doc.get("note", ""),
            _recording_from(doc.get("recording")),
        )
    if doc["type"] == "walk":
        return Walk(
            at,
            int(doc["duration_s"]),
            doc.get("distance_m"),
            doc.get("steps"),
            bool(doc.get("pain")),
            bool(doc.get("sore")),
            doc.get("note", ""),
            _recording_from(doc.get("recording")),
        )
    return DaySteps(at, int(doc["steps"]), pain=bool(doc.get("pain")), note=doc.get("note", ""))


class ChallengeKind(StrEnum):
    """What a club challenge counts."""

    STEPS = "steps"  # every member at the step floor every day
    MINUTES = "minutes"  # walking minutes as a club


@dataclass(frozen=True)
class Challenge:
    """A seven-day club challenge."""

    kind: ChallengeKind
    target: int
    since: date

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Challenge:
        """Read a stored challenge."""
        return cls(ChallengeKind(doc["kind"]), int(doc["target"]), date.fromisoformat(doc["since"]))

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this challenge."""
        return {"kind": self.kind.value, "target": self.target, "since": self.since.isoformat()}


@dataclass
class Club:
    """A group (or supergroup) the bot is in: its board, challenge, digest and channel."""

    chat_id: int
    title: str = ""
    active: bool = True
    # user id -> display name; only runners who chose /join
    members: dict[int, str] = field(default_factory=dict)
    challenge: Challenge | None = None
    digest_day: int | None = 6  # Monday 0 .. Sunday 6; None: no digest
    digest_time: str = "18:00"
    digest_tz: str = "UTC"
    channel_id: int | None = None
    channel_name: str | None = None
    # What was posted, by kind ("digest", "channel_digest", "channel_tip"): the local date.
    sent: dict[str, date] = field(default_factory=dict)
    last_tip_id: str | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Club:
        """Read a stored club (JSON keys are strings)."""
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        known["members"] = {int(k): v for k, v in doc.get("members", {}).items()}
        challenge = doc.get("challenge")
        known["challenge"] = Challenge.from_doc(challenge) if challenge else None
        sent = dict(doc.get("sent") or {})
        # Older versions kept the last tip's id among the sent dates.
        known["last_tip_id"] = doc.get("last_tip_id") or sent.pop("tip_id", None)
        known["sent"] = _dates(sent)
        return cls(**known)

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this club."""
        doc = asdict(self)
        doc["members"] = {str(k): v for k, v in self.members.items()}
        doc["challenge"] = self.challenge.to_doc() if self.challenge else None
        doc["sent"] = {k: v.isoformat() for k, v in self.sent.items()}
        return doc


class ClubKey(NamedTuple):
    """What the scheduler needs to know about a club."""

    timezone: str
    time: str
    has_digest: bool
    has_channel: bool


def club_key(club: Club | None) -> ClubKey | None:
    """The club's schedule, or None when nothing is ever posted for it."""
    if club is None or not club.active:
        return None
    has_digest, has_channel = club.digest_day is not None, club.channel_id is not None
    if not (has_digest or has_channel):
        return None
    return ClubKey(club.digest_tz, club.digest_time, has_digest, has_channel)
