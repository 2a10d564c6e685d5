"""Document access levels, ordered by rank.

Four levels (seed 001): very limited < limited < medium < full (خیلی محدود،
محدود، متوسط، کامل). An object (an order-registration file) carries a level;
a representative's acting-for token carries the level of their grant. Who may
act on what is the server's rule (``kit.access_levels``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

ACCESS_LEVELS = ("very-limited", "limited", "medium", "full")


class AccessLevel(StrEnum):
    """A document access level, lowest first: very-limited < limited < medium < full."""

    # Compares by rank (VERY_LIMITED < FULL), not alphabetically; equality with its string
    # value still holds (AccessLevel.FULL == "full"). The docstring above is the schema's
    # description: it is written for a client developer.

    VERY_LIMITED = "very-limited"
    LIMITED = "limited"
    MEDIUM = "medium"
    FULL = "full"

    @property
    def rank(self) -> int:
        return ACCESS_LEVELS.index(self.value)

    @classmethod
    def parse(cls, value: str) -> AccessLevel:
        """The level named ``value``; ``ValueError`` naming the four levels otherwise."""
        try:
            return cls(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not an access level; use one of: {', '.join(ACCESS_LEVELS)}"
            ) from None

    def _rank_of(self, other: Any) -> int:
        # Never fall back to str's alphabetical order ("full" < "limited").
        if not isinstance(other, str) or other not in ACCESS_LEVELS:
            raise TypeError(f"an access level compares only with access levels, not {other!r}")
        return ACCESS_LEVELS.index(other)

    def __lt__(self, other: Any) -> bool:  # type: ignore[override]
        return self.rank < self._rank_of(other)

    def __le__(self, other: Any) -> bool:  # type: ignore[override]
        return self.rank <= self._rank_of(other)

    def __gt__(self, other: Any) -> bool:  # type: ignore[override]
        return self.rank > self._rank_of(other)

    def __ge__(self, other: Any) -> bool:  # type: ignore[override]
        return self.rank >= self._rank_of(other)
