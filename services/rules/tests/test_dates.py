"""Dates: Gregorian and Jalali, Persian digits, and clear refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.dates import Calendar, DateError, both, jalali, parse_date


@pytest.mark.parametrize(
    ("text", "calendar", "expected"),
    [
        ("2018-07-22", Calendar.GREGORIAN, dt.date(2018, 7, 22)),
        ("1397-04-31", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("1397/04/31", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("۱۳۹۷/۰۴/۳۱", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("١٣٩٧-٠٤-٣١", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("1390-08-22", Calendar.JALALI, dt.date(2011, 11, 13)),
        ("1403-01-01", Calendar.JALALI, dt.date(2024, 3, 20)),
        ("1404-03-21", Calendar.JALALI, dt.date(2025, 6, 11)),
        ("1404-09-12", Calendar.JALALI, dt.date(2025, 12, 3)),
        ("1403-12-30", Calendar.JALALI, dt.date(2025, 3, 20)),  # 1403 is a leap year
    ],
)
def test_parses(text: str, calendar: Calendar, expected: dt.date) -> None:
    assert parse_date(text, calendar) == expected


@pytest.mark.parametrize(
    ("text", "calendar"),
    [
        ("2018-02-30", Calendar.GREGORIAN),
        ("1404-12-30", Calendar.JALALI),  # 1404 is not a leap year
        ("1397-13-01", Calendar.JALALI),
        ("22/07/2018", Calendar.GREGORIAN),
        ("yesterday", Calendar.GREGORIAN),
        ("", Calendar.JALALI),
    ],
)
def test_refuses(text: str, calendar: Calendar) -> None:
    with pytest.raises(DateError):
        parse_date(text, calendar)


def test_both_calendars() -> None:
    assert jalali(dt.date(2022, 1, 30)) == "1400-11-10"
    assert both(dt.date(2015, 6, 11)) == {"gregorian": "2015-06-11", "jalali": "1394-03-21"}
    assert both(None) is None


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("1404-06-31", 6, "1404-12-29"),  # clamped: Esfand 1404 has 29 days
        ("1403-06-31", 6, "1403-12-30"),  # 1403 is leap
        ("1404-01-15", 3, "1404-04-15"),
        ("1404-10-10", 6, "1405-04-10"),
        ("1404-12-29", 12, "1405-12-29"),
    ],
)
def test_jalali_month_arithmetic(start: str, months: int, expected: str) -> None:
    from rules.dates import add_months_jalali, from_jalali

    assert jalali(add_months_jalali(from_jalali(start), months)) == expected
