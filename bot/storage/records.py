"""What the bot stores for a runner, as typed records, and their JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from coach_rules import Activity, Advice, DaySteps, Prescription, Run, RunKind, Tip, Walk
from coach_rules.models import DEFAULT_STEP_GOAL

DEFAULT_NUDGE = "19:00"
DEFAULT_TIMEZONE = "UTC"


@dataclass
class UserSettings:
    """A runner's answers to onboarding and settings."""

    user_id: int
    chat_id: int
    first_name: str = ""
    units: str = "km"
    timezone: str = DEFAULT_TIMEZONE
    step_goal: int = DEFAULT_STEP_GOAL
    nudge: str | None = DEFAULT_NUDGE
    weight_kg: float | None = None
    more_mileage: bool = False
    onboarded: bool = False
    blocked: bool = False
    # ISO date: no nudges up to and including this day (the nudge's "pause" buttons).
    nudge_paused_until: str | None = None
    # The runner has a private chat with the bot (so details can go there).
    private_chat: bool = False
    # Group chats whose board the runner joined (so /delete can leave them all).
    clubs: list[int] = field(default_factory=list)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> UserSettings:
        """Read a stored document, ignoring fields a newer version may have added."""
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this record."""
        return asdict(self)


@dataclass
class Draft:
    """A half-finished conversation: which flow, which step, what was collected so far."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class UserState:
    """Conversation state and the coach's memory of its last answer."""

    draft: Draft | None = None
    last_prescription: dict[str, Any] | None = None
    last_tip_id: str | None = None
    # Each entry is the activity ids one confirmed log added; Undo pops the last one.
    undo: list[list[int]] = field(default_factory=list)
    # Prescription messages whose Done was already pressed (a double tap logs once).
    done_messages: list[int] = field(default_factory=list)
    # ISO local date of the morning follow-up after a long run, while one is pending.
    followup_on: str | None = None
    # What the scheduler sent, by kind ("daily", "weekly", "followup"): the local date.
    sent: dict[str, str] = field(default_factory=dict)
    # "chat:message" keys of the latest messages that logged something.
    logged_messages: list[str] = field(default_factory=list)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> UserState:
        """Read the stored state document."""
        draft = doc.get("draft")
        return cls(
            draft=Draft(**draft) if draft else None,
            last_prescription=doc.get("last_prescription"),
            last_tip_id=doc.get("last_tip_id"),
            undo=[list(ids) for ids in doc.get("undo", [])],
            done_messages=list(doc.get("done_messages", [])),
            followup_on=doc.get("followup_on"),
            sent=dict(doc.get("sent", {})),
            logged_messages=list(doc.get("logged_messages", [])),
        )

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this state."""
        return {
            "draft": asdict(self.draft) if self.draft else None,
            "last_prescription": self.last_prescription,
            "last_tip_id": self.last_tip_id,
            "undo": self.undo,
            "done_messages": self.done_messages,
            "followup_on": self.followup_on,
            "sent": self.sent,
            "logged_messages": self.logged_messages,
        }


class ScheduleKey(NamedTuple):
    """What the scheduler's index needs to know about a runner."""

    timezone: str
    nudge: str | None
    blocked: bool
    followup_on: str | None


def schedule_key(settings: UserSettings | None, state: UserState) -> ScheduleKey | None:
    """The runner's schedule, or None for someone without settings."""
    if settings is None:
        return None
    return ScheduleKey(settings.timezone, settings.nudge, settings.blocked, state.followup_on)


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
    else:
        doc |= {"type": "steps", "steps": activity.steps}
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
        )
    return DaySteps(at, int(doc["steps"]))


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
        "tip": asdict(prescription.tip) if prescription.tip else None,
    }


def prescription_from_doc(doc: dict[str, Any]) -> Prescription:
    """The prescription stored by `prescription_to_doc`."""
    items = tuple(
        Advice(i["rule_id"], i["text"], i["reason"], tuple(i["sources"]), dict(i["numbers"]))
        for i in doc["items"]
    )
    tip = doc.get("tip")
    return Prescription(items, Tip(tip["id"], tip["text"], tuple(tip["sources"])) if tip else None)


@dataclass
class Club:
    """A group (or supergroup) the bot is in: its board, challenge, digest and channel."""

    chat_id: int
    title: str = ""
    active: bool = True
    # user id -> display name; only runners who chose /join
    members: dict[int, str] = field(default_factory=dict)
    # {"kind": "steps" | "minutes", "target": int, "since": ISO date}
    challenge: dict[str, Any] | None = None
    digest_day: int | None = 6  # Monday 0 .. Sunday 6; None: no digest
    digest_time: str = "18:00"
    digest_tz: str = "UTC"
    channel_id: int | None = None
    channel_name: str | None = None
    sent: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Club:
        """Read a stored club (JSON keys are strings)."""
        known = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        known["members"] = {int(k): v for k, v in doc.get("members", {}).items()}
        return cls(**known)

    def to_doc(self) -> dict[str, Any]:
        """The JSON document for this club."""
        doc = asdict(self)
        doc["members"] = {str(k): v for k, v in self.members.items()}
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
