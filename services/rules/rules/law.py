"""The shape of a rule: what the data files say and the database keeps.

Every value is dated (a period applies from its ``from`` until the next
period; a ``null`` value ends the rule) and cited. Validation here is what
makes a file acceptable: Jalali and Gregorian dates that agree, periods in
order, values shaped as their kind requires (see DATA.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kit.jalali import jalali


class Kind(StrEnum):
    FINE = "fine"
    RATE = "rate"
    DEADLINE = "deadline"
    AMOUNT = "amount"
    CONDITION = "condition"
    LIST = "list"
    TABLE = "table"


class InstrumentKind(StrEnum):
    LAW = "law"
    DECREE = "decree"
    BYLAW = "bylaw"
    CIRCULAR = "circular"
    GUIDE = "guide"
    BUDGET_LAW = "budget-law"
    RESOLUTION = "resolution"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_jalali(gregorian: dt.date | None, jalali_text: str | None, what: str) -> None:
    if gregorian is not None and jalali_text is not None and jalali(gregorian) != jalali_text:
        raise ValueError(
            f"{what}: {gregorian} is {jalali(gregorian)} in the Jalali calendar, not {jalali_text}"
        )


class Source(_Strict):
    """Where the rule lives, as a client would look it up."""

    instrument: str = Field(pattern=r"^[a-z0-9-]+$")
    article: str | None = Field(default=None, pattern=r"^[0-9]+$")
    note: str | None = None
    clause: str | None = None


class Citation(_Strict):
    """The instrument that set a period's value."""

    instrument: InstrumentKind
    title: str
    title_fa: str | None = None
    number: str | None = None
    approved: dt.date | None = None
    approved_jalali: str | None = None
    effective: dt.date | None = None
    effective_jalali: str | None = None
    article: str | None = None
    note: str | None = None
    clause: str | None = None

    @model_validator(mode="after")
    def _dates_agree(self) -> Citation:
        _check_jalali(self.approved, self.approved_jalali, "citation.approved")
        _check_jalali(self.effective, self.effective_jalali, "citation.effective")
        return self


class Period(_Strict):
    starts: dt.date = Field(alias="from")
    starts_jalali: str = Field(alias="from_jalali")
    value: Any
    verified: bool
    citation: Citation
    note: str | None = None
    text_fa: str | None = None

    @model_validator(mode="after")
    def _dates_agree(self) -> Period:
        _check_jalali(self.starts, self.starts_jalali, "from")
        return self


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decimal(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def _range(value: Any, element: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"min", "max"}
        and element(value["min"])
        and element(value["max"])
        and Decimal(str(value["min"])) <= Decimal(str(value["max"]))
    )


def _deadline(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if set(value) == {"date", "date_jalali"}:
        _check_jalali(dt.date.fromisoformat(value["date"]), value["date_jalali"], "value.date")
        return True
    return (
        len(value) == 1
        and next(iter(value)) in ("days", "months", "years")
        and _int(next(iter(value.values())))
    )


_SHAPES = {
    Kind.FINE: lambda v: _int(v) or _range(v, _int),
    Kind.AMOUNT: lambda v: _int(v) or _range(v, _int),
    Kind.RATE: lambda v: _decimal(v) or _range(v, _decimal),
    Kind.DEADLINE: _deadline,
    Kind.CONDITION: lambda v: isinstance(v, dict) and bool(v),
    Kind.LIST: lambda v: isinstance(v, list) and bool(v),
    Kind.TABLE: lambda v: isinstance(v, list) and bool(v) and all(isinstance(row, dict) for row in v),
}


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,80}$")
    kind: Kind
    title: str
    title_fa: str | None = None
    source: Source
    unit: str | None = None
    per: str | None = None
    text_fa: str | None = None
    tags: tuple[str, ...] = ()
    periods: tuple[Period, ...] = Field(min_length=1)

    @field_validator("periods")
    @classmethod
    def _in_order(cls, periods: tuple[Period, ...]) -> tuple[Period, ...]:
        for before, after in itertools.pairwise(periods):
            if after.starts <= before.starts:
                raise ValueError(f"periods out of order: {after.starts} follows {before.starts}")
        if periods and periods[0].value is None:
            raise ValueError("the first period cannot end the rule")
        return periods

    @model_validator(mode="after")
    def _values_fit_the_kind(self) -> Rule:
        shape = _SHAPES[self.kind]
        for period in self.periods:
            if period.value is not None and not shape(period.value):
                raise ValueError(f"{self.id}: the value from {period.starts} does not fit kind {self.kind}")
        return self

    @property
    def verified(self) -> bool:
        return all(p.verified for p in self.periods)

    def end_of(self, index: int) -> dt.date | None:
        """The last day period ``index`` applies (the day before the next starts)."""
        if index + 1 < len(self.periods):
            return self.periods[index + 1].starts - dt.timedelta(days=1)
        return None


class HolidayCalendar(BaseModel):
    """Fridays and the official holidays, for deadlines counted in working days."""

    model_config = ConfigDict(extra="allow", frozen=True)

    weekly: tuple[str, ...]
    fixed_jalali: tuple[dict[str, Any], ...]
    lunar_hijri: tuple[dict[str, Any], ...] = ()
