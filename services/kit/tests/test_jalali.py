"""Jalali dates: one written form, parsing with Persian digits, month arithmetic, today in Tehran."""

from __future__ import annotations

import datetime as dt

import pytest

from kit.clock import tehran_date
from kit.jalali import Calendar, DateError, add_months, both, from_jalali, jalali, parse_date


@pytest.mark.parametrize(
    ("text", "calendar", "expected"),
    [
        ("2018-07-22", Calendar.GREGORIAN, dt.date(2018, 7, 22)),
        ("1397-04-31", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("1397/04/31", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("۱۳۹۷/۰۴/۳۱", Calendar.JALALI, dt.date(2018, 7, 22)),
        ("١٣٩٧-٠٤-٣١", Calendar.JALALI, dt.date(2018, 7, 22)),
        (" ۱۴۰۳/۱/۱ ", Calendar.JALALI, dt.date(2024, 3, 20)),
        ("1390-08-22", Calendar.JALALI, dt.date(2011, 11, 13)),
        ("1404-03-21", Calendar.JALALI, dt.date(2025, 6, 11)),
        ("1404-09-12", Calendar.JALALI, dt.date(2025, 12, 3)),
        ("1403-12-30", Calendar.JALALI, dt.date(2025, 3, 20)),  # 1403 is a leap year
        # no calendar: a year before 1700 is Jalali
        ("۱۴۰۳-۰۳-۱۲", None, dt.date(2024, 6, 1)),
        ("2024/06/01", None, dt.date(2024, 6, 1)),
    ],
)
def test_parses(text: str, calendar: Calendar | None, expected: dt.date) -> None:
    assert parse_date(text, calendar) == expected


@pytest.mark.parametrize(
    ("text", "calendar"),
    [
        ("2018-02-30", Calendar.GREGORIAN),
        ("1404-12-30", Calendar.JALALI),  # 1404 is not a leap year
        ("1404-12-30", None),
        ("1397-13-01", Calendar.JALALI),
        ("22/07/2018", Calendar.GREGORIAN),
        ("yesterday", Calendar.GREGORIAN),
        ("१३९७-०४-३१", Calendar.JALALI),  # Devanagari digits are not Persian ones
        ("", Calendar.JALALI),
    ],
)
def test_refuses(text: str, calendar: Calendar | None) -> None:
    with pytest.raises(DateError):
        parse_date(text, calendar)


def test_a_jalali_looking_gregorian_date_is_refused_with_a_hint() -> None:
    with pytest.raises(DateError, match="calendar=jalali"):
        parse_date("1397-04-31", Calendar.GREGORIAN, refuse_jalali_looking=True)


def test_one_written_form() -> None:
    assert jalali(dt.date(2022, 1, 30)) == "1400-11-10"
    assert jalali(dt.date(2024, 3, 20)) == "1403-01-01"
    assert jalali(None) is None
    assert both(dt.date(2015, 6, 11)) == {"gregorian": "2015-06-11", "jalali": "1394-03-21"}
    assert both(None) is None


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("1404-06-31", 6, "1404-12-29"),  # clamped: Esfand 1404 has 29 days
        ("1403-06-31", 6, "1403-12-30"),  # 1403 is leap: Esfand has 30
        ("1403-12-30", 12, "1404-12-29"),  # from a leap Esfand into a common one
        ("1403-12-30", 1, "1404-01-30"),
        ("1404-01-15", 3, "1404-04-15"),
        ("1404-10-10", 6, "1405-04-10"),
        ("1404-12-29", 12, "1405-12-29"),
        ("1404-07-30", -1, "1404-06-30"),
        ("1404-01-31", -2, "1403-11-30"),
    ],
)
def test_month_arithmetic(start: str, months: int, expected: str) -> None:
    assert jalali(add_months(from_jalali(start), months)) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Tehran is UTC+03:30 (no daylight saving since 2022): the day turns at 20:30 UTC.
        (dt.datetime(2024, 3, 19, 20, 29, tzinfo=dt.UTC), dt.date(2024, 3, 19)),
        (dt.datetime(2024, 3, 19, 20, 30, tzinfo=dt.UTC), dt.date(2024, 3, 20)),
        (dt.datetime(2024, 3, 19, 23, 59, tzinfo=dt.UTC), dt.date(2024, 3, 20)),
        # In the summer of 2021 it was UTC+04:30: the day turned at 19:30 UTC.
        (dt.datetime(2021, 7, 1, 19, 30, tzinfo=dt.UTC), dt.date(2021, 7, 2)),
    ],
)
def test_today_in_tehran(moment: dt.datetime, expected: dt.date) -> None:
    assert tehran_date(moment) == expected
