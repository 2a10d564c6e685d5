"""Contract of the rules service: models and an async client."""

from panjereh_contract.client import ServiceClient
from rules_client.models import (
    CalculationResult,
    Citation,
    DatePair,
    RulePage,
    RuleSummary,
    RuleValue,
    Source,
    Timeline,
    TimelinePeriod,
    TraceStep,
)


class RulesClient(ServiceClient):
    """Async client for rules (orders and transit call it for fees, duties and fines)."""

    async def value_at(self, rule_id: str, at: str) -> RuleValue:
        response = await self._request("GET", f"/v1/rules/{rule_id}", params={"at": at})
        return RuleValue.model_validate(response.json())

    async def calculate(self, name: str, inputs: dict) -> CalculationResult:  # type: ignore[type-arg]
        response = await self._request("POST", f"/v1/calculations/{name}", json=inputs)
        return CalculationResult.model_validate(response.json())


__all__ = [
    "CalculationResult",
    "Citation",
    "DatePair",
    "RulePage",
    "RuleSummary",
    "RuleValue",
    "RulesClient",
    "Source",
    "Timeline",
    "TimelinePeriod",
    "TraceStep",
]
