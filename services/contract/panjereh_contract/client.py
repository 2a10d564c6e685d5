"""The base of every service's published client package (``*_client``).

Light on purpose: httpx and pydantic only, so other services and client
software can install a contract without the server.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from panjereh_contract.audit_models import AuditEventPage


class Health(BaseModel):
    status: str
    service: str


class Readiness(BaseModel):
    status: str
    service: str
    migration: str


class ServiceCallError(Exception):
    """A peer answered with an error; ``problem`` holds its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('code', 'error')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


class ServiceClient:
    """Calls one service over the process-wide ``httpx.AsyncClient``."""

    def __init__(self, base_url: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, self.base_url + path, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:200]}
            raise ServiceCallError(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    async def health(self) -> Health:
        return Health.model_validate((await self._request("GET", "/health")).json())

    async def ready(self) -> Readiness:
        return Readiness.model_validate((await self._request("GET", "/ready")).json())

    async def audit_events(
        self, token: str, *, cursor: str | None = None, limit: int = 50, **filters: str
    ) -> AuditEventPage:
        """A page of the service's security audit log (an admin token); ``filters``: actor,
        on_behalf_of, action, object_type, object_id, outcome, request_id, ``from_``, to."""
        params = {("from" if k == "from_" else k): v for k, v in filters.items()}
        params.update({"limit": str(limit), **({"cursor": cursor} if cursor else {})})
        response = await self._request(
            "GET", "/v1/audit-events", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        return AuditEventPage.model_validate(response.json())
