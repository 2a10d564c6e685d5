"""The body of every error answer: RFC 9457 problem details (``application/problem+json``).

Services raise and answer them (``kit.errors``); clients read them with this model.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProblemFieldError(BaseModel):
    pointer: str = Field(description="JSON pointer to the field, e.g. `#/body/items/0/hs_code`.")
    detail: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details. Switch on `code`; show `title`/`title_fa` to people."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str = Field(description="Stable machine-readable error code.")
    request_id: str | None = Field(default=None, description="Quote it when reporting a problem.")
    title_fa: str | None = None
    errors: list[ProblemFieldError] | None = None
