"""Event-type patterns of a subscription: an exact type (``orders.order-file.approved``), a kind's
(``orders.order-file.*``), a service's (``orders.*``) or every type (``*``).

Until the catalogue of event types (``panjereh_contract.event_types``) exists, a pattern is
checked by its shape only, in ``valid_pattern`` (the one place to switch to the catalogue).
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"^(\*|[a-z]+\.\*|[a-z]+\.[a-z-]+\.\*|[a-z]+\.[a-z-]+\.[a-z-]+)$")


def valid_pattern(pattern: str) -> bool:
    """Whether ``pattern`` is a pattern a subscription may hold."""
    return _SHAPE.fullmatch(pattern) is not None


def matches(pattern: str, type_: str) -> bool:
    """Whether the event type ``type_`` is one ``pattern`` names."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return type_.startswith(pattern[:-1])
    return pattern == type_


def matches_any(patterns: list[str], type_: str) -> bool:
    return any(matches(pattern, type_) for pattern in patterns)
