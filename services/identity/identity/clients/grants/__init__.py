"""The grant types of ``POST /v1/token``, one module each.

A handler takes the request, the session and the parsed form, and answers a
``TokenResponse`` or raises an ``OAuthError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from identity_client.models import TokenResponse
from sqlalchemy.ext.asyncio import AsyncSession

from identity.clients.grants import client_credentials, refresh_token, token_exchange

Form = dict[str, str]
GrantHandler = Callable[[Request, AsyncSession, Form], Awaitable[TokenResponse]]

GRANTS: dict[str, GrantHandler] = {
    client_credentials.GRANT_TYPE: client_credentials.handle,
    refresh_token.GRANT_TYPE: refresh_token.handle,
    token_exchange.GRANT_TYPE: token_exchange.handle,
}
