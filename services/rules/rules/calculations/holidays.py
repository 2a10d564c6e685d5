"""Iran's public holidays, for deadlines that move off a holiday.

The holidays are data (``calendar.yaml``, ``Catalogue.holidays``): weekly days
(Friday), fixed Jalali dates (converted with jdatetime) and lunar Hijri dates
(converted with hijridate's Umm al-Qura calendar). Iran's official lunar
calendar is set by sighting and can differ from Umm al-Qura by a day, so a
caller should treat any answer that depends on a lunar holiday as unverified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import hijridate
import jdatetime

from rules.law import HolidayCalendar

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# In the data, day 30 of a lunar month means its last day, the 29th when the
# month has 29 days (the Martyrdom of Imam Reza is on the last day of Safar).
_LAST_DAY = 30


class HolidayKind(StrEnum):
    WEEKLY = "weekly"
    FIXED_JALALI = "fixed_jalali"
    LUNAR_HIJRI = "lunar_hijri"


@dataclass(frozen=True)
class Holiday:
    day: dt.date
    kind: HolidayKind
    name: str

    @property
    def lunar(self) -> bool:
        return self.kind is HolidayKind.LUNAR_HIJRI

    def describe(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "kind": self.kind.value, "name": self.name}


class LunarCalendarOutOfRange(ValueError):
    """The day lies outside the span of the Umm al-Qura tables (1924-08-01 to 2077-11-16)."""


def _weekday(name: str) -> int:
    try:
        return _WEEKDAYS.index(name.strip().lower())
    except ValueError:
        raise ValueError(f"calendar.yaml: {name!r} is not a day of the week") from None


def _name(entry: dict[str, Any]) -> str:
    return str(entry.get("name") or entry.get("name_fa") or f"{entry.get('month')}/{entry.get('day')}")


def _hijri(day: dt.date) -> hijridate.Hijri:
    try:
        return hijridate.Gregorian(day.year, day.month, day.day).to_hijri()
    except OverflowError as exc:
        raise LunarCalendarOutOfRange(str(exc)) from exc


def holidays_on(calendar: HolidayCalendar, day: dt.date) -> list[Holiday]:
    """Every holiday that falls on ``day`` (empty on a working day)."""
    found = [
        Holiday(day, HolidayKind.WEEKLY, name.capitalize())
        for name in calendar.weekly
        if _weekday(name) == day.weekday()
    ]
    solar = jdatetime.date.fromgregorian(date=day)
    found += [
        Holiday(day, HolidayKind.FIXED_JALALI, _name(entry))
        for entry in calendar.fixed_jalali
        if (int(entry["month"]), int(entry["day"])) == (solar.month, solar.day)
    ]
    if calendar.lunar_hijri:
        lunar = _hijri(day)
        found += [
            Holiday(day, HolidayKind.LUNAR_HIJRI, _name(entry))
            for entry in calendar.lunar_hijri
            if int(entry["month"]) == lunar.month
            and (
                int(entry["day"]) == lunar.day
                or (int(entry["day"]) == _LAST_DAY and lunar.day == lunar.month_length())
            )
        ]
    return found


def next_working_day(calendar: HolidayCalendar, day: dt.date) -> tuple[dt.date, list[Holiday]]:
    """``day`` itself when it is a working day, else the first working day
    after it; with the holidays passed over on the way."""
    passed: list[Holiday] = []
    while found := holidays_on(calendar, day):
        passed += found
        day += dt.timedelta(days=1)
    return day, passed


def lunar_holidays_between(calendar: HolidayCalendar, first: dt.date, last: dt.date) -> list[Holiday]:
    """The lunar holidays from ``first`` to ``last`` (both included)."""
    found: list[Holiday] = []
    day = first
    while day <= last:
        found += [h for h in holidays_on(calendar, day) if h.lunar]
        day += dt.timedelta(days=1)
    return found
