"""Holidays for deadlines: Friday, Nowruz and the other fixed Jalali days, lunar
holidays by the Umm al-Qura calendar (the last day of Safar included).

Expected days are from the official calendar's standing list and known dates
(Ashura 1403 = 1403/04/26 = 2024-07-16), not from calendar.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

from rules import data_files
from rules.calculations.holidays import (
    HolidayKind,
    LunarCalendarOutOfRange,
    holidays_on,
    lunar_holidays_between,
    next_working_day,
)
from rules.law import HolidayCalendar


@pytest.fixture(scope="module")
def holidays() -> HolidayCalendar:
    return data_files.load().holidays


def kinds(calendar: HolidayCalendar, day: str) -> set[HolidayKind]:
    return {h.kind for h in holidays_on(calendar, dt.date.fromisoformat(day))}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 1404/01/01: Nowruz, a Friday, and 21 Ramadan (Martyrdom of Imam Ali)
        ("2025-03-21", {HolidayKind.WEEKLY, HolidayKind.FIXED_JALALI, HolidayKind.LUNAR_HIJRI}),
        ("2025-03-22", {HolidayKind.FIXED_JALALI}),  # 1404/01/02
        ("2025-03-24", {HolidayKind.FIXED_JALALI}),  # 1404/01/04, last day of Nowruz
        ("2025-03-25", set()),  # 1404/01/05: a working Tuesday
        ("2025-04-01", {HolidayKind.FIXED_JALALI}),  # 1404/01/12, Islamic Republic Day
        ("2025-04-02", {HolidayKind.FIXED_JALALI}),  # 1404/01/13, Nature Day
        ("2025-03-19", {HolidayKind.FIXED_JALALI}),  # 1403/12/29, oil nationalisation
        ("2025-03-20", set()),  # 1403/12/30 (a leap year's last day): a working Thursday
        ("2025-06-04", {HolidayKind.FIXED_JALALI}),  # 1404/03/14
        ("2025-02-10", {HolidayKind.FIXED_JALALI}),  # 1403/11/22, Revolution Day
        ("2025-01-17", {HolidayKind.WEEKLY}),  # a plain Friday
        ("2025-01-16", set()),  # Thursday is not a public holiday
        ("2024-07-15", {HolidayKind.LUNAR_HIJRI}),  # Tasua 1446
        ("2024-07-16", {HolidayKind.LUNAR_HIJRI}),  # Ashura 1446
        ("2024-07-17", set()),
    ],
)
def test_holidays_on(holidays: HolidayCalendar, day: str, expected: set[HolidayKind]) -> None:
    assert kinds(holidays, day) == expected


def test_nowruz_moves_to_the_fifth_of_farvardin(holidays: HolidayCalendar) -> None:
    # 1397/01/01 (2018-03-21, a Wednesday) to 1397/01/04 (Saturday) are holidays, 23 March a Friday too.
    day, passed = next_working_day(holidays, dt.date(2018, 3, 21))
    assert day == dt.date(2018, 3, 25)
    assert sorted({h.day for h in passed}) == [dt.date(2018, 3, d) for d in (21, 22, 23, 24)]
    assert not any(h.lunar for h in passed)


def test_friday_moves_to_saturday(holidays: HolidayCalendar) -> None:
    day, passed = next_working_day(holidays, dt.date(2025, 1, 17))
    assert day == dt.date(2025, 1, 18)
    assert [h.kind for h in passed] == [HolidayKind.WEEKLY]


def test_working_day_stays(holidays: HolidayCalendar) -> None:
    assert next_working_day(holidays, dt.date(2025, 1, 18)) == (dt.date(2025, 1, 18), [])


def test_tasua_and_ashura_in_a_row(holidays: HolidayCalendar) -> None:
    day, passed = next_working_day(holidays, dt.date(2024, 7, 15))
    assert day == dt.date(2024, 7, 17)
    assert [h.name for h in passed] == ["Tasua", "Ashura"]


def test_last_day_of_a_29_day_safar(holidays: HolidayCalendar) -> None:
    # Safar 1447 has 29 days (Umm al-Qura): its 29th, 2025-08-23, is the Martyrdom of Imam Reza;
    # the 28th, 2025-08-22, is the Prophet's death (and a Friday).
    imam_reza = holidays_on(holidays, dt.date(2025, 8, 23))
    assert [h.name for h in imam_reza] == ["Martyrdom of Imam Reza"]
    assert {h.kind for h in holidays_on(holidays, dt.date(2025, 8, 22))} == {
        HolidayKind.WEEKLY,
        HolidayKind.LUNAR_HIJRI,
    }
    assert holidays_on(holidays, dt.date(2025, 8, 24)) == []  # 1 Rabi al-Awwal


def test_last_day_of_a_30_day_safar(holidays: HolidayCalendar) -> None:
    # Safar 1446 has 30 days: the 30th (2024-09-03) is the holiday, not the 29th.
    assert [h.name for h in holidays_on(holidays, dt.date(2024, 9, 3))] == ["Martyrdom of Imam Reza"]
    assert holidays_on(holidays, dt.date(2024, 9, 2)) == []


def test_lunar_holidays_between(holidays: HolidayCalendar) -> None:
    found = lunar_holidays_between(holidays, dt.date(2024, 7, 14), dt.date(2024, 7, 18))
    assert [h.day for h in found] == [dt.date(2024, 7, 15), dt.date(2024, 7, 16)]
    assert lunar_holidays_between(holidays, dt.date(2018, 3, 20), dt.date(2018, 3, 26)) == []


def test_outside_the_lunar_tables(holidays: HolidayCalendar) -> None:
    with pytest.raises(LunarCalendarOutOfRange):
        holidays_on(holidays, dt.date(2077, 11, 17))
    with pytest.raises(LunarCalendarOutOfRange):
        holidays_on(holidays, dt.date(1924, 7, 31))


def test_an_unknown_weekday_in_the_data_is_an_error() -> None:
    bad = HolidayCalendar(weekly=("fryday",), fixed_jalali=(), lunar_hijri=())
    with pytest.raises(ValueError, match="fryday"):
        holidays_on(bad, dt.date(2025, 1, 17))
