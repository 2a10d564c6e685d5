"""The rules service's answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DatePair(BaseModel):
    """A legal date in both calendars."""

    gregorian: str = Field(examples=["2018-07-22"])
    jalali: str = Field(examples=["1397-04-31"])


class Source(BaseModel):
    """Where the rule lives: find "customs affairs law, article 109" without our IDs."""

    instrument: str = Field(examples=["customs-affairs-law"])
    article: str | None = Field(default=None, examples=["109"])
    note: str | None = Field(default=None, examples=["2"])
    clause: str | None = None


class Citation(BaseModel):
    """The instrument (law, decree, bylaw...) that set a value."""

    instrument: str
    title: str
    title_fa: str | None = None
    number: str | None = None
    approved: DatePair | None = None
    effective: DatePair | None = None
    article: str | None = None
    note: str | None = None
    clause: str | None = None


class RuleSummary(BaseModel):
    id: str
    kind: str
    title: str
    title_fa: str | None = None
    source: Source
    unit: str | None = None
    per: str | None = None
    tags: list[str] = []
    verified: bool = Field(description="False when any period's value is not verified.")
    applies_from: DatePair


class RulePage(BaseModel):
    items: list[RuleSummary]
    next: str | None = None


class Amendment(BaseModel):
    applies_from: DatePair
    citation: Citation
    verified: bool


class RuleValue(BaseModel):
    """The value in force on a date, with the amendment that produced it."""

    model_config = ConfigDict(json_schema_extra={"description": "A rule's value on one date."})

    id: str
    kind: str
    title: str
    title_fa: str | None = None
    source: Source
    at: DatePair
    value: Any = Field(
        description=(
            'A fine range `{"min": 400000, "max": 2000000}` (IRR), an amount (int), a rate in percent '
            '(decimal string), a period `{"months": 3}`, a condition, a list or a table.'
        )
    )
    unit: str | None = None
    per: str | None = None
    verified: bool
    period: dict[str, DatePair | None] = Field(description="`from` and `to` (null: still in force).")
    citation: Citation
    amendments: list[Amendment] = Field(description="Every amendment up to this one, oldest first.")
    note: str | None = None
    text_fa: str | None = None


class TimelinePeriod(BaseModel):
    applies_from: DatePair
    applies_to: DatePair | None
    value: Any
    verified: bool
    citation: Citation
    note: str | None = None
    text_fa: str | None = None


class Timeline(BaseModel):
    id: str
    kind: str
    title: str
    source: Source
    unit: str | None = None
    per: str | None = None
    periods: list[TimelinePeriod]


class TraceStep(BaseModel):
    """One step of a calculation: what was used and what came of it."""

    step: str
    detail: str | None = None
    rule_id: str | None = None
    applies_from: DatePair | None = None
    citation: Citation | None = None
    verified: bool | None = None
    parameters: dict[str, Any] = {}
    result: Any = None


class CalculationResult(BaseModel):
    calculation: str
    result: Any
    unit: str | None
    verified: bool = Field(description="False when any value used is not verified.")
    trace: list[TraceStep]
