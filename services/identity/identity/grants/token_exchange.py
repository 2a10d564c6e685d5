"""RFC 8693 token exchange: acting for a principal. Owned by the representation work."""

from __future__ import annotations

from fastapi import Request
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity.exceptions import InvalidGrant

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"


async def handle(request: Request, session: AsyncSession, form: dict[str, str]) -> TokenResponse:
    raise InvalidGrant("token exchange is not available yet.")
