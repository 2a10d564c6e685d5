"""Business dates: Gregorian and Jalali, parsed and shown, in Asia/Tehran.

Conversion is jdatetime's (never hand-written). Callers may write Persian or
Arabic-Indic digits and ``/`` or ``-`` between the parts of a Jalali date.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from zoneinfo import ZoneInfo

import jdatetime

TEHRAN = ZoneInfo("Asia/Tehran")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
INVALID_DATE = "invalid_date"  # the error type of a field that is not a real day
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    JALALI = "jalali"


class DateError(ValueError):
    """The text is not a date in the calendar asked for; the message says why."""


def normalise_digits(text: str) -> str:
    return text.strip().translate(_DIGITS)


def parse_date(
    text: str, calendar: Calendar = Calendar.GREGORIAN, *, refuse_jalali_looking: bool = False
) -> dt.date:
    """``2018-07-22``; or ``1397-04-31`` / ``1397/04/31`` / ``۱۳۹۷/۰۴/۳۱`` with the Jalali calendar.

    With ``refuse_jalali_looking``, a "Gregorian" year before 1700 is refused
    with a hint to add ``calendar=jalali`` (for query parameters people type).
    """
    match = _DATE.match(normalise_digits(text))
    if not match:
        raise DateError(f"{text!r} is not a date: write YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    if calendar is Calendar.JALALI:
        try:
            return jdatetime.date(year, month, day).togregorian()
        except ValueError as exc:
            raise DateError(f"{text!r} is not a Jalali date: {exc}") from exc
    if refuse_jalali_looking and year < 1700:
        raise DateError(f"{text!r} looks like a Jalali date: add calendar=jalali")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"{text!r} is not a Gregorian date: {exc}") from exc


def jalali(day: dt.date) -> str:
    """``2018-07-22`` -> ``"1397-04-31"``."""
    return jdatetime.date.fromgregorian(date=day).strftime("%Y-%m-%d")


def from_jalali(text: str) -> dt.date:
    return parse_date(text, Calendar.JALALI)


def today_tehran() -> dt.date:
    return dt.datetime.now(TEHRAN).date()


def both(day: dt.date | None) -> dict[str, str] | None:
    """A legal date in both calendars, as the API returns it."""
    if day is None:
        return None
    return {"gregorian": day.isoformat(), "jalali": jalali(day)}


def add_months_jalali(day: dt.date, months: int) -> dt.date:
    """``months`` Jalali months after ``day``; the day of month is clamped to
    the target month's length (1404/06/31 + 6 months = 1404/12/29)."""
    start = jdatetime.date.fromgregorian(date=day)
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    length = 31 if month <= 6 else 30 if month <= 11 else (30 if jdatetime.date(year, 1, 1).isleap() else 29)
    return jdatetime.date(year, month, min(start.day, length)).togregorian()
