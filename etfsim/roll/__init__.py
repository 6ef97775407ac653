"""Roll rules and the roll schedule (the second stage of the data flow)."""

from etfsim.roll.restrict import restrict
from etfsim.roll.rules import (
    RULES,
    AsRecorded,
    CalendarRule,
    ConstantMaturity,
    FrontMonth,
    MonthlyWindow,
    OptimumYield,
    RollRule,
    Segments,
    Strip,
    make_rule,
    roll_schedule,
)
from etfsim.roll.schedule import RollSchedule, next_slot_map

__all__ = [
    "RULES",
    "AsRecorded",
    "CalendarRule",
    "ConstantMaturity",
    "FrontMonth",
    "MonthlyWindow",
    "OptimumYield",
    "RollRule",
    "RollSchedule",
    "Segments",
    "Strip",
    "make_rule",
    "next_slot_map",
    "restrict",
    "roll_schedule",
]
