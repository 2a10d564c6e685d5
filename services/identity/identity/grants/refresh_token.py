"""``refresh_token``: a user's rotating refresh token (RFC 6749 §6). Owned by the login work."""

from __future__ import annotations

from fastapi import Request
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity.exceptions import InvalidGrant

GRANT_TYPE = "refresh_token"


async def handle(request: Request, session: AsyncSession, form: dict[str, str]) -> TokenResponse:
    raise InvalidGrant("refresh_token is not available yet.")
