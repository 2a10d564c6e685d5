"""Fines of the Customs Affairs Law: late exit (109), unauthorised route (103 n.2), false declaration (110)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from rules.calculations.base import CalculationInput, Outcome, Trace, calculation, today
from rules.catalogue import Catalogue

LATE_EXIT_FINE = "cal-109-late-exit-fine"
UNAUTHORISED_ROUTE_FINE = "cal-103-n2-unauthorised-route-fine"
FALSE_DECLARATION_FINE = "cal-110-false-declaration-fine"


class LateExitInput(CalculationInput):
    due_date: dt.date = Field(description="The exit (or delivery) deadline.")
    exit_date: dt.date | None = Field(
        default=None, description="The day it left or was delivered; today (Asia/Tehran) when omitted."
    )


@calculation(
    "late-exit-fine",
    "Per-day fine for a late exit (CAL art. 109), split by amendment",
    LateExitInput,
)
def late_exit_fine(catalogue: Catalogue, data: LateExitInput, trace: Trace) -> Outcome:
    """Vehicles and goods in transit, under temporary import (for processing or
    not), returned goods and vehicles under an international transit permit
    that do not leave by their deadline owe, for each day late, a fine within
    the per-day range in force on that day (force majeure excepted). The first
    late day is the day after `due_date`; the last is `exit_date`. A delay that
    runs across an amendment is priced period by period."""
    exit_date = data.exit_date or today()
    if data.exit_date is None:
        trace.note("exit date", "No exit_date given: today in Asia/Tehran.", result=exit_date.isoformat())
    first_late = data.due_date + dt.timedelta(days=1)
    if exit_date < first_late:
        trace.note("days late", "It left by the deadline: no fine.", result=0)
        return Outcome({"min": 0, "max": 0}, "IRR")

    total_min = total_max = 0
    day = first_late
    while day <= exit_date:
        in_force = catalogue.at(LATE_EXIT_FINE, day)
        last = min(exit_date, in_force.ends or exit_date)
        days = (last - day).days + 1
        per_day = in_force.period.value
        segment_min, segment_max = days * per_day["min"], days * per_day["max"]
        trace.use(
            in_force,
            "per-day fine",
            f"{days} day(s) late from {day.isoformat()} to {last.isoformat()} at the range in force then.",
            first_day=day.isoformat(),
            last_day=last.isoformat(),
            days=days,
            subtotal={"min": segment_min, "max": segment_max},
        )
        total_min += segment_min
        total_max += segment_max
        day = last + dt.timedelta(days=1)
    trace.note(
        "total",
        f"{(exit_date - data.due_date).days} day(s) late in all.",
        result={"min": total_min, "max": total_max},
    )
    return Outcome({"min": total_min, "max": total_max}, "IRR")


class FineAtDateInput(CalculationInput):
    date: dt.date | None = Field(default=None, description="The day of the offence; today when omitted.")


def _range_at(catalogue: Catalogue, rule_id: str, data: FineAtDateInput, trace: Trace) -> Outcome:
    day = data.date or today()
    value = trace.use(catalogue.at(rule_id, day), "fine range", f"The range in force on {day.isoformat()}.")
    return Outcome(value, "IRR")


@calculation(
    "unauthorised-route-fine",
    "Fine for an empty vehicle entering or leaving by an unauthorised route (CAL art. 103 note 2)",
    FineAtDateInput,
)
def unauthorised_route_fine(catalogue: Catalogue, data: FineAtDateInput, trace: Trace) -> Outcome:
    """The range in force on the date. Loaded vehicles fall under art. 113
    (smuggling), not this note; force majeure is excepted. The customs head
    sets the amount within the range."""
    return _range_at(catalogue, UNAUTHORISED_ROUTE_FINE, data, trace)


@calculation(
    "false-declaration-fine",
    "Fine for a false description causing no loss of duties (CAL art. 110)",
    FineAtDateInput,
)
def false_declaration_fine(catalogue: Catalogue, data: FineAtDateInput, trace: Trace) -> Outcome:
    """The range in force on the date, for a declaration corrected with the
    customs head's written leave where the false description caused no
    financial loss and no difference to collect."""
    return _range_at(catalogue, FALSE_DECLARATION_FINE, data, trace)
