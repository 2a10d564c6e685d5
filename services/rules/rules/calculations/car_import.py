"""Import of a personal car by an Iranian living abroad (cabinet resolution 158710 of 1404/09/19, seed 001)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from kit.jalali import add_months, both
from rules.calculations.base import CalculationInput, Outcome, Trace, calculation, today
from rules.calculations.common import invalid
from rules.catalogue import Catalogue

MIN_AGE = "car-abroad-min-age"
RESIDENCE_START = "car-abroad-residence-start-deadline"
DAYS_ABROAD = "car-abroad-min-days-abroad-1404"
MAX_CAR_AGE = "car-abroad-max-car-age"
OWNERSHIP_BEFORE = "car-abroad-ownership-before"
REQUIREMENTS = "car-abroad-requirements"
REGISTRATION_DEADLINE = "car-abroad-order-registration-deadline"
REGISTRATION_METHOD = "car-abroad-order-registration-method"

_NO_CURRENCY_TRANSFER = {"no-currency-transfer": "none"}


class CarImportInput(CalculationInput):
    birth_date: dt.date = Field(description="The applicant's date of birth.")
    residence_start_date: dt.date = Field(description="The day the applicant's residence abroad began.")
    days_abroad_in_1404: int = Field(
        ge=0,
        le=366,
        description="Days of residence abroad in the Jalali year 1404 (as the foreign ministry judges).",
    )
    residence_confirmed_by_mission: bool = Field(
        description="An Iranian mission has confirmed the residence."
    )
    car_manufacture_date: dt.date = Field(description="The car's date of manufacture.")
    ownership_date: dt.date = Field(description="The day the applicant became the car's owner.")
    brand_allowed: bool = Field(
        description="The brand and model are on the ministry's list (kept by an administrator elsewhere)."
    )
    application_date: dt.date | None = Field(
        default=None, description="The day of the application; today (Asia/Tehran) when omitted."
    )


def _date(value: dict[str, str]) -> dt.date:
    return dt.date.fromisoformat(value["date"])


def _requirement(items: list[dict[str, Any]], item_id: str) -> str:
    for item in items:
        if item.get("id") == item_id:
            return str(item["text"])
    raise LookupError(f"{REQUIREMENTS} has no item {item_id!r}")


@calculation(
    "car-import-eligibility",
    "Whether an Iranian living abroad may import a personal car (cabinet resolution 158710 of 1404/09/19)",
    CarImportInput,
)
def car_import_eligibility(catalogue: Catalogue, data: CarImportInput, trace: Trace) -> Outcome:
    """Each condition of the resolution in force on the application date, checked
    and traced: age 18 full years or more on the application date; residence
    abroad begun on or before 1404/03/21; at least one day abroad in 1404 (as
    the foreign ministry judges); residence confirmed by an Iranian mission; the
    car at most 5 years from its manufacture on the application date; owned
    before 1404/09/12; brand and model on the ministry's list (`brand_allowed`:
    the caller checks the list, which an administrator keeps); the order
    registered, without currency transfer, by 1404/12/29. Years are counted in
    Jalali years. `reasons` lists each failed condition with the input field it
    concerns. One car per person: not checked here."""
    if data.application_date is None:
        day = today()
        trace.note(
            "application date", "No application_date given: today in Asia/Tehran.", result=day.isoformat()
        )
    else:
        day = data.application_date
    if data.birth_date > day:
        raise invalid("birth_date", "The date of birth is after the application date.")
    if data.car_manufacture_date > day:
        raise invalid("car_manufacture_date", "The car's manufacture date is after the application date.")
    reasons: list[dict[str, Any]] = []

    def check(field: str, rule_id: str, passed: bool, detail: str) -> None:
        trace.note(f"check {field}", detail, result=passed)
        if not passed:
            reasons.append({"field": field, "rule_id": rule_id, "detail": detail})

    # Age
    min_age = trace.use(catalogue.at(MIN_AGE, day), "minimum age")["min_age_years"]
    of_age = add_months(data.birth_date, 12 * min_age)
    check(
        "birth_date",
        MIN_AGE,
        of_age <= day,
        f"{min_age} full years on {both(of_age)['jalali']} ({of_age.isoformat()}); the application is on "
        f"{both(day)['jalali']}.",
    )

    # Residence abroad
    latest_start = _date(trace.use(catalogue.at(RESIDENCE_START, day), "latest start of residence abroad"))
    check(
        "residence_start_date",
        RESIDENCE_START,
        data.residence_start_date <= latest_start,
        f"Residence abroad must have begun on or before {both(latest_start)['jalali']} ({latest_start.isoformat()}); "
        f"it began on {data.residence_start_date.isoformat()}.",
    )
    abroad = trace.use(catalogue.at(DAYS_ABROAD, day), "days abroad")
    check(
        "days_abroad_in_1404",
        DAYS_ABROAD,
        data.days_abroad_in_1404 >= abroad["min_days_abroad"],
        f"At least {abroad['min_days_abroad']} day(s) abroad in {abroad['jalali_year']} (as the foreign ministry "
        f"judges); given {data.days_abroad_in_1404}.",
    )
    requirements = trace.use(catalogue.at(REQUIREMENTS, day), "other requirements")
    check(
        "residence_confirmed_by_mission",
        REQUIREMENTS,
        data.residence_confirmed_by_mission,
        _requirement(requirements, "residence-confirmed-by-mission") + ".",
    )

    # The car
    max_age = trace.use(catalogue.at(MAX_CAR_AGE, day), "maximum age of the car")[
        "max_years_from_manufacture"
    ]
    too_old_after = add_months(data.car_manufacture_date, 12 * max_age)
    check(
        "car_manufacture_date",
        MAX_CAR_AGE,
        day <= too_old_after,
        f"At most {max_age} years from manufacture on the application date: made on "
        f"{data.car_manufacture_date.isoformat()}, {max_age} years old on {too_old_after.isoformat()}.",
    )
    owned_before = _date(trace.use(catalogue.at(OWNERSHIP_BEFORE, day), "owned before"))
    check(
        "ownership_date",
        OWNERSHIP_BEFORE,
        data.ownership_date < owned_before,
        f"The car must have been owned before {both(owned_before)['jalali']} ({owned_before.isoformat()}); "
        f"owned from {data.ownership_date.isoformat()}.",
    )
    check(
        "brand_allowed",
        REQUIREMENTS,
        data.brand_allowed,
        _requirement(requirements, "brand-on-ministry-list") + ".",
    )

    # Order registration
    open_until = _date(trace.use(catalogue.at(REGISTRATION_DEADLINE, day), "order registration open until"))
    check(
        "application_date",
        REGISTRATION_DEADLINE,
        day <= open_until,
        f"Order registration is open until {both(open_until)['jalali']} ({open_until.isoformat()}); the application "
        f"is on {day.isoformat()}.",
    )
    method = trace.use(catalogue.at(REGISTRATION_METHOD, day), "currency transfer")["payment_method"]

    eligible = not reasons
    trace.note("eligible", f"{len(reasons)} condition(s) failed.", result=eligible)
    return Outcome(
        {
            "eligible": eligible,
            "reasons": reasons,
            "registration_open_until": both(open_until),
            "currency_transfer": _NO_CURRENCY_TRANSFER.get(method, method),
        },
        None,
    )
