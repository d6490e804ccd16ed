"""What the engine answers: advice items, each traceable to a rule and its sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Advice:
    """One line of advice: the action with its numbers, one reason, and where it comes from."""

    rule_id: str
    text: str
    reason: str
    sources: tuple[str, ...]
    numbers: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Tip:
    """A rotating form cue or mindset line."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Prescription:
    """Everything the coach says about one report, most important first."""

    items: tuple[Advice, ...]
    tip: Tip | None = None

    @property
    def headline(self) -> Advice | None:
        """The first, most important item."""
        return self.items[0] if self.items else None

    def item(self, rule_id: str) -> Advice | None:
        """The item a given rule produced, if it fired."""
        return next((a for a in self.items if a.rule_id == rule_id), None)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules that fired, in order."""
        return tuple(a.rule_id for a in self.items)
