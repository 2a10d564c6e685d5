"""Business dates in the Jalali calendar: one written form, month arithmetic, parsing.

Conversion is jdatetime's (never hand-written). A Jalali date is shown as
``YYYY-MM-DD`` (``1397-04-31``), the form of every ``*_jalali`` field. People
may write Persian or Arabic-Indic digits and ``/`` or ``-`` between the parts.
Today's date is ``kit.clock.today_tehran()``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from enum import StrEnum
from typing import overload

import jdatetime

from panjereh_contract.identifiers import normalise_digits

FORMAT = "%Y-%m-%d"
# A date as people type it, in either calendar: the JSON Schema pattern of date query parameters.
DATE_PATTERN = r"^[0-9۰-۹٠-٩]{4}[-/][0-9۰-۹٠-٩]{1,2}[-/][0-9۰-۹٠-٩]{1,2}$"
INVALID_DATE = "invalid_date"  # the error type of a field that is not a real day
JALALI_BEFORE = 1700  # a year below this is a Jalali year: no Gregorian date that early is asked for
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$", re.ASCII)


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    JALALI = "jalali"


class DateError(ValueError):
    """The text is not a date in the calendar asked for; the message says why."""


@overload
def jalali(day: dt.date) -> str: ...
@overload
def jalali(day: None) -> None: ...


def jalali(day: dt.date | None) -> str | None:
    """``2018-07-22`` -> ``"1397-04-31"``; no day, no text."""
    return None if day is None else _jalali(day)


@functools.lru_cache(maxsize=4096)
def _jalali(day: dt.date) -> str:
    """Cached: jdatetime takes ~9 µs a day, more than the rest of a rule lookup, and the same
    few days are shown again and again."""
    return jdatetime.date.fromgregorian(date=day).strftime(FORMAT)


def both(day: dt.date | None) -> dict[str, str] | None:
    """A legal date in both calendars, as the APIs return it."""
    if day is None:
        return None
    return {"gregorian": day.isoformat(), "jalali": jalali(day)}


def parse_date(
    text: str, calendar: Calendar | None = None, *, refuse_jalali_looking: bool = False
) -> dt.date:
    """``2018-07-22``; ``1397-04-31`` / ``1397/04/31`` / ``۱۳۹۷/۰۴/۳۱`` in the Jalali calendar.

    With no ``calendar``, a year before 1700 is read as Jalali. With ``refuse_jalali_looking``,
    such a year in the Gregorian calendar is refused with a hint to add ``calendar=jalali``
    (for query parameters people type).
    """
    match = _DATE.match(normalise_digits(text).strip())
    if not match:
        raise DateError(f"{text!r} is not a date: write YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    if calendar is None:
        calendar = Calendar.JALALI if year < JALALI_BEFORE else Calendar.GREGORIAN
    if calendar is Calendar.JALALI:
        try:
            return jdatetime.date(year, month, day).togregorian()
        except ValueError as exc:
            raise DateError(f"{text!r} is not a Jalali date: {exc}") from exc
    if refuse_jalali_looking and year < JALALI_BEFORE:
        raise DateError(f"{text!r} looks like a Jalali date: add calendar=jalali")
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"{text!r} is not a Gregorian date: {exc}") from exc


def from_jalali(text: str) -> dt.date:
    return parse_date(text, Calendar.JALALI)


def add_months(day: dt.date, months: int) -> dt.date:
    """``months`` Jalali months after ``day`` (validities and deadlines are counted in them); a
    day the target month lacks becomes its last day (1404/06/31 + 6 months = 1404/12/29)."""
    start = jdatetime.date.fromgregorian(date=day)
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    length = 31 if month <= 6 else 30 if month <= 11 else (30 if jdatetime.date(year, 1, 1).isleap() else 29)
    return jdatetime.date(year, month, min(start.day, length)).togregorian()
