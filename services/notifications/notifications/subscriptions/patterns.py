"""Event-type patterns of a subscription: an exact type (``orders.order-file.approved``), a kind's
(``orders.order-file.*``), a service's (``orders.*``) or every type (``*``), as the catalogue of
event types defines them (``panjereh_contract.event_types``). A pattern is accepted only when it
names at least one catalogued type, so a typo is refused rather than silently receiving nothing.
Fan-out finds the subscriptions of a type in SQL by the patterns that name it
(``notifications.events.service.patterns_naming``), the same rule read the other way.
"""

from __future__ import annotations

from panjereh_contract.event_types import known_pattern, matches


def valid_pattern(pattern: str) -> bool:
    """Whether ``pattern`` is a pattern a subscription may hold: it names a catalogued type."""
    return known_pattern(pattern)


def matches_any(patterns: list[str], type_: str) -> bool:
    return any(matches(pattern, type_) for pattern in patterns)


__all__ = ["matches", "matches_any", "valid_pattern"]
