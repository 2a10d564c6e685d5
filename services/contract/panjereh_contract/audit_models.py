"""The answers of ``GET /v1/audit-events`` (every service's): pydantic only, so that client
packages (``panjereh_contract.client``) can use them without the server."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Outcome(StrEnum):
    """Whether the act was done (``success``) or refused (``refused``: a failed login, an
    exchange for a revoked grant...)."""

    SUCCESS = "success"
    REFUSED = "refused"


class AuditEvent(BaseModel):
    """One security event: who (``actor``), for whom (``on_behalf_of``), what (``action`` on
    ``object_type``/``object_id``), when, from where, in which request, and the outcome."""

    id: int
    occurred_at: datetime
    actor: str = Field(description="`user:…`, `legal:…`, `client:…`, or `anonymous`.")
    on_behalf_of: str | None = Field(description="The principal acted for, when not the actor.")
    action: str = Field(examples=["token.exchange"])
    object_type: str
    object_id: str
    outcome: Outcome
    source_address: str | None = Field(description="The client address the request came from.")
    user_agent: str | None = Field(description="The caller's User-Agent, truncated to 200 characters.")
    request_id: str | None = Field(description="The request's `X-Request-ID`.")
    details: dict[str, Any]


class AuditEventPage(BaseModel):
    items: list[AuditEvent]
    next: str | None = None
