"""What a grant reads of a ``POST /v1/token`` request: its form fields and its
``Authorization`` header (HTTP Basic client credentials)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenForm:
    fields: dict[str, str]
    """The form's known fields, each given at most once."""
    authorization: str
    """The ``Authorization`` header as sent, or ``""``."""

    def get(self, name: str) -> str | None:
        return self.fields.get(name)
