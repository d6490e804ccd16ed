"""Walk Coach domain: reports, rules, prescriptions. Pure: no I/O, no clock."""

from coach_rules.explain import explain, render, source_table
from coach_rules.models import (
    Activity,
    DaySteps,
    History,
    Profile,
    Report,
    Run,
    RunKind,
    Walk,
)
from coach_rules.parser import format_report, parse_report
from coach_rules.prescription import Advice, Prescription, Tip
from coach_rules.rules import RULES, RULES_BY_ID, evaluate
from coach_rules.units import Units
from coach_rules.validate import ParseError, validate
from coach_rules.weekly import WeeklyFigures, weekly_advice, weekly_figures

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Activity",
    "Advice",
    "DaySteps",
    "History",
    "ParseError",
    "Prescription",
    "Profile",
    "Report",
    "Run",
    "RunKind",
    "Tip",
    "Units",
    "Walk",
    "WeeklyFigures",
    "evaluate",
    "explain",
    "format_report",
    "parse_report",
    "render",
    "source_table",
    "validate",
    "weekly_advice",
    "weekly_figures",
]
