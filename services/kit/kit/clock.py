"""Business time: timestamps are UTC, business dates are Asia/Tehran."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TEHRAN = ZoneInfo("Asia/Tehran")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_tehran() -> dt.date:
    """Today's date in Iran, the date every legal deadline and grant is counted in."""
    return dt.datetime.now(TEHRAN).date()
