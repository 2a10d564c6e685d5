"""Text as it is searched: Persian letters and digits normalised, case folded."""

from __future__ import annotations

import datetime as dt
import functools

import jdatetime
from panjereh_contract.identifiers import normalise_digits

# Arabic letters that Persian keyboards and old data often use instead of the Persian ones, and the
# zero-width non-joiner, which people type or leave out at will («یخچال‌فریزر» / «یخچال فریزر»).
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "\u200c": " ", "\u200f": ""})


def normalise(text: str) -> str:
    """``text`` lower-cased, with Persian letters and ASCII digits, single-spaced."""
    return " ".join(normalise_digits(text).translate(_LETTERS).casefold().split())


def search_text(*parts: str | None) -> str:
    return normalise(" ".join(p for p in parts if p))


@functools.lru_cache(maxsize=4096)
def jalali(day: dt.date | None) -> str | None:
    """The same day in the Jalali calendar (jdatetime), ``YYYY-MM-DD``. Cached: jdatetime takes
    ~9 µs a day, and a file read shows four dates, most of them shared with other files."""
    if day is None:
        return None
    return jdatetime.date.fromgregorian(date=day).strftime("%Y-%m-%d")


def hs_display(code: str) -> str:
    """``10011910`` -> ``1001 19 10``, as the tariff book prints it."""
    return f"{code[:4]} {code[4:6]} {code[6:]}"


DAY_PATTERN = r"^[0-9۰-۹٠-٩]{4}[-/][0-9۰-۹٠-٩]{1,2}[-/][0-9۰-۹٠-٩]{1,2}$"
INVALID_DATE = "invalid_date"  # the error type of a field that is not a real day (as the rules service)
JALALI_BEFORE = 1700  # a year below this is a Jalali year: no Gregorian date that early is asked for


class NotADay(ValueError):
    """The text matches the pattern but is not a real day."""


def parse_day(text: str) -> dt.date:
    """``2024-06-01``, or a Jalali ``1403-03-12`` / ``1403/03/12`` (a year before 1700), Persian
    digits accepted."""
    year, month, day = (int(part) for part in normalise_digits(text).replace("/", "-").split("-"))
    try:
        if year < JALALI_BEFORE:
            return jdatetime.date(year, month, day).togregorian()
        return dt.date(year, month, day)
    except ValueError as exc:
        raise NotADay(
            f"{text!r} is not a day of the {'Jalali' if year < JALALI_BEFORE else 'Gregorian'} calendar."
        ) from exc
