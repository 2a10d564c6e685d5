"""Business time: timestamps are UTC, business dates are Asia/Tehran."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tehran_date(moment: dt.datetime) -> dt.date:
    """The date in Iran at ``moment`` (an aware datetime)."""
    return moment.astimezone(TEHRAN).date()


def today_tehran() -> dt.date:
    """Today's date in Iran, the date every legal deadline and grant is counted in."""
    return tehran_date(now_utc())
