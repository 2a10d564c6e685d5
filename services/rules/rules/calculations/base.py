"""The calculation framework: inputs, the trace, the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Discriminator, RootModel, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from rules_client.models import CalculationResult, TraceStep

from kit.clock import today_tehran
from kit.jalali import INVALID_DATE, Calendar, DateError, parse_date
from rules.catalogue import Catalogue, InForce
from rules.presenting import citation, date_pair

# Dates a calculation accepts: far wider than any rule's life, narrow enough that
# adding months or days to them never leaves the calendars' range.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)


class CalculationInput(BaseModel):
    """Base of every calculation's input: unknown fields are refused, and date
    fields accept ISO dates, or Jalali ones with ``calendar: jalali``, from
    1900 to 2199."""

    model_config = ConfigDict(extra="forbid")

    calendar: Calendar = Calendar.GREGORIAN

    # Field name -> bool, int or dt.date, for the fields the validator below checks.
    _checked: ClassVar[dict[str, type]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._checked = {
            name: kind
            for name, field in cls.model_fields.items()
            for kind in (bool, int, dt.date)
            if field.annotation in (kind, kind | None)
        }

    @field_validator("*", mode="before")
    @classmethod
    def _exact_types_and_legal_dates(cls, value: Any, info: ValidationInfo) -> Any:
        """JSON types as the schema states them (no 0 for false, no "5" for 5), and
        dates in either calendar within the span this service calculates for."""
        kind = cls._checked.get(info.field_name)
        if kind is None or value is None:
            return value
        if kind is bool:
            if not isinstance(value, bool):
                raise PydanticCustomError("bool_type", "write true or false")
            return value
        if kind is int:
            if isinstance(value, float) and value.is_integer():
                return int(value)  # JSON Schema counts 56.0 as an integer
            if isinstance(value, bool) or not isinstance(value, int):
                raise PydanticCustomError("int_type", "write a whole number")
            return value
        return _legal_date(value, info.data.get("calendar", Calendar.GREGORIAN))


def tagged_by(field: str, tag: Callable[[Any], str]) -> Discriminator:
    """The discriminator of a union of inputs where ``field`` decides which others are allowed:
    ``tag`` maps its raw value (absent: ``None``) to the variant's ``Tag``. A callable, since the
    validator above runs on every field, the deciding one too; a value no variant takes goes to
    the variant that names it as wrong."""

    def choose(value: Any) -> str:
        return tag(value.get(field) if isinstance(value, dict) else getattr(value, field, None))

    return Discriminator(choose)


def _legal_date(value: Any, calendar: Calendar) -> dt.date:
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise PydanticCustomError(INVALID_DATE, "a date is written as a string: YYYY-MM-DD")
    try:
        day = parse_date(value, calendar)
    except DateError as exc:
        raise PydanticCustomError(INVALID_DATE, str(exc)) from exc
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError(
            INVALID_DATE,
            f"{day.isoformat()} is outside the dates this service calculates for "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})",
        )
    return day


def today() -> dt.date:
    return today_tehran()


@dataclass
class Trace:
    steps: list[TraceStep] = field(default_factory=list)
    verified: bool = True

    def use(self, in_force: InForce, step: str, detail: str | None = None, **parameters: Any) -> Any:
        """Record that ``in_force``'s value was used; returns that value."""
        period = in_force.period
        self.verified &= period.verified
        self.steps.append(
            TraceStep(
                step=step,
                detail=detail,
                rule_id=in_force.rule.id,
                applies_from=date_pair(period.starts),
                citation=citation(period.citation),
                verified=period.verified,
                parameters=parameters,
                result=period.value,
            )
        )
        return period.value

    def note(self, step: str, detail: str | None = None, result: Any = None, **parameters: Any) -> None:
        """Record arithmetic or a decision that used no rule value."""
        self.steps.append(TraceStep(step=step, detail=detail, parameters=parameters, result=result))

    def unverified(self, reason: str) -> None:
        """Mark the result unverified for a reason outside the rule data."""
        self.verified = False
        self.steps.append(TraceStep(step="unverified", detail=reason, verified=False))


@dataclass(frozen=True)
class Outcome:
    result: Any
    unit: str | None


CalculationFunction = TypeVar("CalculationFunction", bound=Callable[[Catalogue, Any, Trace], Outcome])


@dataclass(frozen=True)
class Calculation:
    name: str
    summary: str
    description: str
    # A model, or a union of models (a RootModel) where one field decides which others are allowed.
    inputs: type[CalculationInput] | type[RootModel[Any]]
    function: Callable[[Catalogue, Any, Trace], Outcome]

    def run(self, catalogue: Catalogue, inputs: BaseModel) -> CalculationResult:
        trace = Trace()
        data = inputs.root if isinstance(inputs, RootModel) else inputs
        outcome = self.function(catalogue, data, trace)
        return CalculationResult(
            calculation=self.name,
            result=outcome.result,
            unit=outcome.unit,
            verified=trace.verified,
            trace=trace.steps,
        )


REGISTRY: dict[str, Calculation] = {}


def calculation(
    name: str, summary: str, inputs: type[CalculationInput] | type[RootModel[Any]]
) -> Callable[[CalculationFunction], CalculationFunction]:
    """Register a calculation; its docstring becomes the API description. The function gets the
    validated input: the model, or the union's variant."""

    def register(function: CalculationFunction) -> CalculationFunction:
        if name in REGISTRY:
            raise ValueError(f"calculation {name} registered twice")
        REGISTRY[name] = Calculation(name, summary, (function.__doc__ or "").strip(), inputs, function)
        return function

    return register
